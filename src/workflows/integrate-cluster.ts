// The integrateCluster workflow: runs the plan's steps phase by phase, with a gate before each phase, waits for the
// operator when a blocking step fails for good, and undoes what it made when the run is rejected, aborted or
// cancelled. All I/O happens in activities; this code only decides.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { PHASE_IDS, type PhaseId } from '../catalogue/phases';
import type { StepDefinition, StepInput, StepOutputs } from '../catalogue/types';
import type { RunOutcome } from '../report/progress';
import { activityForStep, compensationForStep, planRun } from './step-activities';
import {
  approveUpdate,
  progressQuery,
  rejectUpdate,
  resolveStepUpdate,
  RUN_FAILURE_TYPES,
  type IntegrateClusterInput,
  type ResolveStepRequest,
} from './definitions';
import { PATCHES } from './patches';
import { describeStepFailure } from './step-failure';
import { RunTracker } from './run-tracker';
import { PHASE_KEY, STATE_KEY } from './search-attributes';
import { trustedApprovers } from './decision-trust';
import { validateApprove, validateReject, validateResolve, type DecisionContext } from './validators';
import { TRUST_ANYONE } from '../approvals/trusted-approvers';
import { keyFingerprint } from '../approvals/verify';

/** Ends a run early: a rejection, an operator's abort or a gate that timed out. */
class RunEnd extends Error {
  constructor(
    readonly outcome: Exclude<RunOutcome, 'succeeded' | 'cancelled'>,
    message: string,
  ) {
    super(message);
  }
}

