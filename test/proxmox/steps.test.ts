// The Proxmox step activities, run in an activity context, against a healthy simulator (every step passes) and
// against seeded faults (each failing step names what is wrong).
import { wrapStepActivity } from '../../src/activities/common/step-wrapper';
import { CancelledFailure, type ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runOf, undoOf } from '../helpers/steps';
import { waitFor } from '../helpers/wait';
import type { StepInput } from '../../src/catalogue/types';
import { ProxmoxClient } from '../../src/proxmox/client';
import { healthySeed, DEFAULT_TOKEN_ID, runActivity, simConfig, Simulator, startSim, stepInput, tokenClient } from './helpers';

async function failure(fn: (input: StepInput) => Promise<unknown>, input: StepInput): Promise<ApplicationFailure> {
  try {
    await runActivity(fn, input);
  } catch (err) {
    return err as ApplicationFailure;
  }
  throw new Error(`${input.stepId} was expected to fail`);
}

describe('Proxmox steps against a healthy installation', () => {
  let sim: Simulator;
  let client: ProxmoxClient;

  beforeAll(async () => {
    sim = await startSim();
    client = tokenClient(sim);
  });
  afterAll(async () => {
    client.close();
    await sim.stop();
  });

  it.each([
    ['proxmox.version', runOf('proxmox.version'), /Proxmox VE 8\.2\.4/],
    ['proxmox.resources', runOf('proxmox.resources'), /node pve1 has headroom/],
    ['proxmox.bridges', runOf('proxmox.bridges'), /vmbr0 present and active/],
    ['proxmox.tls-certificate', runOf('proxmox.tls-certificate'), /valid for at least \d+ more days/],
    ['proxmox.api-url', runOf('proxmox.api-url'), /is the API root/],
    ['proxmox.template', runOf('proxmox.template'), /template 9000 .* guest agent and a cloud-init drive \(ide2\)/],
    ['proxmox.storage', runOf('proxmox.storage'), /local-lvm \(lvmthin\) holds images/],
    ['step1.ticket-auth', runOf('step1.ticket-auth'), /root@pam logged in with a ticket; a CSRF-protected write/],
    ['step1.token-auth', runOf('step1.token-auth'), /root@pam!cozy authenticates/],
    ['step1.token-privileges', runOf('step1.token-privileges'), /holds every privilege/],
    ['step1.api-latency', runOf('step1.api-latency'), /p50 [\d.]+ ms, p95 [\d.]+ ms over 20 GETs/],
    ['step2.bridges', runOf('step2.bridges'), /VMs can attach to vmbr0/],
    ['step2.storage-pools', runOf('step2.storage-pools'), /Kubernetes volumes can live on local-lvm/],
  ])('%s passes', async (stepId, fn, message) => {
    const { result } = await runActivity(fn, stepInput(simConfig(sim), stepId));
    expect(result.status).toBe('passed');
    expect(result.message).toMatch(message);
  });

  it('step1.api-latency reports its figures and heartbeats while sampling', async () => {
    const { result, heartbeats } = await runActivity(runOf('step1.api-latency'), stepInput(simConfig(sim), 'step1.api-latency'));
    expect(result.metrics?.samples).toBe(20);
    expect(result.metrics?.p95Ms).toBeGreaterThanOrEqual(result.metrics?.p50Ms as number);
    expect(heartbeats).toHaveLength(20);
  });

  it('step1.ticket-auth leaves the check pool with its comment and is repeatable', async () => {
    const input = stepInput(simConfig(sim), 'step1.ticket-auth');
    await runActivity(runOf('step1.ticket-auth'), input);
    const { result } = await runActivity(runOf('step1.ticket-auth'), input);
    expect(result.details).toEqual(['pool cozy-proxmox-check already present']);
    expect((await client.pools()).find((p) => p.poolid === 'cozy-proxmox-check')?.comment).toContain(input.workflowId);
  });

  it('step2.create-bridge creates and activates the bridge once, and its compensation removes it', async () => {
    const config = simConfig(sim, { bridge: 'vmbr7', createBridge: { name: 'vmbr7', cidr: '10.77.0.1/24' } });
    const input = stepInput(config, 'step2.create-bridge');
    const first = await runActivity(runOf('step2.create-bridge'), input);
    expect(first.result).toMatchObject({ status: 'passed', outputs: { bridge: 'vmbr7', created: true } });
    expect(first.heartbeats.length).toBeGreaterThan(0);
    const bridge = (await client.networks('pve1')).find((i) => i.iface === 'vmbr7');
    expect(bridge).toMatchObject({ type: 'bridge', active: 1, cidr: '10.77.0.1/24' });

    const again = await runActivity(runOf('step2.create-bridge'), input);
    expect(again.result.message).toMatch(/already present and active .* \(created by this run\)/);
    await expect(runActivity(runOf('step2.bridges'), stepInput(config, 'step2.bridges'))).resolves.toMatchObject({ result: { status: 'passed' } });

    await runActivity(undoOf('step2.create-bridge'), stepInput(config, 'step2.create-bridge', { 'step2.create-bridge': again.result.outputs ?? {} }));
    expect((await client.networks('pve1')).some((i) => i.iface === 'vmbr7')).toBe(false);
    // Running the compensation again finds nothing to do.
    await runActivity(undoOf('step2.create-bridge'), stepInput(config, 'step2.create-bridge', { 'step2.create-bridge': again.result.outputs ?? {} }));
  });

  it('step2.create-bridge cancelled while the network reloads stops waiting, and its undo removes the half-made bridge', async () => {
    sim.setTaskSpeed(3);
    const config = simConfig(sim, { bridge: 'vmbr8', createBridge: { name: 'vmbr8' } });
    try {
      const env = new MockActivityEnvironment();
      const started = Date.now();
      const running = env.run(wrapStepActivity(runOf('step2.create-bridge')), stepInput(config, 'step2.create-bridge'));
      await waitFor(async () => (await client.networks('pve1')).some((i) => i.iface === 'vmbr8'), Boolean, 'vmbr8 created', 10_000, 20);
      env.cancel();
      await expect(running).rejects.toBeInstanceOf(CancelledFailure);
      // The network reload takes 6 s at this speed: the activity returned well before it ended.
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      sim.setTaskSpeed(0.02);
    }
    // The step never passed, so the undo has no outputs: the bridge's marker tells it the bridge is this run's.
    await new MockActivityEnvironment().run(wrapStepActivity(undoOf('step2.create-bridge'), 'undo'), stepInput(config, 'step2.create-bridge'));
    expect((await client.networks('pve1')).some((i) => i.iface === 'vmbr8')).toBe(false);
  });

  it('step2.create-bridge adopts an existing bridge without claiming it, so compensation keeps it', async () => {
    const config = simConfig(sim, { createBridge: { name: 'vmbr0' } });
    const { result } = await runActivity(runOf('step2.create-bridge'), stepInput(config, 'step2.create-bridge'));
    expect(result.outputs).toMatchObject({ created: false });
    await runActivity(undoOf('step2.create-bridge'), stepInput(config, 'step2.create-bridge', { 'step2.create-bridge': result.outputs ?? {} }));
    expect((await client.networks('pve1')).some((i) => i.iface === 'vmbr0')).toBe(true);
  });

  it('proxmox.api-url warns about a URL ending in /api2/json, naming the failure and the fix', async () => {
    const { result } = await runActivity(runOf('proxmox.api-url'), stepInput(simConfig(sim, { url: `${sim.url}/api2/json` }), 'proxmox.api-url'));
    expect(result.status).toBe('warning');
    expect(result.message).toContain('no VM is ever provisioned');
    expect(result.message).toContain(`set the URL to ${sim.url}`);
    expect(result.outputs).toMatchObject({ baseUrl: sim.url, urlHadApiSuffix: true });
  });

  it('reports an unverified TLS connection in the outcome', async () => {
    const { result } = await runActivity(runOf('proxmox.version'), stepInput(simConfig(sim, { tls: { verify: false } }), 'proxmox.version'));
    expect(result.status).toBe('warning');
    expect(result.details?.some((d) => d.startsWith('TLS verification is off'))).toBe(true);
  });

  it('skips the token steps when no token is configured', async () => {
    const config = simConfig(sim, { token: undefined });
    const { result } = await runActivity(runOf('step1.token-auth'), stepInput(config, 'step1.token-auth'));
    expect(result.status).toBe('skipped');
  });

  it.each([
    ['proxmox.resources', runOf('proxmox.resources'), { thresholds: { minFreeMemoryGiB: 4096 } }, /free memory < 4096 GiB/],
    ['proxmox.template', runOf('proxmox.template'), { templateId: 9999 }, /VM template 9999 does not exist on node pve1/],
    ['proxmox.storage', runOf('proxmox.storage'), { storage: 'local' }, /does not allow disk images \(content: iso,vztmpl,backup; add "images"\)/],
    ['step2.bridges', runOf('step2.bridges'), { bridge: 'vmbr5' }, /bridge vmbr5 \(proxmox.bridge\) does not exist on node pve1/],
  ])('%s fails with CheckFailed for a config the installation cannot meet', async (stepId, fn, proxmox, message) => {
    const err = await failure(fn, stepInput(simConfig(sim, proxmox), stepId));
    expect(err).toMatchObject({ type: 'CheckFailed', nonRetryable: true });
    expect(err.message).toMatch(message);
  });

  it('a template that is a plain VM without agent or cloud-init fails naming each gap', async () => {
    await client.cloneIfAbsent({ node: 'pve1', templateId: 9000, vmid: 501, name: 'not-a-template' });
    await client.setQemuConfig('pve1', 501, { agent: 0, delete: 'ide2' });
    const err = await failure(runOf('proxmox.template'), stepInput(simConfig(sim, { templateId: 501 }), 'proxmox.template'));
    expect(err.message).toMatch(/is not a template.*guest agent is not enabled.*no cloud-init drive/);
  });
});

