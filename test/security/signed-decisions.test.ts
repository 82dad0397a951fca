// Decisions nobody can forge, tried as an attacker would: with a raw Temporal client (the update by its name, as
// `temporal workflow update` sends it), not through our CLI. The worker's policy lists alice's key; mallory holds
// a key of her own and can reach the frontend.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DecisionSubject } from '../../src/approvals/decision';
import { generateSigningKeyPair } from '../../src/approvals/key-pair';
import { loadSigningKey, signDecision, type SigningKey } from '../../src/approvals/sign';
import type { StepActivity } from '../../src/catalogue/types';
import { cancelRun, getProgress, startIntegration } from '../../src/client';
import { renderMarkdown } from '../../src/report/render-markdown';
import type { Progress } from '../../src/report/progress';
import { renderProgressText } from '../../src/cli/progress-view';
import { historyText } from '../helpers/history';
import { step, testConfig } from '../helpers/plan';
import { runCli } from '../helpers/cli';
import { connectTestEnv, cozyClientFor, startTestWorker, temporalAddress, uniqueQueue, type RunningWorker } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

const dir = mkdtempSync(join(tmpdir(), 'cozy-signed-'));
function makeKey(name: string): { path: string; line: string; key: SigningKey } {
  const pair = generateSigningKeyPair(`${name}@test`);
  const path = join(dir, name);
  writeFileSync(path, pair.private, { mode: 0o600 });
  return { path, line: pair.public, key: loadSigningKey(path) };
}
const alice = makeKey('alice');
const mallory = makeKey('mallory');

let env: TestWorkflowEnvironment;
let signedWorker: RunningWorker;
let openWorker: RunningWorker;
const signedQueue = uniqueQueue('signed');
const openQueue = uniqueQueue('open');
let brokenOnce = true;

const pass: StepActivity = async () => ({ status: 'passed', message: 'ok' });
const activities: Record<string, StepActivity> = {
  pass,
  broken: async () => {
    if (brokenOnce) {
      brokenOnce = false;
      throw ApplicationFailure.nonRetryable('template 9000 has no cloud-init drive', 'CheckFailed');
    }
    return { status: 'passed', message: 'fixed' };
  },
};

beforeAll(async () => {
  env = await connectTestEnv();
  signedWorker = await startTestWorker(signedQueue, activities, {
    policy: { approvers: [{ name: 'alice', key: alice.line }], source: 'test-policy.yaml' },
  });
  openWorker = await startTestWorker(openQueue, activities);
});
afterAll(async () => {
  await signedWorker?.stop();
  await openWorker?.stop();
  await env?.teardown();
});

const plan = () => [
  step('prep.check', 'preparation', 'pass', { group: 'step1-api-connection' }),
  step('basic.check', 'basic-integration', 'pass', { group: 'step2-network-storage' }),
  step('adv.broken', 'advanced-integration', 'broken', { group: 'step4-worker' }),
];
const config = (name: string) =>
  testConfig({ cluster: { name }, approvers: [], gates: { preparation: 'auto', 'basic-integration': 'manual', 'advanced-integration': 'auto', 'monitoring-security': 'auto' } });

/** An update sent by name with a raw client: what anyone who reaches the frontend can do. */
async function rawUpdate(id: string, name: string, request: object): Promise<unknown> {
  return env.client.workflow.getHandle(id).executeUpdate(name, { args: [request] });
}

/** Why the workflow refused an update (the validator's message, as the caller receives it). */
async function refusal(id: string, name: string, request: object): Promise<string> {
  try {
    await rawUpdate(id, name, request);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return err.cause?.message ?? err.message;
    throw err;
  }
  throw new Error(`the ${name} update was accepted`);
}

async function until(queue: string, id: string, done: (p: Progress) => boolean, what: string): Promise<Progress> {
  return waitFor(() => getProgress(cozyClientFor(env, queue), id), done, what);
}

