// Sagas on a real Temporal dev server, with step activities defined here: an undo is registered before its step runs
// (a step that fails or is cancelled half way is undone), an abort lets the phase's other steps end before any undo
// starts, an undo has its own time limit, and a wait that runs out in an undo is retried.
import { CancelledFailure } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { waitUntil } from '../../src/activities/common/wait';
import type { StepActivity, StepInput, StepRetry } from '../../src/catalogue/types';
import { cancelRun, finalProgress, getProgress, startIntegration, type CozyClient } from '../../src/client';
import { withAutoApprove } from '../../src/config/auto-approve';
import type { Progress } from '../../src/report/progress';
import { step, testConfig } from '../helpers/plan';
import { recordHistory } from '../helpers/record-history';
import { connectTestEnv, cozyClientFor, startTestWorker, uniqueQueue, type RunningWorker } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

let env: TestWorkflowEnvironment;
let queue: string;
let worker: RunningWorker;
let cozy: CozyClient;
/** What the test activities did, in order. */
let calls: string[];
/** When the undo's thing is gone (ms since the epoch): its wait polls for it. */
let goneAt: number;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const UNDO_RETRY: StepRetry = { maximumAttempts: 10, initialIntervalSeconds: 0.2, backoffCoefficient: 1 };

const activities: Record<string, StepActivity> = {
  // Makes half of something, then fails for good.
  makeHalf: async () => {
    calls.push('makeHalf');
    throw ApplicationFailure.nonRetryable('made the VM, then its disk could not be resized', 'CheckFailed');
  },
  undoHalf: async () => {
    calls.push('undoHalf');
    return { status: 'passed', message: 'half undone' };
  },
  // Runs until cancelled, then takes a while to stop, as a helm that is killed or an SSH command being ended.
  stubborn: async () => {
    const { Context } = await import('@temporalio/activity');
    calls.push('stubborn:start');
    const signal = Context.current().cancellationSignal;
    while (!signal.aborted) {
      Context.current().heartbeat();
      await sleep(50);
    }
    await sleep(1500);
    calls.push('stubborn:stopped');
    throw signal.reason ?? new CancelledFailure('cancelled');
  },
  undoStubborn: async () => {
    calls.push('undoStubborn');
    return { status: 'passed', message: 'undone' };
  },
  // Fails for good once the stubborn step runs.
  failsLater: async () => {
    await waitFor(async () => calls, (c) => c.includes('stubborn:start'), 'the stubborn step to start');
    calls.push('failsLater');
    throw ApplicationFailure.nonRetryable('the check found a problem', 'CheckFailed');
  },
  make: async () => {
    calls.push('make');
    return { status: 'passed', message: 'made' };
  },
  // Waits 500 ms for a deletion that takes 2.5 s: each attempt's wait runs out, and is retried until it is gone.
  slowUndo: async (input: StepInput) => {
    calls.push(`slowUndo:${input.stepId}`);
    await waitUntil('the thing gone', async () => ({ done: Date.now() >= goneAt, seen: 'still there' }), { timeoutMs: 500, intervalMs: 100 });
    calls.push('slowUndo:done');
    return { status: 'passed', message: 'gone' };
  },
};
// The same code registered as a step (its name is not among the undos).
activities.waitsInStep = activities.slowUndo;

beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});
beforeEach(async () => {
  calls = [];
  queue = uniqueQueue('sagas');
  worker = await startTestWorker(queue, activities, { undoActivities: ['undoHalf', 'undoStubborn', 'slowUndo'] });
  cozy = cozyClientFor(env, queue);
});
afterEach(async () => {
  await worker.stop();
});

const cluster = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

async function settled(id: string): Promise<Progress> {
  await env.client.workflow.getHandle(id).result().catch(() => undefined);
  return (await finalProgress(cozy, id)) as Progress;
}

test('a step that fails half way is undone: its undo was registered before it ran', async () => {
  const config = withAutoApprove(testConfig({ cluster: { name: cluster('half') } }));
  const plan = [step('basic.make', 'basic-integration', 'makeHalf', { compensation: { activity: 'undoHalf', when: 'on-failure', startToCloseSeconds: 10, retry: UNDO_RETRY } })];
  const id = await startIntegration(cozy, { config, plan });
  const p = await settled(id);
  expect(p).toMatchObject({ state: 'failed', outcome: 'failed' });
  expect(p.compensations.map((c) => [c.stepId, c.activity, c.state])).toEqual([['basic.make', 'undoHalf', 'done']]);
  expect(calls).toEqual(['makeHalf', 'undoHalf']);
  recordHistory(id, 'saga-failed-step-undone');
});

