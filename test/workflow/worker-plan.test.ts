// The worker plans a run that comes without a plan (this release's CLI and client): the planRun activity builds
// it from the worker's catalogue, its result (with the release) is recorded in the history, and the report names the
// release. A run whose input carries a plan (earlier CLIs, tests) runs that plan and records no planning.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildPlan } from '../../src/catalogue';
import { cancelRun, getProgress, startIntegration } from '../../src/client';
import { releaseVersion } from '../../src/release';
import { renderMarkdown } from '../../src/report/render-markdown';
import { connectTestEnv, cozyClientFor, startTestWorker, uniqueQueue, type RunningWorker } from '../helpers/temporal';
import { step, testConfig } from '../helpers/plan';
import { fetchHistory } from '../helpers/history';
import { waitFor } from '../helpers/wait';

let env: TestWorkflowEnvironment;
let worker: RunningWorker;
const queue = uniqueQueue('plan');

beforeAll(async () => {
  env = await connectTestEnv();
  // No step activities at all: the preparation gate is manual, so nothing past planning runs.
  worker = await startTestWorker(queue, {});
});
afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
});

const config = () => testConfig({ cluster: { name: 'worker-plan' }, gates: { preparation: 'manual' } });

/** The activities the run scheduled, besides the reads of whom the worker trusts to decide (each gate has one). */
async function activities(workflowId: string): Promise<string[]> {
  const history = await fetchHistory(env.client, workflowId);
  return (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? '')
    .filter((name) => name !== 'trustedApprovers');
}

test('a run started without a plan is planned by the worker, which records its release', async () => {
  const cozy = cozyClientFor(env, queue);
  const cfg = config();
  const id = await startIntegration(cozy, { config: cfg, workflowId: `worker-plan-${queue}` });
  const p = await waitFor(() => getProgress(cozy, id), (q) => q.gates.some((g) => g.phase === 'preparation' && g.state === 'open'), 'the preparation gate');
  expect(p.steps.map((s) => s.id)).toEqual(buildPlan(cfg).map((s) => s.id));
  expect(p.plannedBy).toBe(releaseVersion());
  expect(renderMarkdown(p)).toContain(`built by the worker of release ${releaseVersion()}`);
  // The plan is an activity's result in the history: a replay reads it instead of building it again.
  expect(await activities(id)).toEqual(['planRun']);
  const input = (await fetchHistory(env.client, id)).events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  expect(JSON.parse(Buffer.from(input[0].data as Uint8Array).toString('utf8'))).not.toHaveProperty('plan');
  await cancelRun(cozy, id);
});

test('a run whose input carries a plan runs that plan without planning', async () => {
  const cozy = cozyClientFor(env, queue);
  const id = await startIntegration(cozy, { config: config(), plan: [step('prep.only', 'preparation', 'notRegistered')], workflowId: `given-plan-${queue}` });
  const p = await waitFor(() => getProgress(cozy, id), (q) => q.gates.some((g) => g.phase === 'preparation' && g.state === 'open'), 'the preparation gate');
  expect(p.steps.map((s) => s.id)).toEqual(['prep.only']);
  expect(p.plannedBy).toBeUndefined();
  expect(await activities(id)).toEqual([]);
  await cancelRun(cozy, id);
});
