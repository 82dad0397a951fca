// A real run (the Proxmox steps against the simulator) with its secrets configured as file and env references:
// the workflow's history, fetched afterwards, holds none of the secret values, nor a ticket made from them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { allActivities } from '../../src/activities';
import { planOf } from '../helpers/steps';
import { getProgress, startIntegration } from '../../src/client';
import { waitFor } from '../helpers/wait';
import { parseConfigText } from '../../src/config/load';
import { DEFAULT_ROOT_PASSWORD, DEFAULT_TOKEN_SECRET, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { connectTestEnv, cozyClientFor, startTestWorker, uniqueQueue, type RunningWorker } from '../helpers/temporal';
import { historyText } from '../helpers/history';
import { stringify } from 'yaml';

let env: TestWorkflowEnvironment;
let sim: RunningSimulator;
let worker: RunningWorker;
const queue = uniqueQueue('secrets');

beforeAll(async () => {
  env = await connectTestEnv();
  sim = await startProxmoxSimulator({ taskSpeed: 0.05 });
  worker = await startTestWorker(queue, allActivities());
});
afterAll(async () => {
  await worker?.stop();
  await sim?.stop();
  await env?.teardown();
});

test('no secret value reaches the workflow history', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cozy-secrets-'));
  writeFileSync(join(dir, 'token'), DEFAULT_TOKEN_SECRET + '\n', { mode: 0o600 });
  process.env.COZY_TEST_PROXMOX_PASSWORD = DEFAULT_ROOT_PASSWORD;
  const config = parseConfigText(
    stringify({
      apiVersion: 'cozy-proxmox/v1',
      kind: 'Integration',
      cluster: { name: 'secrets-check' },
      proxmox: {
        url: sim.url,
        node: 'pve1',
        username: 'root@pam',
        password: 'env:COZY_TEST_PROXMOX_PASSWORD',
        token: { id: 'root@pam!cozy', secret: `file:${join(dir, 'token')}` },
        tls: { caFile: sim.caFile },
        templateId: 9000,
      },
      gates: { preparation: 'auto', 'basic-integration': 'auto' },
    }),
    'secrets.yaml',
    { env: {} },
  );
  const cozy = cozyClientFor(env, queue);
  const id = await startIntegration(cozy, { config, plan: planOf(config, 'proxmox.', 'step1.', 'step2.') });
  const p = await waitFor(() => getProgress(cozy, id), (q) => ['completed', 'failed', 'blocked-on-step'].includes(q.state), 'the run to end', 90_000);
  expect(p.steps.filter((s) => s.state !== 'passed').map((s) => `${s.id}: ${s.message}`)).toEqual([]);
  expect(p.state).toBe('completed');
  // The steps really authenticated with the secrets: ticket auth and token auth passed.
  const auth = p.steps.filter((s) => s.id === 'step1.ticket-auth' || s.id === 'step1.token-auth').map((s) => s.state);
  expect(auth).toEqual(['passed', 'passed']);

  const history = await historyText(env.client, id);
  // The references are there (so the search reads decoded payloads), the values are not.
  const present = (needles: string[]) => needles.filter((n) => history.includes(n));
  expect(present(['env:COZY_TEST_PROXMOX_PASSWORD', `file:${join(dir, 'token')}`])).toHaveLength(2);
  expect(present([DEFAULT_ROOT_PASSWORD, DEFAULT_TOKEN_SECRET, 'PVE:root@pam:', 'PVEAuthCookie', 'CSRFPreventionToken'])).toEqual([]);
});
