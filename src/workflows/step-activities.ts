// Activity stubs built from a step's definition: its timeouts, retry policy and a summary that makes the Temporal
// UI's timeline read as the plan ("proxmox.version: Proxmox VE version >= 7.0").
import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_TYPES } from '../catalogue/failure-types';
import type { CompensationActivity, PlannedRun, StepActivity, StepDefinition } from '../catalogue/types';
import type { IntegrationConfig } from '../config/schema';

/**
 * The worker's plan of a new run, an activity whose result the history records, so a replay reads the plan instead of
 * building it again. Not a local activity: a local activity's result can reach the workflow in a later workflow task
 * than the one whose completion recorded it, and a replay then runs the code after it (a `patched()` call) in the
 * earlier task, where the patch's marker is not: the first sandbox histories recorded with one failed to replay that
 * way. An activity's completion always starts a workflow task of its own. Retried for a while: a worker of a release
 * before this one (a rolling upgrade) does not have it, and fails the attempt.
 */
// Typed here, not with the activity module's own type: workflow code imports no activity module (test/architecture).
export const { planRun } = proxyActivities<{ planRun(config: IntegrationConfig): Promise<PlannedRun> }>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 20, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  summary: 'plan the run from the worker\'s catalogue',
});

// Every step heartbeats (the activity wrapper's liveness ticker): a worker that dies mid-step is noticed after this
// long, and the step retried elsewhere, instead of after its whole start-to-close limit.
const DEFAULT_HEARTBEAT_SECONDS = 15;

function optionsFor(def: StepDefinition, summary: string): ActivityOptions {
  return {
    startToCloseTimeout: `${def.startToCloseSeconds}s`,
    heartbeatTimeout: `${def.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS}s`,
    retry: {
      maximumAttempts: def.retry.maximumAttempts,
      initialInterval: `${def.retry.initialIntervalSeconds}s`,
      backoffCoefficient: def.retry.backoffCoefficient ?? 2,
      maximumInterval: def.retry.maximumIntervalSeconds ? `${def.retry.maximumIntervalSeconds}s` : undefined,
      nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
    },
    summary,
  };
}

/**
 * `waitForCancellation`: a cancelled step's promise settles only once its activity has ended (it heartbeats, sees the
 * cancellation, stops its helm or SSH command and reports), so nothing is still changing when the undos start.
 */
export function activityForStep(def: StepDefinition, waitForCancellation = false): StepActivity {
  const acts = proxyActivities<Record<string, StepActivity>>({
    ...optionsFor(def, `${def.id}: ${def.title}`),
    ...(waitForCancellation ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } : {}),
  });
  return acts[def.activity];
}

export function compensationForStep(def: StepDefinition): CompensationActivity {
  const c = def.compensation;
  if (!c) throw new Error(`step ${def.id} has no compensation`);
  // An undo has its own limit and retries (catalogue/undo.ts); a plan recorded before undos had them used the step's
  // limit and this retry policy.
  const own = c.startToCloseSeconds !== undefined && c.retry !== undefined;
  const acts = proxyActivities<Record<string, CompensationActivity>>(
    own
      ? optionsFor({ ...def, startToCloseSeconds: c.startToCloseSeconds as number, retry: c.retry as StepDefinition['retry'] }, `undo ${def.id}`)
      : {
          ...optionsFor(def, `undo ${def.id}`),
          // Compensations retry longer than steps: leaving resources behind is worse than waiting.
          retry: { maximumAttempts: 10, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES] },
        },
  );
  return acts[c.activity];
}
