// The README's first command, as a user runs it: the demo starts the sandbox, runs integrate-cluster with gates
// approved automatically, prints the report, and the sandbox stops with nothing left running.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isAlive } from '../../src/sandbox/processes';
import { toolPath } from '../../src/tools/tool-paths';
import { runCli } from '../helpers/cli';
import { simulatorSnapshot } from '../helpers/sandbox-run';

const dir = mkdtempSync(join(tmpdir(), 'cozy-sandbox-'));
const execFileP = promisify(execFile);

afterAll(async () => {
  await runCli(['sandbox', 'down', '--dir', dir]);
});

test('demo runs the plan against the sandbox and reports simulated parts as such', async () => {
  const demo = await runCli(['demo', '--dir', dir, '--keep'], {}, 420_000);
  expect(demo.stderr).not.toContain('error:');
  expect(demo.code).toBe(0);
  expect(demo.stdout).toContain('# Integration report: sandbox');
  expect(demo.stdout).toContain('- Target: **embedded sandbox**');
  expect(demo.stdout).toContain('- All 8 test steps pass: **yes**');
  expect(demo.stdout).toMatch(/\| `step3.vm-provisioned` .* \| PASS \(simulated\) \|/);
  expect(demo.stdout).toMatch(/\| `step4.join` .* \| PASS \(simulated\) \|/);
  expect(demo.stdout).toMatch(/\| `step5.volume` .* \| PASS \(simulated\) \|/);
  expect(demo.stdout).toMatch(/\| `step1.ticket-auth` .* \| PASS \(simulated\) \| 1 \|/);
  expect(demo.stdout).toMatch(/Temporal UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/integrate-cluster-sandbox-\d+/);

  const status = await runCli(['sandbox', 'status', '--dir', dir, '--json']);
  expect(status.code).toBe(0);
  const state = JSON.parse(status.stdout);
  expect(state).toMatchObject({ running: true, proxmox: { simulated: true, node: 'pve1' } });
  expect(state.temporal.address).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(state.proxmox.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(state.credentials.proxmoxTokenSecretFile).toBe(join(dir, 'secrets', 'proxmox-token-secret'));

  // The written config validates and runs unchanged with the CLI against the kept sandbox.
  const env = { TEMPORAL_ADDRESS: state.temporal.address };
  expect((await runCli(['config', 'validate', state.configFile])).code).toBe(0);
  const up = await runCli(['sandbox', 'up', '--dir', dir]);
  expect(up.code).toBe(0);
  expect(up.stderr).toContain(`sandbox already running in ${dir}`);
  expect(up.stderr).toContain('starting a worker on task queue cozy-proxmox');
  const vmsBefore = (await simulatorSnapshot(state)).vms.map((v) => v.vmid).sort();
  const run = await runCli(['integrate-cluster', '-c', state.configFile, '--wait', '--auto-approve', '--json'], env, 420_000);
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ state: 'completed', workflowId: 'integrate-cluster-sandbox' });
  // Cleanup left exactly what was there before the run: no VM and no CSI volume of the run remains.
  const after = await simulatorSnapshot(state);
  expect(after.vms.map((v) => v.vmid).sort()).toEqual(vmsBefore);
  expect(JSON.stringify(after.nodes)).not.toContain('vm-9999-pvc');

  // The printed kubeconfig is a working one: kubectl lists the seeded node and CozyStack's namespaces.
  const kubectl = await execFileP(toolPath('KUBECTL', 'kubernetes'), ['--kubeconfig', state.kubernetes.kubeconfig, 'get', 'nodes,ns', '-o', 'name']);
  expect(kubectl.stdout.split('\n')).toEqual(expect.arrayContaining(['namespace/cozy-system', 'namespace/cozy-cilium']));
  expect(kubectl.stdout).toMatch(/^node\//m);

  const pids: number[] = state.components.flatMap((c: { pid: number; pids?: number[] }) => [c.pid, ...(c.pids ?? [])]);
  expect(pids.length).toBeGreaterThanOrEqual(8); // worker, simulator, Temporal and the five control-plane processes
  const down = await runCli(['sandbox', 'down', '--dir', dir]);
  expect(down.stdout).toBe('stopped: worker, sandbox-operator, monitoring, ssh-host, kubernetes, proxmox-simulator, temporal\n');
  expect(pids.filter(isAlive)).toEqual([]);
  const stopped = await runCli(['sandbox', 'status', '--dir', dir]);
  expect(stopped.code).toBe(1);
}, 900_000);