export async function integrateCluster(input: IntegrateClusterInput): Promise<ReturnType<RunTracker['snapshot']>> {
  const { workflowId } = workflowInfo();
  const run = new RunTracker(input, workflowId, Date.now());
  const decisions = new Map<string, ResolveStepRequest>();
  const outputs: Record<string, StepOutputs> = {};
  /** Steps whose undo is registered, in the order they started (or passed, in runs from before sagas). */
  const completed: StepDefinition[] = [];
  const sagas = patched(PATCHES.sagas);
  // Decisions are checked against the approvers the worker lists, read again when a gate opens or a step blocks (a
  // key removed from the policy stops counting from then on). Runs from before this accept any `by`, as they did.
  const signedDecisions = patched(PATCHES.signedDecisions);
  const usedNonces = new Set<string>();
  const refreshTrust = async (): Promise<void> => {
    if (signedDecisions) run.trust = await trustedApprovers();
  };
  const decisionContext: DecisionContext = {
    workflowId,
    runId: workflowInfo().runId,
    check: () => ({
      trust: run.trust ?? TRUST_ANYONE,
      usedNonces,
      configApprovers: input.config.approvers,
      now: Date.now(),
    }),
  };
  /** Records a signed decision's nonce (it is never accepted again) and returns the fingerprint of its key. */
  const signer = (req: { signature?: { publicKey: string; nonce: string } }): string | undefined => {
    if (!req.signature) return undefined;
    usedNonces.add(req.signature.nonce);
    return keyFingerprint(run.trust, req.signature.publicKey);
  };

  setHandler(progressQuery, () => run.snapshot());
  setHandler(
    approveUpdate,
    (req) => {
      const gate = run.gate(req.phase);
      const keyFingerprint = signer(req);
      if (gate.state === 'approved') return { ...gate }; // a repeated approval changes nothing
      Object.assign(gate, { state: 'approved', decision: 'manual', by: req.by, keyFingerprint, comment: req.comment, decidedAt: Date.now() });
      return { ...gate };
    },
    { validator: (req) => validateApprove(run, decisionContext, req) },
  );
  setHandler(
    rejectUpdate,
    (req) => {
      const gate = run.gate(req.phase);
      const keyFingerprint = signer(req);
      Object.assign(gate, { state: 'rejected', decision: 'manual', by: req.by, keyFingerprint, reason: req.reason, decidedAt: Date.now() });
      return { ...gate };
    },
    { validator: (req) => validateReject(run, decisionContext, req) },
  );
  setHandler(
    resolveStepUpdate,
    (req) => {
      decisions.set(req.step, req);
      const step = run.step(req.step);
      const keyFingerprint = signer(req);
      step.resolutions.push({ action: req.action, by: req.by, at: Date.now(), comment: req.comment, ...(keyFingerprint ? { keyFingerprint } : {}) });
      return { ...step };
    },
    { validator: (req) => validateResolve(run, decisionContext, decisions, req) },
  );

  // Search attributes are upserted only when state or phase change: each upsert is a history event.
  let published = '';
  const publish = () => {
    run.refreshState();
    // While a gate waits, the run is at the phase behind it (runs recorded before this carry the previous phase).
    const phase = (patched(PATCHES.openGatePhase) ? run.shownPhase() : run.currentPhase) ?? 'none';
    const key = `${run.state}|${phase}`;
    setCurrentDetails(`**${run.state}** — ${phase}`);
    if (key === published) return;
    published = key;
    upsertSearchAttributes([
      { key: STATE_KEY, value: run.state },
      { key: PHASE_KEY, value: phase },
    ]);
  };

  const stepInput = (def: StepDefinition): StepInput => ({
    stepId: def.id,
    workflowId,
    config: input.config,
    outputs: { ...outputs },
  });

  async function passGate(phase: PhaseId): Promise<void> {
    const gate = run.gate(phase);
    const green = [...run.steps.values()].every((s) => !s.failedOnce && s.state !== 'warning');
    if (gate.policy === 'auto' || (gate.policy === 'auto-if-green' && green)) {
      Object.assign(gate, { state: 'approved', decision: 'auto', by: `policy:${gate.policy}`, decidedAt: Date.now() });
      return;
    }
    await refreshTrust();
    Object.assign(gate, { state: 'open', openedAt: Date.now() });
    publish();
    const decided = () => gate.state !== 'open';
    if (gate.timeoutMs !== undefined) {
      if (!(await condition(decided, gate.timeoutMs))) {
        Object.assign(gate, { state: 'timed-out', decidedAt: Date.now() });
        throw new RunEnd('gate-timeout', `the gate of phase ${phase} was not approved within ${gate.timeoutMs / 1000}s`);
      }
    } else {
      await condition(decided);
    }
    publish();
    if (gate.state === 'rejected') {
      throw new RunEnd('rejected', `phase ${phase} rejected by ${gate.by}: ${gate.reason}`);
    }
  }

  /** Runs one step until it passes, is skipped, or fails for good; blocking failures wait for the operator. */
  async function executeStep(def: StepDefinition): Promise<void> {
    // The undo is registered before the step runs: a step that fails or is cancelled half way is undone too.
    if (sagas && def.compensation) completed.push(def);
    for (;;) {
      run.stepStarted(def.id);
      publish();
      try {
        const outcome = await activityForStep(def, sagas)(stepInput(def));
        run.stepSucceeded(def.id, outcome);
        if (outcome.outputs) outputs[def.id] = outcome.outputs;
        if (!sagas && def.compensation) completed.push(def);
        return;
      } catch (err) {
        if (isCancellation(err)) throw err;
        run.stepFailed(def.id, describeStepFailure(err, def));
        if (!def.blocking) return;
        // Absent in runs started before the setting existed: those wait, as they always did.
        if (input.config.onStepFailure === 'abort') {
          throw new RunEnd('failed', `step ${def.id} failed: ${run.step(def.id).message ?? 'no reason given'}`);
        }
        await refreshTrust();
        run.step(def.id).state = 'blocked';
        publish();
        await condition(() => decisions.has(def.id));
        const decision = decisions.get(def.id) as ResolveStepRequest;
        decisions.delete(def.id);
        if (decision.action === 'skip') {
          run.stepSkipped(def.id, `skipped by ${decision.by} after: ${run.step(def.id).message ?? 'failure'}`);
          publish();
          return;
        }
        if (decision.action === 'abort') throw new RunEnd('aborted', `aborted by ${decision.by} at step ${def.id}`);
      }
    }
  }

  async function runPhase(phase: PhaseId, steps: StepDefinition[]): Promise<void> {
    run.phaseStarted(phase);
    publish();
    const byId = new Map(steps.map((s) => [s.id, s]));
    const running = new Map<string, Promise<void>>();
    let ended: RunEnd | undefined;
    const scope = new CancellationScope();

    const start = (def: StepDefinition): Promise<void> => {
      let p = running.get(def.id);
      if (!p) {
        p = (async () => {
          const deps = (def.dependsOn ?? []).filter((d) => byId.has(d));
          await Promise.all(deps.map((d) => start(byId.get(d) as StepDefinition)));
          const unmet = deps.filter((d) => !['passed', 'warning'].includes(run.step(d).state));
          if (unmet.length > 0) {
            run.stepSkipped(def.id, `not run: ${unmet.join(', ')} did not pass`);
            return;
          }
          try {
            await executeStep(def);
          } catch (err) {
            // An abort stops the phase's other steps too: their activities are cancelled.
            if (err instanceof RunEnd && !ended) {
              ended = err;
              scope.cancel();
            }
            throw err;
          }
        })();
        running.set(def.id, p);
      }
      return p;
    };

    try {
      await scope.run(() => Promise.all(steps.map(start)));
    } catch (err) {
      // The phase's other steps are being cancelled: wait until each has ended, so no step is still changing
      // something when the undos run.
      if (sagas) await Promise.allSettled(running.values());
      if (ended) throw ended;
      throw err;
    }
    const states = steps.map((s) => run.step(s.id).state);
    run.phaseFinished(
      phase,
      states.includes('failed') ? 'failed' : states.some((s) => s === 'warning' || s === 'skipped') ? 'warning' : 'passed',
    );
  }

  /** Undoes what the steps made, newest first. Each compensation runs even if the run was cancelled. */
  async function compensate(onSuccess: boolean): Promise<void> {
    for (const def of [...completed].reverse()) {
      const c = def.compensation;
      if (!c) continue;
      // At the end of a run, an on-failure undo runs only for a step that did not pass (what it left is half made).
      if (onSuccess && c.when !== 'always' && (!sagas || ['passed', 'warning'].includes(run.step(def.id).state))) continue;
      if (c.when === 'always' && input.config.keepTestResources) continue;
      try {
        await compensationForStep(def)(stepInput(def));
        run.compensations.push({ stepId: def.id, activity: c.activity, state: 'done', at: Date.now() });
      } catch (err) {
        const message = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
        run.compensations.push({ stepId: def.id, activity: c.activity, state: 'failed', message, at: Date.now() });
      }
    }
  }

  /**
   * The input's plan if it has one (runs started by earlier CLIs, the committed histories, tests with plans of their
   * own), else the one the worker builds now from its catalogue (recorded in the history as the activity's result).
   * No patch guards this: the path a run takes depends only on its input, which its history holds, so a replay takes
   * the path its run took (histories with a plan never called planRun, and never will).
   */
  async function thePlan(): Promise<StepDefinition[]> {
    if (input.plan) return input.plan;
    const planned = await planRun(input.config);
    run.plan(planned.steps, planned.release);
    return planned.steps;
  }

  try {
    // Both read from the worker at once: whom it trusts (so status says so from the start), and the plan.
    const [, plan] = await Promise.all([refreshTrust(), thePlan()]);
    for (const phase of PHASE_IDS) {
      const steps = plan.filter((s) => s.phase === phase);
      if (steps.length === 0) {
        run.phase(phase).state = 'skipped';
        continue;
      }
      await passGate(phase);
      await runPhase(phase, steps);
    }
    await CancellationScope.nonCancellable(() => compensate(true));
    const failed = [...run.steps.values()].filter((s) => s.state === 'failed').map((s) => s.id);
    run.finish(
      'completed',
      'succeeded',
      failed.length === 0 ? 'all planned steps finished' : `finished with failed non-blocking steps: ${failed.join(', ')}`,
    );
    publish();
    return run.snapshot();
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => compensate(false));
      run.finish('cancelled', 'cancelled', 'the run was cancelled; compensations ran');
      publish();
      throw err;
    }
    if (err instanceof RunEnd) {
      await CancellationScope.nonCancellable(() => compensate(false));
      run.finish('failed', err.outcome, err.message);
      publish();
      throw ApplicationFailure.create({
        type: RUN_FAILURE_TYPES[err.outcome],
        message: err.message,
        nonRetryable: true,
        details: [run.snapshot()],
      });
    }
    throw err;
  }
}
