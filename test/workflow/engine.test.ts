// The integrateCluster engine on a real Temporal dev server, with step activities defined here.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { StepActivity, StepInput } from '../../src/catalogue/types';
import {
  approvePhase,
  cancelRun,
  finalProgress,
  getProgress,
  rejectPhase,
  RequestRejectedError,
  resolveStep,
  startIntegration,
  type CozyClient,
} from '../../src/client';
import type { Progress } from '../../src/report/progress';
import { connectTestEnv, cozyClientFor, startTestWorker, uniqueQueue, type RunningWorker } from '../helpers/temporal';
import { step, testConfig } from '../helpers/plan';
import { historyText } from '../helpers/history';
import { waitFor } from '../helpers/wait';
import { recordHistory } from '../helpers/record-history';
import { withAutoApprove } from '../../src/config/auto-approve';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** Calls recorded by the test activities, in order. */
let calls: string[];
let failuresLeft: Record<string, number>;
let gatesOpen: Record<string, boolean>;

const ok = (name: string): StepActivity =>
  async (input: StepInput) => {
    calls.push(name);
    return { status: 'passed', message: `${name} ok`, outputs: { made: `${name}-${input.config.cluster.name}` } };
  };

const flaky = (name: string): StepActivity =>
  async () => {
    calls.push(name);
    if ((failuresLeft[name] ?? 0) > 0) {
      failuresLeft[name] -= 1;
      throw ApplicationFailure.nonRetryable(`${name} found a problem: template 9000 has no cloud-init drive`, 'CheckFailed');
    }
    return { status: 'passed', message: `${name} ok` };
  };

/** Waits until the test opens its latch; heartbeats so cancellation reaches it. */
const slow = (name: string): StepActivity =>
  async () => {
    calls.push(`${name}:start`);
    const { Context } = await import('@temporalio/activity');
    while (!gatesOpen[name]) {
      Context.current().heartbeat();
      await Context.current().sleep(50);
    }
    calls.push(`${name}:end`);
    return { status: 'passed', message: `${name} ok` };
  };

const activities: Record<string, StepActivity> = {
  checkA: ok('checkA'),
  checkB: ok('checkB'),
  makeThing: ok('makeThing'),
  undoThing: async () => {
    calls.push('undoThing');
    return { status: 'passed', message: 'undone' };
  },
  makeTestNs: ok('makeTestNs'),
  removeTestNs: async () => {
    calls.push('removeTestNs');
    return { status: 'passed', message: 'removed' };
  },
  advanced: ok('advanced'),
  monitor: ok('monitor'),
  flaky: flaky('flaky'),
  slowOne: slow('slowOne'),
  slowTwo: slow('slowTwo'),
  warnOnly: async () => {
    calls.push('warnOnly');
    return { status: 'warning', message: 'latency p95 620 ms above 500 ms' };
  },
};

function fourPhasePlan() {
  return [
    step('prep.a', 'preparation', 'checkA', { group: 'step1-api-connection', component: 'Proxmox API' }),
    step('prep.b', 'preparation', 'checkB', { group: 'step1-api-connection' }),
    step('prep.ns', 'preparation', 'makeTestNs', { compensation: { activity: 'removeTestNs', when: 'always' } }),
    step('basic.make', 'basic-integration', 'makeThing', {
      group: 'step2-network-storage',
      compensation: { activity: 'undoThing', when: 'on-failure' },
      component: 'Thing',
    }),
    step('adv.one', 'advanced-integration', 'advanced', { group: 'step4-worker', dependsOn: [] }),
    step('mon.one', 'monitoring-security', 'monitor', { group: 'step7-monitoring' }),
  ];
}

let queue: string;
let worker: RunningWorker;
let cozy: CozyClient;

beforeEach(async () => {
  calls = [];
  failuresLeft = {};
  gatesOpen = {};
  queue = uniqueQueue('engine');
  worker = await startTestWorker(queue, activities);
  cozy = cozyClientFor(env, queue);
});
afterEach(async () => {
  await worker.stop();
});

async function progress(id: string): Promise<Progress> {
  return getProgress(cozy, id);
}

async function untilState(id: string, state: Progress['state'], phase?: string): Promise<Progress> {
  return waitFor(
    () => progress(id),
    (p) => p.state === state && (phase === undefined || p.currentPhase === phase),
    `run ${id} to reach ${state}${phase ? ` in ${phase}` : ''}`,
  );
}