describe('Proxmox steps against seeded faults', () => {
  let sim: Simulator;

  beforeAll(async () => {
    const seed = healthySeed();
    seed.version = { version: '6.4-13', release: '6.4' };
    const node = seed.nodes[0];
    node.network = (node.network ?? []).filter((i) => i.iface !== 'vmbr0');
    node.vms = (node.vms ?? []).map((vm) => ({ ...vm, nets: [] }));
    node.certificate = { expiresInDays: 5 };
    seed.roles = (seed.roles ?? []).map((r) => ({ ...r, privs: r.privs.filter((p) => p !== 'VM.Clone') }));
    sim = await startSim({ seed });
  });
  afterAll(() => sim.stop());

  it('old version 6.4 → proxmox.version fails with VersionError naming 6.4', async () => {
    const err = await failure(runOf('proxmox.version'), stepInput(simConfig(sim), 'proxmox.version'));
    expect(err).toMatchObject({ type: 'VersionError', nonRetryable: true });
    expect(err.message).toMatch(/Proxmox VE 6\.4-13 is older than the required 7\.0/);
  });

  it('missing vmbr0 → proxmox.bridges fails naming vmbr0', async () => {
    const err = await failure(runOf('proxmox.bridges'), stepInput(simConfig(sim), 'proxmox.bridges'));
    expect(err).toMatchObject({ type: 'CheckFailed', nonRetryable: true });
    expect(err.message).toMatch(/bridge vmbr0 is missing on node pve1 \(bridges found: none\)/);
  });

  it('certificate expiring in 5 days → proxmox.tls-certificate fails naming the date and days', async () => {
    const err = await failure(runOf('proxmox.tls-certificate'), stepInput(simConfig(sim), 'proxmox.tls-certificate'));
    expect(err).toMatchObject({ type: 'CheckFailed', nonRetryable: true });
    expect(err.message).toMatch(/pve-ssl\.pem on pve1 expires on \d{4}-\d{2}-\d{2}, in [45] days \(threshold 30 days\)/);
  });

  it('token lacking VM.Clone → step1.token-privileges fails with PermissionError naming VM.Clone', async () => {
    const err = await failure(runOf('step1.token-privileges'), stepInput(simConfig(sim), 'step1.token-privileges'));
    expect(err).toMatchObject({ type: 'PermissionError', nonRetryable: true });
    expect(err.message).toContain(`API token ${DEFAULT_TOKEN_ID} lacks VM.Clone:`);
    expect(err.details?.[0]).toEqual(['VM.Clone (needed by Cluster API provider (CAPMOX))']);
  });
});