test('an abort lets the phase\'s other steps end before any undo runs', async () => {
  const config = withAutoApprove(testConfig({ cluster: { name: cluster('settle') } }));
  const plan = [
    step('basic.stubborn', 'basic-integration', 'stubborn', { heartbeatSeconds: 2, compensation: { activity: 'undoStubborn', when: 'on-failure', startToCloseSeconds: 10, retry: UNDO_RETRY } }),
    step('basic.fails', 'basic-integration', 'failsLater'),
  ];
  const id = await startIntegration(cozy, { config, plan });
  const p = await settled(id);
  expect(p).toMatchObject({ state: 'failed', outcome: 'failed', outcomeMessage: 'step basic.fails failed: the check found a problem' });
  // The cancelled step took 1.5 s to stop; its undo started only after that.
  expect(calls).toEqual(['stubborn:start', 'failsLater', 'stubborn:stopped', 'undoStubborn']);
  expect(p.compensations.map((c) => [c.stepId, c.state])).toEqual([['basic.stubborn', 'done']]);
  recordHistory(id, 'saga-abort-waits-for-siblings');
});

test('a cancelled run waits for its running step to end, then undoes it', async () => {
  const config = testConfig({ cluster: { name: cluster('cancel') }, gates: { 'basic-integration': 'auto' } });
  const plan = [
    step('basic.stubborn', 'basic-integration', 'stubborn', { heartbeatSeconds: 2, compensation: { activity: 'undoStubborn', when: 'on-failure', startToCloseSeconds: 10, retry: UNDO_RETRY } }),
  ];
  const id = await startIntegration(cozy, { config, plan });
  await waitFor(async () => calls, (c) => c.includes('stubborn:start'), 'the step to start');
  await cancelRun(cozy, id);
  const p = await settled(id);
  expect(p).toMatchObject({ state: 'cancelled', outcome: 'cancelled' });
  expect(calls).toEqual(['stubborn:start', 'stubborn:stopped', 'undoStubborn']);
  recordHistory(id, 'saga-cancel-mid-step');
});

test('an undo has its own time limit, and a wait that runs out in it is retried until the thing is gone', async () => {
  const config = testConfig({ cluster: { name: cluster('slowundo') }, gates: { 'basic-integration': 'auto' } });
  // The step is allowed 1 s; the undo 10 s for each attempt, however long the step was allowed.
  const plan = [step('basic.make', 'basic-integration', 'make', { startToCloseSeconds: 1, compensation: { activity: 'slowUndo', when: 'always', startToCloseSeconds: 10, retry: UNDO_RETRY } })];
  goneAt = Number.MAX_SAFE_INTEGER;
  const id = await startIntegration(cozy, { config, plan });
  await waitFor(async () => calls, (c) => c.includes('slowUndo:basic.make'), 'the undo to start');
  goneAt = Date.now() + 2500;
  const p = await settled(id);
  expect(p).toMatchObject({ state: 'completed', outcome: 'succeeded' });
  expect(p.compensations.map((c) => [c.stepId, c.state])).toEqual([['basic.make', 'done']]);
  const attempts = calls.filter((c) => c === 'slowUndo:basic.make').length;
  expect(attempts).toBeGreaterThanOrEqual(3);
  expect(calls.at(-1)).toBe('slowUndo:done');
});

test('in a step, a wait that runs out is a failed check, not retried', async () => {
  const config = withAutoApprove(testConfig({ cluster: { name: cluster('stepwait') } }));
  goneAt = Number.MAX_SAFE_INTEGER;
  const plan = [step('basic.wait', 'basic-integration', 'waitsInStep', { retry: { maximumAttempts: 5, initialIntervalSeconds: 0.05 } })];
  const id = await startIntegration(cozy, { config, plan });
  const p = await settled(id);
  expect(p.steps.find((s) => s.id === 'basic.wait')).toMatchObject({ state: 'failed', failureType: 'CheckFailed', attempts: 1 });
  expect(p.steps.find((s) => s.id === 'basic.wait')?.message).toContain('the thing gone: not reached within');
  expect(calls.filter((c) => c.startsWith('slowUndo:basic')).length).toBe(1);
  expect((await getProgress(cozy, id)).state).toBe('failed');
});