function uniqueCluster(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

test('runs four phases through manual gates and records who approved', async () => {
  const config = testConfig({ cluster: { name: uniqueCluster('four') } });
  const id = await startIntegration(cozy, { config, plan: fourPhasePlan() });

  let p = await untilState(id, 'awaiting-approval');
  expect(p.gates.find((g) => g.phase === 'preparation')).toMatchObject({ state: 'approved', decision: 'auto' });
  // Progress and the search attribute name the phase whose gate waits, not the phase that ran before it.
  expect(p.currentPhase).toBe('basic-integration');
  expect((await env.client.workflow.getHandle(id).describe()).searchAttributes).toMatchObject({ CozyPhase: ['basic-integration'], CozyState: ['awaiting-approval'] });
  expect(p.gates.find((g) => g.phase === 'basic-integration')?.state).toBe('open');
  expect(p.steps.filter((s) => s.phase === 'preparation').map((s) => s.state)).toEqual(['passed', 'passed', 'passed']);
  expect(calls).not.toContain('makeThing');

  for (const phase of ['basic-integration', 'advanced-integration', 'monitoring-security'] as const) {
    await waitFor(() => progress(id), (q) => q.gates.find((g) => g.phase === phase)?.state === 'open', `gate ${phase}`);
    const gate = await approvePhase(cozy, id, { phase, by: 'alice', comment: `go ${phase}` });
    expect(gate).toMatchObject({ state: 'approved', by: 'alice', decision: 'manual' });
  }

  p = (await finalProgress(cozy, id)) as Progress;
  expect(p.state).toBe('completed');
  expect(p.outcome).toBe('succeeded');
  expect(p.steps.every((s) => s.state === 'passed' && s.attempts === 1 && s.executions === 1)).toBe(true);
  expect(p.metrics).toMatchObject({ testsTotal: 6, testsCompleted: 6, successRate: 100, issuesFound: 0 });
  expect(p.metrics.integratedComponents).toEqual(['Proxmox API', 'Thing']);
  expect(p.gates.filter((g) => g.decision === 'manual').map((g) => g.comment)).toEqual([
    'go basic-integration',
    'go advanced-integration',
    'go monitoring-security',
  ]);
  // The test namespace is a test resource: removed at the end; the integration itself is kept.
  expect(calls).toContain('removeTestNs');
  expect(calls).not.toContain('undoThing');
  // Only 4 of the 8 plan test steps ran: the criteria say so.
  expect(p.criteria.allTestStepsPass).toBe(false);
  expect(p.criteria.testSteps['step1-api-connection']).toBe('passed');
  expect(p.criteria.testSteps['step3-vm-management']).toBe('not-planned');
  recordHistory(id, 'four-phases-manual-gates');
});

test('approvals for the wrong phase or from an unknown approver are refused and never reach history', async () => {
  const config = testConfig({ cluster: { name: uniqueCluster('refuse') } });
  const id = await startIntegration(cozy, { config, plan: fourPhasePlan() });
  await untilState(id, 'awaiting-approval');

  await expect(approvePhase(cozy, id, { phase: 'advanced-integration', by: 'alice' })).rejects.toThrow(
    /gate of phase advanced-integration is not open \(the open gate is basic-integration\)/,
  );
  await expect(approvePhase(cozy, id, { phase: 'basic-integration', by: 'mallory' })).rejects.toThrow(
    /mallory is not an approver of this run \(approvers: alice, bob\)/,
  );
  await expect(approvePhase(cozy, id, { phase: 'nonsense' as never, by: 'alice' })).rejects.toBeInstanceOf(
    RequestRejectedError,
  );
  await expect(rejectPhase(cozy, id, { phase: 'basic-integration', by: 'alice', reason: '' })).rejects.toThrow(
    /needs a reason/,
  );

  // A valid approval, then the same approval again: harmless.
  await approvePhase(cozy, id, { phase: 'basic-integration', by: 'bob' });
  const again = await approvePhase(cozy, id, { phase: 'basic-integration', by: 'bob' });
  expect(again.state).toBe('approved');
  // The next gate waits: the run is at the phase behind it.
  await untilState(id, 'awaiting-approval', 'advanced-integration');

  const text = await historyText(env.client, id);
  expect(text).not.toContain('mallory');
  expect(text).not.toContain('nonsense');
  expect(text.match(/WorkflowExecutionUpdateAccepted|workflowExecutionUpdateAcceptedEventAttributes/g)?.length).toBe(2);
  await cancelRun(cozy, id);
});

test('a failing step blocks the run, resolveStep retry makes it pass and counts an issue found and fixed', async () => {
  failuresLeft.flaky = 1;
  const config = testConfig({ cluster: { name: uniqueCluster('retry') }, gates: { preparation: 'auto', 'basic-integration': 'auto' } });
  const plan = [
    step('prep.a', 'preparation', 'checkA'),
    step('prep.flaky', 'preparation', 'flaky', { group: 'step1-api-connection' }),
    step('basic.make', 'basic-integration', 'makeThing', { dependsOn: [] }),
  ];
  const id = await startIntegration(cozy, { config, plan });

  let p = await untilState(id, 'blocked-on-step');
  const blocked = p.steps.find((s) => s.id === 'prep.flaky');
  expect(blocked).toMatchObject({ state: 'blocked', failureType: 'CheckFailed', attempts: 1 });
  expect(blocked?.message).toContain('template 9000 has no cloud-init drive');
  expect(p.currentSteps).toEqual(['prep.flaky']);

  await expect(resolveStep(cozy, id, { step: 'prep.a', action: 'retry', by: 'alice' })).rejects.toThrow(
    /step prep.a is passed, not waiting for a decision \(waiting: prep.flaky\)/,
  );
  await resolveStep(cozy, id, { step: 'prep.flaky', action: 'retry', by: 'alice', comment: 'fixed the template' });

  p = (await finalProgress(cozy, id)) as Progress;
  expect(p.state).toBe('completed');
  const fixed = p.steps.find((s) => s.id === 'prep.flaky');
  expect(fixed).toMatchObject({ state: 'passed', executions: 2, attempts: 2, failedOnce: true });
  expect(fixed?.resolutions).toEqual([expect.objectContaining({ action: 'retry', by: 'alice', comment: 'fixed the template' })]);
  expect(p.metrics).toMatchObject({ issuesFound: 1, issuesFixed: 1, successRate: 100 });
  expect(calls.filter((c) => c === 'flaky')).toHaveLength(2);
  recordHistory(id, 'blocked-step-retried');
});

test('skip goes on without the step; dependants are not run', async () => {
  failuresLeft.flaky = 5;
  const config = testConfig({ cluster: { name: uniqueCluster('skip') }, gates: { preparation: 'auto' } });
  const plan = [
    step('prep.flaky', 'preparation', 'flaky'),
    step('prep.after', 'preparation', 'checkB', { dependsOn: ['prep.flaky'] }),
    step('prep.other', 'preparation', 'warnOnly', { blocking: false }),
  ];
  const id = await startIntegration(cozy, { config, plan });
  await untilState(id, 'blocked-on-step');
  await resolveStep(cozy, id, { step: 'prep.flaky', action: 'skip', by: 'bob' });
  const p = (await finalProgress(cozy, id)) as Progress;
  expect(p.state).toBe('completed');
  expect(p.steps.map((s) => [s.id, s.state])).toEqual([
    ['prep.flaky', 'skipped'],
    ['prep.after', 'skipped'],
    ['prep.other', 'warning'],
  ]);
  expect(p.steps[1].message).toBe('not run: prep.flaky did not pass');
  recordHistory(id, 'skipped-step');
  expect(calls).not.toContain('checkB');
  expect(p.metrics).toMatchObject({ issuesFound: 1, issuesFixed: 0, skipped: 2, warnings: 1 });
});

test('abort ends the run as failed after compensating what was made', async () => {
  failuresLeft.flaky = 5;
  const config = testConfig({ cluster: { name: uniqueCluster('abort') }, gates: { 'basic-integration': 'auto' } });
  const plan = [
    step('prep.ns', 'preparation', 'makeTestNs', { compensation: { activity: 'removeTestNs', when: 'always' } }),
    step('basic.make', 'basic-integration', 'makeThing', { compensation: { activity: 'undoThing', when: 'on-failure' } }),
    step('basic.flaky', 'basic-integration', 'flaky', { dependsOn: ['basic.make'] }),
  ];
  const id = await startIntegration(cozy, { config, plan });
  await untilState(id, 'blocked-on-step');
  await resolveStep(cozy, id, { step: 'basic.flaky', action: 'abort', by: 'alice' });

  const err = await env.client.workflow.getHandle(id).result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toMatchObject({ type: 'IntegrationAborted' });
  const p = (await finalProgress(cozy, id)) as Progress;
  expect(p).toMatchObject({ state: 'failed', outcome: 'aborted', outcomeMessage: 'aborted by alice at step basic.flaky' });
  expect(p.steps.find((s) => s.id === 'basic.flaky')).toMatchObject({ state: 'failed', failureType: 'CheckFailed' });
  expect(p.compensations.map((c) => [c.stepId, c.state])).toEqual([
    ['basic.make', 'done'],
    ['prep.ns', 'done'],
  ]);
  expect(calls.slice(-2)).toEqual(['undoThing', 'removeTestNs']);
  recordHistory(id, 'aborted-with-compensation');
});

test('with onStepFailure abort (as --auto-approve sets it) a step that fails for good ends the run at once, after compensating', async () => {
  failuresLeft.flaky = 5;
  const config = withAutoApprove(testConfig({ cluster: { name: uniqueCluster('autoabort') } }));
  expect(config.onStepFailure).toBe('abort');
  const plan = [
    step('prep.ns', 'preparation', 'makeTestNs', { compensation: { activity: 'removeTestNs', when: 'always' } }),
    step('basic.make', 'basic-integration', 'makeThing', { compensation: { activity: 'undoThing', when: 'on-failure' } }),
    step('basic.flaky', 'basic-integration', 'flaky', { dependsOn: ['basic.make'] }),
    step('adv.one', 'advanced-integration', 'advanced'),
  ];
  const id = await startIntegration(cozy, { config, plan });
  const err = await env.client.workflow.getHandle(id).result().catch((e) => e);
  expect((err as WorkflowFailedError).cause).toMatchObject({ type: 'IntegrationFailed' });
  const p = (await finalProgress(cozy, id)) as Progress;
  expect(p).toMatchObject({
    state: 'failed',
    outcome: 'failed',
    outcomeMessage: 'step basic.flaky failed: flaky found a problem: template 9000 has no cloud-init drive',
  });
  expect(p.steps.find((s) => s.id === 'basic.flaky')).toMatchObject({ state: 'failed', resolutions: [] });
  expect(p.compensations.map((c) => [c.stepId, c.state])).toEqual([
    ['basic.make', 'done'],
    ['prep.ns', 'done'],
  ]);
  expect(calls).not.toContain('advanced');
  // It never waited for a decision.
  expect(await historyText(env.client, id)).not.toContain('blocked-on-step');
  recordHistory(id, 'auto-approve-step-failure');
});

test('rejection at a gate ends the run after compensation', async () => {
  const config = testConfig({ cluster: { name: uniqueCluster('reject') } });
  const id = await startIntegration(cozy, { config, plan: fourPhasePlan() });
  await untilState(id, 'awaiting-approval');
  await approvePhase(cozy, id, { phase: 'basic-integration', by: 'alice' });
  await waitFor(() => progress(id), (p) => p.gates[2].state === 'open', 'gate advanced-integration');
  const gate = await rejectPhase(cozy, id, { phase: 'advanced-integration', by: 'bob', reason: 'change window closed' });
  expect(gate).toMatchObject({ state: 'rejected', by: 'bob', reason: 'change window closed' });
  const p = (await finalProgress(cozy, id)) as Progress;
  expect(p).toMatchObject({ state: 'failed', outcome: 'rejected' });
  expect(p.outcomeMessage).toBe('phase advanced-integration rejected by bob: change window closed');
  expect(calls).toEqual(expect.arrayContaining(['undoThing', 'removeTestNs']));
  expect(calls).not.toContain('advanced');
});

test('cancellation stops running steps and runs the compensations', async () => {
  const config = testConfig({ cluster: { name: uniqueCluster('cancel') }, gates: { 'basic-integration': 'auto' } });
  const plan = [
    step('prep.ns', 'preparation', 'makeTestNs', { compensation: { activity: 'removeTestNs', when: 'always' } }),
    step('basic.make', 'basic-integration', 'makeThing', { compensation: { activity: 'undoThing', when: 'on-failure' } }),
    step('basic.slow', 'basic-integration', 'slowOne', { heartbeatSeconds: 2 }),
  ];
  const id = await startIntegration(cozy, { config, plan });
  await waitFor(async () => calls, (c) => c.includes('slowOne:start'), 'slow step to start');
  await cancelRun(cozy, id);
  const err = await env.client.workflow.getHandle(id).result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const p = await getProgress(cozy, id);
  expect(p).toMatchObject({ state: 'cancelled', outcome: 'cancelled' });
  expect(p.compensations.map((c) => c.stepId)).toEqual(['basic.make', 'prep.ns']);
  expect(calls).not.toContain('slowOne:end');
  expect(p.steps.find((s) => s.id === 'basic.slow')).toMatchObject({ state: 'skipped', message: 'stopped: the run ended (cancelled)' });
  expect(p.phases.find((ph) => ph.id === 'basic-integration')?.state).toBe('failed');
  recordHistory(id, 'cancelled-with-compensation');
});

test('a worker restarted mid-phase finishes without repeating completed steps', async () => {
  const config = testConfig({ cluster: { name: uniqueCluster('restart') }, gates: { preparation: 'auto' } });
  const plan = [
    step('prep.a', 'preparation', 'checkA'),
    step('prep.slow', 'preparation', 'slowOne', { dependsOn: ['prep.a'], heartbeatSeconds: 2 }),
    step('prep.b', 'preparation', 'checkB', { dependsOn: ['prep.slow'] }),
  ];
  const id = await startIntegration(cozy, { config, plan });
  await waitFor(async () => calls, (c) => c.includes('slowOne:start'), 'slow step to start');
  await worker.stop();
  gatesOpen.slowOne = true; // the restarted worker's attempt will finish
  worker = await startTestWorker(queue, activities);
  const p = (await finalProgress(cozy, id)) as Progress;
  expect(p.state).toBe('completed');
  expect(calls.filter((c) => c === 'checkA')).toHaveLength(1);
  expect(calls.filter((c) => c === 'checkB')).toHaveLength(1);
  expect(calls.filter((c) => c === 'slowOne:end')).toHaveLength(1);
});

test('auto-if-green passes a gate by itself after a clean phase and waits for a person after a warning', async () => {
  const gates = { 'basic-integration': 'auto-if-green', 'advanced-integration': 'auto-if-green' } as const;
  const config = testConfig({ cluster: { name: uniqueCluster('green') }, gates });
  const plan = [
    step('prep.a', 'preparation', 'checkA'),
    step('basic.warn', 'basic-integration', 'warnOnly', { blocking: false }),
    step('adv.one', 'advanced-integration', 'advanced'),
  ];
  const id = await startIntegration(cozy, { config, plan });
  const p = await untilState(id, 'awaiting-approval');
  expect(p.gates[1]).toMatchObject({ phase: 'basic-integration', state: 'approved', decision: 'auto', by: 'policy:auto-if-green' });
  expect(p.gates[2]).toMatchObject({ phase: 'advanced-integration', state: 'open' });
  expect(p.steps[1]).toMatchObject({ state: 'warning', message: 'latency p95 620 ms above 500 ms' });
  await approvePhase(cozy, id, { phase: 'advanced-integration', by: 'alice' });
  expect((await finalProgress(cozy, id))?.state).toBe('completed');
});

test('independent steps of a phase run in parallel', async () => {
  const config = testConfig({ cluster: { name: uniqueCluster('parallel') }, gates: { preparation: 'auto' } });
  const plan = [
    step('prep.one', 'preparation', 'slowOne', { heartbeatSeconds: 2 }),
    step('prep.two', 'preparation', 'slowTwo', { heartbeatSeconds: 2 }),
  ];
  const id = await startIntegration(cozy, { config, plan });
  await waitFor(async () => calls, (c) => c.includes('slowOne:start') && c.includes('slowTwo:start'), 'both steps to start');
  const p = await progress(id);
  expect(p.currentSteps.sort()).toEqual(['prep.one', 'prep.two']);
  gatesOpen.slowOne = true;
  gatesOpen.slowTwo = true;
  expect((await finalProgress(cozy, id))?.state).toBe('completed');
});
