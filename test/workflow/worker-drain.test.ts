// A worker asked to stop (SIGTERM, a rolling restart) lets the steps in flight finish within its grace time, so a
// join or a clone is not cut in the middle; without grace time the step is cancelled and runs again elsewhere.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { StepActivity } from '../../src/catalogue/types';
import { finalProgress, startIntegration } from '../../src/client';
import type { Progress } from '../../src/report/progress';
import { runCli } from '../helpers/cli';
import { step, testConfig } from '../helpers/plan';
import { connectTestEnv, cozyClientFor, startTestWorker, uniqueQueue } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

let env: TestWorkflowEnvironment;
let calls: string[] = [];

beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** A step that takes 2 s, heartbeating, as a clone or a join waits. */
const slowStep: StepActivity = async () => {
  const { Context } = await import('@temporalio/activity');
  calls.push('start');
  for (let i = 0; i < 20; i++) {
    Context.current().heartbeat();
    await Context.current().sleep(100);
  }
  calls.push('end');
  return { status: 'passed', message: 'done' };
};

/** Starts a run, stops its worker while the step is in flight, then lets a second worker finish the run. */
async function stopWorkerMidStep(shutdownGraceMs: number): Promise<Progress> {
  calls = [];
  const queue = uniqueQueue('drain');
  const first = await startTestWorker(queue, { slowStep }, { shutdownGraceMs });
  const cozy = cozyClientFor(env, queue);
  const config = testConfig({ cluster: { name: `drain-${shutdownGraceMs}` }, gates: { preparation: 'auto' } });
  const id = await startIntegration(cozy, { config, plan: [step('prep.slow', 'preparation', 'slowStep')], workflowId: `drain-${queue}` });
  await waitFor(async () => calls, (c) => c.includes('start'), 'the step to start', 20_000, 20);
  await first.stop();
  const second = await startTestWorker(queue, { slowStep });
  try {
    return (await finalProgress(cozy, id)) as Progress;
  } finally {
    await second.stop();
  }
}

test('with a grace time the step in flight finishes on the stopping worker: one execution', async () => {
  const p = await stopWorkerMidStep(10_000);
  expect(p.state).toBe('completed');
  expect(calls).toEqual(['start', 'end']);
  expect(p.steps[0]).toMatchObject({ state: 'passed', attempts: 1 });
}, 60_000);

test('without one it is cancelled and runs again on the next worker', async () => {
  const p = await stopWorkerMidStep(0);
  expect(p.state).toBe('completed');
  expect(calls.filter((c) => c === 'start')).toHaveLength(2);
  expect(calls.filter((c) => c === 'end')).toHaveLength(1);
}, 60_000);

test('worker --shutdown-grace-time takes a duration, and says so otherwise (exit 2)', async () => {
  const bad = await runCli(['worker', '--shutdown-grace-time', 'soon']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--shutdown-grace-time must be a duration such as 60s or 5m, not "soon"');
});
