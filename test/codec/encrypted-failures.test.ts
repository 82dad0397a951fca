// With the payload codec on, failures are encrypted too: a failing step's message (and its stack trace) is neither in
// the activity's failure nor in the workflow's own failure as the server stores them, while a client with the key
// reads both back. Without the failure converter both would be in clear in the history.
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { StepActivity } from '../../src/catalogue/types';
import { connectClient, getProgress, startIntegration, type CozyClient } from '../../src/client';
import { step, testConfig } from '../helpers/plan';
import { connectTestEnv, temporalAddress, uniqueQueue } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { startEncryptedWorker, writeKeyFile } from './helpers';

const MARKER = 'probe-failure-reason-7f3a';

let env: TestWorkflowEnvironment;
let cozy: CozyClient;
let stopWorker: () => Promise<void>;
const queue = uniqueQueue('codec-failures');
const keyFile = writeKeyFile(['2025-07']);

const failing: StepActivity = async () => {
  throw ApplicationFailure.create({ type: 'CheckFailed', message: `the probe found ${MARKER}`, nonRetryable: true });
};

beforeAll(async () => {
  env = await connectTestEnv();
  stopWorker = await startEncryptedWorker(queue, { failing }, keyFile);
  cozy = await connectClient({ address: temporalAddress(), taskQueue: queue, codecKeyFile: keyFile });
}, 120_000);
afterAll(async () => {
  await cozy?.close();
  await stopWorker?.();
  await env?.teardown();
});

test('a failed step: no failure message in clear in the history, readable with the key', async () => {
  const config = testConfig({ cluster: { name: 'codec-failures' }, gates: { preparation: 'auto' }, onStepFailure: 'abort' });
  const id = await startIntegration(cozy, { config, plan: [step('probe.fail', 'preparation', 'failing')], workflowId: `integrate-cluster-codec-failures-${Date.now()}` });
  const final = await waitFor(() => getProgress(cozy, id), (p) => ['completed', 'failed', 'aborted'].includes(p.state), 'the run to end', 30_000);
  // With the key: the step's message as the activity raised it, and the workflow's own failure naming it.
  expect(final.steps.map((s) => `${s.state}: ${s.message}`)).toEqual([`failed: the probe found ${MARKER}`]);
  const ended = await cozy.client.workflow.getHandle(id).result().catch((err: unknown) => err);
  expect(ended).toBeInstanceOf(WorkflowFailedError);
  expect((ended as WorkflowFailedError).cause?.message).toContain(MARKER);

  // The stored history, read as raw protos (no converter, no codec): failures are there, their text is not.
  const history = await env.client.workflow.getHandle(id).fetchHistory();
  const raw = JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
  const failures = (history.events ?? []).flatMap((e) => [e.activityTaskFailedEventAttributes?.failure, e.workflowExecutionFailedEventAttributes?.failure]).filter((f) => f);
  expect(failures.length).toBe(2);
  for (const f of failures) {
    expect(f?.message).toBe('Encoded failure');
    expect(f?.stackTrace ?? '').toBe('');
    expect(f?.encodedAttributes?.metadata?.encoding && Buffer.from(f.encodedAttributes.metadata.encoding).toString()).toBe('binary/encrypted');
  }
  expect(raw).not.toContain(MARKER);
  expect(raw).not.toContain('integrate-cluster.ts'); // no stack trace frame in clear either
}, 60_000);
