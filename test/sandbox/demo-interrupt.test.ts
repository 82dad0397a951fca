// Ctrl-C or SIGTERM on `cozy-proxmox demo` stops everything it started, says what it stopped, and exits 128 + the
// signal: once while the sandbox starts, once while the run is under way. `sandbox up` does the same when its output
// pipe closes.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startCli } from '../helpers/cli';
import { processesMentioning } from '../helpers/processes';
import { waitFor } from '../helpers/wait';

async function interruptDemo(signal: NodeJS.Signals, when: RegExp): Promise<{ dir: string; code: number; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cozy-demo-interrupt-'));
  const demo = startCli(['demo', '--dir', dir, '--task-speed', '0.3'], {}, 300_000);
  await waitFor(async () => demo.output().stderr, (err) => when.test(err), `the demo to print ${when}`, 240_000, 100);
  process.kill(demo.pid, signal);
  const result = await demo.result;
  return { dir, code: result.code, stderr: result.stderr };
}

test('SIGTERM while the run is under way: the sandbox stops, the demo says what it stopped, exit 143, no process left', async () => {
  // Once the run started, a step is in flight within the second.
  const { dir, code, stderr } = await interruptDemo('SIGTERM', /run integrate-cluster-sandbox-\d+ started/);
  expect(stderr).toContain('==> SIGTERM: stopping everything this command started');
  expect(stderr).toMatch(/==> stopped: sandbox-operator, logging, monitoring, ssh-host, kubernetes, proxmox-simulator, temporal\n/);
  expect(stderr).toMatch(/error: interrupted by SIGTERM\n$/);
  expect(code).toBe(143);
  expect(processesMentioning(dir)).toEqual([]);
  expect(existsSync(join(dir, 'state.json'))).toBe(false);
}, 300_000);

test('Ctrl-C while the sandbox starts: what it had started is stopped, exit 130, no process left', async () => {
  const { dir, code, stderr } = await interruptDemo('SIGINT', /starting the Kubernetes control plane/);
  expect(stderr).toContain('==> SIGINT: stopping everything this command started');
  expect(stderr).toMatch(/==> sandbox not started: stopped the \d+ processes it had started\n/);
  expect(code).toBe(130);
  expect(processesMentioning(dir)).toEqual([]);
}, 300_000);

test('sandbox up whose output pipe closes while it starts (`2>&1 | head`): it stops what it started, exit 141, no process left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cozy-up-sigpipe-'));
  const up = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'cozy-proxmox.js'), 'sandbox', 'up', '--no-kubernetes', '--dir', dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((ok) => up.on('close', (code) => ok(code)));
  // The reader goes away after the first progress line, as `head -1` does; the next line written meets a closed pipe.
  await new Promise<void>((ok) => up.stderr.once('data', () => ok()));
  up.stderr.destroy();
  up.stdout.destroy();
  expect(await exited).toBe(141);
  expect(processesMentioning(dir)).toEqual([]);
  expect(existsSync(join(dir, 'state.json'))).toBe(false);
}, 120_000);