test('only a decision signed by a listed key passes a gate; forged, unlisted, tampered and replayed ones are refused and never reach the history', async () => {
  const cozy = cozyClientFor(env, signedQueue);
  const id = await startIntegration(cozy, { config: config('signed-gates'), plan: plan() });
  let p = await until(signedQueue, id, (x) => x.state === 'awaiting-approval', 'the gate');
  const { runId } = await env.client.workflow.getHandle(id).describe();
  expect(p.decisions).toEqual({ mode: 'signed', source: 'test-policy.yaml', approvers: [{ name: 'alice', fingerprint: alice.key.fingerprint }] });

  const approve: DecisionSubject = { action: 'approve', phase: 'basic-integration', comment: 'change 42' };
  const request = (key: SigningKey, by: string, subject: DecisionSubject = approve, signedRunId = runId) => ({
    phase: 'basic-integration',
    by,
    comment: 'change 42',
    signature: signDecision(key, { workflowId: id, runId: signedRunId, by }, subject),
  });

  // A forged name without a signature: what `--by alice` alone used to be.
  expect(await refusal(id, 'approve', { phase: 'basic-integration', by: 'alice' })).toMatch(/accepts only decisions signed/);
  // mallory's valid signature, under her name and under alice's.
  expect(await refusal(id, 'approve', request(mallory.key, 'mallory'))).toMatch(/the key SHA256:\S+ is not an approver's key/);
  expect(await refusal(id, 'approve', request(mallory.key, 'alice'))).toMatch(/is not an approver's key/);
  // alice's signature for another run, and one whose comment was changed after signing.
  expect(await refusal(id, 'approve', request(alice.key, 'alice', approve, 'an-earlier-run'))).toMatch(/does not match the decision/);
  expect(await refusal(id, 'approve', { ...request(alice.key, 'alice'), comment: 'change 43' })).toMatch(/does not match/);
  p = await getProgress(cozy, id);
  expect(p.gates.find((g) => g.phase === 'basic-integration')?.state).toBe('open');

  // alice's own decision passes, and names her key.
  const valid = request(alice.key, 'alice');
  const gate = (await rawUpdate(id, 'approve', valid)) as { state: string; by: string; keyFingerprint: string };
  expect(gate).toMatchObject({ state: 'approved', by: 'alice', keyFingerprint: alice.key.fingerprint });
  // The same request again (a replay by whoever saw it): refused, though the gate is already approved.
  expect(await refusal(id, 'approve', valid)).toMatch(/already used \(nonce/);

  // The step that fails for good waits for a decision: a resolve signed by mallory is refused, alice's passes.
  p = await until(signedQueue, id, (x) => x.state === 'blocked-on-step', 'the blocked step');
  const retry: DecisionSubject = { action: 'resolve', step: 'adv.broken', resolution: 'retry' };
  const resolve = (key: SigningKey, by: string) => ({
    step: 'adv.broken',
    action: 'retry',
    by,
    signature: signDecision(key, { workflowId: id, runId, by }, retry),
  });
  expect(await refusal(id, 'resolveStep', resolve(mallory.key, 'alice'))).toMatch(/not an approver's key/);
  expect(await refusal(id, 'resolveStep', { step: 'adv.broken', action: 'retry', by: 'alice' })).toMatch(/accepts only decisions signed/);
  await rawUpdate(id, 'resolveStep', resolve(alice.key, 'alice'));
  p = await until(signedQueue, id, (x) => x.state === 'completed', 'the end of the run');

  // The report and the history show each decision with the key's fingerprint; nothing refused is in the history.
  const report = renderMarkdown(p);
  expect(report).toContain(`Gate: approved by alice (key ${alice.key.fingerprint})`);
  expect(report).toContain(`\`adv.broken\`: retry by alice (key ${alice.key.fingerprint})`);
  expect(report).toContain(`- Decisions: only decisions signed by a listed key: alice ${alice.key.fingerprint} (test-policy.yaml)`);
  const history = await historyText(env.client, id);
  expect(history.match(/workflowExecutionUpdateAcceptedEventAttributes|WorkflowExecutionUpdateAccepted/g)?.length).toBe(2);
  expect(history).not.toContain('mallory');
  expect(history).not.toContain('change 43');
  expect(history).not.toContain('an-earlier-run');
  expect(history).toContain(alice.key.fingerprint);
});

test('a run whose worker lists no approvers says that anyone may decide, in status and the report', async () => {
  const cozy = cozyClientFor(env, openQueue);
  const id = await startIntegration(cozy, { config: config('open-gates'), plan: plan().slice(0, 2) });
  const p = await until(openQueue, id, (x) => x.state === 'awaiting-approval', 'the gate');
  expect(p.decisions).toEqual({ mode: 'anyone', source: 'no worker policy', approvers: [] });
  expect(renderProgressText(p)).toContain('decisions: anyone may approve, reject and resolve: the worker lists no approvers');
  expect(renderMarkdown(p)).toContain('- Decisions: anyone may approve, reject and resolve');
  // A name is enough here, and the report says whose name it was.
  await rawUpdate(id, 'approve', { phase: 'basic-integration', by: 'mallory' });
  const done = await until(openQueue, id, (x) => x.state === 'completed', 'the end of the run');
  expect(renderMarkdown(done)).toContain('Gate: approved by mallory at');
  await cancelRun(cozy, id).catch(() => undefined);
});

test('the CLI signs with --key: the worker names the approver for the key, and the gate shows the fingerprint', async () => {
  const cozy = cozyClientFor(env, signedQueue);
  const id = await startIntegration(cozy, { config: config('signed-cli'), plan: plan().slice(0, 2) });
  await until(signedQueue, id, (x) => x.state === 'awaiting-approval', 'the gate');
  const cliEnv = { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: signedQueue };

  const status = await runCli(['status', id], cliEnv);
  expect(status.stdout).toContain(`approve ${id} --phase basic-integration --key KEYFILE`);
  const unsigned = await runCli(['approve', id, '--phase', 'basic-integration', '--by', 'alice'], cliEnv);
  expect(unsigned.code).toBe(1);
  expect(unsigned.stderr).toContain('refused: this run accepts only decisions signed by an approver the worker lists');
  const badKey = await runCli(['approve', id, '--phase', 'basic-integration', '--key', join(dir, 'nope')], cliEnv);
  expect(badKey.code).toBe(2);
  expect(badKey.stderr).toMatch(/cannot read the signing key .*nope: ENOENT/);
  const signed = await runCli(['approve', id, '--phase', 'basic-integration', '--key', alice.path], cliEnv);
  expect(signed.stderr).toBe('');
  expect(signed.stdout).toBe(`gate basic-integration approved by alice (key ${alice.key.fingerprint})\n`);
  await until(signedQueue, id, (x) => x.state === 'completed', 'the end of the run');
});
