// Whole runs of phases 1 and 2 through the workflow: a healthy simulated installation passes every step; each
// seeded fault lands on the step that checks it, with a message that says what is wrong.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { allActivities } from '../../src/activities';
import { planOf } from '../helpers/steps';
import { cancelRun, getProgress, startIntegration } from '../../src/client';
import { integrationConfigSchema } from '../../src/config/schema';
import type { Progress } from '../../src/report/progress';
import {
  DEFAULT_ROOT_PASSWORD,
  DEFAULT_TOKEN_ID,
  DEFAULT_TOKEN_SECRET,
  defaultSeedInput,
  startProxmoxSimulator,
  type SimulatorSeedInput,
} from '../../packages/sandbox/src/proxmox-sim';
import { connectTestEnv, cozyClientFor, startTestWorker, uniqueQueue, type RunningWorker } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { recordHistory } from '../helpers/record-history';

let env: TestWorkflowEnvironment;
let worker: RunningWorker;
const queue = uniqueQueue('faulty');

beforeAll(async () => {
  env = await connectTestEnv();
  worker = await startTestWorker(queue, allActivities());
  process.env.COZY_FAULTY_PASSWORD = DEFAULT_ROOT_PASSWORD;
  process.env.COZY_FAULTY_TOKEN = DEFAULT_TOKEN_SECRET;
});
afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
});

async function runAgainst(name: string, seed: SimulatorSeedInput, history?: string): Promise<Progress> {
  const sim = await startProxmoxSimulator({ seed, taskSpeed: 0.05 });
  try {
    const config = integrationConfigSchema.parse({
      apiVersion: 'cozy-proxmox/v1',
      kind: 'Integration',
      cluster: { name },
      proxmox: {
        url: sim.url,
        node: 'pve1',
        username: 'root@pam',
        password: 'env:COZY_FAULTY_PASSWORD',
        token: { id: DEFAULT_TOKEN_ID, secret: 'env:COZY_FAULTY_TOKEN' },
        tls: { caFile: sim.caFile },
        templateId: 9000,
      },
      gates: { preparation: 'auto', 'basic-integration': 'auto' },
    });
    const cozy = cozyClientFor(env, queue);
    const id = await startIntegration(cozy, { config, plan: planOf(config, 'proxmox.', 'step1.', 'step2.') });
    const p = await waitFor(() => getProgress(cozy, id), (q) => ['completed', 'blocked-on-step'].includes(q.state), `${name} to settle`, 60_000);
    if (p.state !== 'completed') await cancelRun(cozy, id);
    else if (history) recordHistory(id, history);
    return p;
  } finally {
    await sim.stop();
  }
}

const failedSteps = (p: Progress) => p.steps.filter((s) => s.state === 'failed' || s.state === 'blocked').map((s) => s.id);
const step = (p: Progress, id: string) => p.steps.find((s) => s.id === id);

test('a healthy installation passes phase 1, step1 and step2', async () => {
  const p = await runAgainst('healthy', defaultSeedInput(), 'proxmox-phases-healthy');
  expect(p.steps.filter((s) => s.state !== 'passed').map((s) => `${s.id}: ${s.state} ${s.message}`)).toEqual([]);
  expect(p).toMatchObject({ state: 'completed', criteria: { testSteps: { 'step1-api-connection': 'passed', 'step2-network-storage': 'passed' } } });
});

test('Proxmox VE 6.4 blocks the run at proxmox.version', async () => {
  const seed = defaultSeedInput();
  seed.version = { version: '6.4-13', release: '6.4' };
  const p = await runAgainst('old-version', seed);
  expect(p.state).toBe('blocked-on-step');
  expect(failedSteps(p)).toEqual(['proxmox.version']);
  expect(step(p, 'proxmox.version')).toMatchObject({ failureType: 'VersionError', attempts: 1 });
  expect(step(p, 'proxmox.version')?.message).toContain('6.4');
  // The checks that need a supported version did not run.
  expect(step(p, 'proxmox.template')?.state).toBe('pending');
});

test('a node without vmbr0 blocks the run at proxmox.bridges, naming the bridge', async () => {
  const seed = defaultSeedInput();
  seed.nodes[0].network = (seed.nodes[0].network ?? []).filter((n) => n.iface !== 'vmbr0');
  for (const vm of seed.nodes[0].vms ?? []) vm.nets = [];
  const p = await runAgainst('no-vmbr0', seed);
  expect(failedSteps(p)).toContain('proxmox.bridges');
  expect(step(p, 'proxmox.bridges')?.message).toContain('vmbr0');
});

test('a certificate expiring in 5 days fails proxmox.tls-certificate and the run goes on', async () => {
  const seed = defaultSeedInput();
  seed.nodes[0].certificate = { expiresInDays: 5 };
  const p = await runAgainst('cert-expiring', seed);
  expect(p.state).toBe('completed');
  expect(failedSteps(p)).toEqual(['proxmox.tls-certificate']);
  expect(step(p, 'proxmox.tls-certificate')?.message).toMatch(/\b[45] days?\b/);
});

test('a token lacking VM.Clone blocks the run at step1.token-privileges, naming the privilege', async () => {
  const seed = defaultSeedInput();
  seed.roles = (seed.roles ?? []).map((r) => ({ ...r, privs: r.privs.filter((priv) => priv !== 'VM.Clone') }));
  const p = await runAgainst('no-clone', seed);
  expect(p.state).toBe('blocked-on-step');
  expect(failedSteps(p)).toEqual(['step1.token-privileges']);
  expect(step(p, 'step1.token-privileges')).toMatchObject({ failureType: 'PermissionError' });
  expect(step(p, 'step1.token-privileges')?.message).toContain('VM.Clone');
});
