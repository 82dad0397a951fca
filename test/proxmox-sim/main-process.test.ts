// main.ts as its own process: options from argv and the environment, one JSON line when listening, stop on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, fetch } from 'undici';

const MAIN = join(__dirname, '..', '..', 'packages', 'sandbox', 'src', 'proxmox-sim', 'main.ts');
const REGISTER = join(__dirname, 'support', 'register-ts.js');

function launch(args: string[], env: Record<string, string>): { child: ChildProcess; ready: Promise<Record<string, unknown>> } {
  const child = spawn(process.execPath, ['-r', REGISTER, MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  return { child, ready };
}

test('prints url, CA file and fingerprint, serves the seed it was given, and stops on SIGTERM', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pve-sim-main-'));
  const seed = join(dataDir, 'seed.yaml');
  writeFileSync(seed, "version: { version: '8.3.1' }\nnodes: [{ name: lab1 }]\nusers: [{ userid: root@pam, password: pw }]\n");
  const { child, ready } = launch(['--seed', seed, '--task-speed', '0.05'], { PVE_SIM_DATA_DIR: dataDir, PVE_SIM_FAULTS: '{"latencyMs":5}' });
  const info = await ready;
  expect(info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(info.caFile).toBe(join(dataDir, 'ca.pem'));
  expect(info.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

  const agent = new Agent({ connect: { ca: readFileSync(info.caFile as string, 'utf8') } });
  try {
    const login = await fetch(`${info.url}/api2/json/access/ticket`, { method: 'POST', dispatcher: agent, body: 'username=root@pam&password=pw', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const ticket = ((await login.json()) as { data: { ticket: string } }).data.ticket;
    const version = await fetch(`${info.url}/api2/json/version`, { dispatcher: agent, headers: { cookie: `PVEAuthCookie=${ticket}` } });
    expect(((await version.json()) as { data: { version: string } }).data.version).toBe('8.3.1');
    const faults = await fetch(`${info.url}/_sim/faults`, { dispatcher: agent });
    expect(await faults.json()).toEqual({ latencyMs: 5 });
  } finally {
    await agent.close();
  }

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});

test('a bad seed ends the process with exit code 2 and the path of the mistake', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pve-sim-main-'));
  const seed = join(dataDir, 'seed.yaml');
  writeFileSync(seed, 'version: { version: 8.2.4 }\nnodes: [{ name: -bad- }]\n');
  const child = spawn(process.execPath, ['-r', REGISTER, MAIN], { env: { ...process.env, PVE_SIM_SEED: seed, PVE_SIM_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(2);
  expect(stderr).toContain('nodes.0.name: a node name');
});
