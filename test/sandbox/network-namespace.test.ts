// A program in a network namespace of its own: it binds "every interface" and a port another program also uses,
// and neither is visible on the machine except through the published port; it reaches the machine's loopback
// ports it was given at their usual addresses, and no others.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInNetworkNamespace, type RunningNamespacedProgram } from '../../packages/sandbox/src/operator/network-namespace';
import { freeLoopbackPorts } from '../../packages/sandbox/src/kubernetes/ports';
import { waitFor } from '../helpers/wait';

// Serves on 0.0.0.0:PORT, answering with what it got from the machine's 127.0.0.1:REACH (or the error).
const PROGRAM = `
const http = require('node:http');
const [port, reach, other] = process.argv.slice(1).map(Number);
const get = (p) => new Promise((resolve) => http.get({ host: '127.0.0.1', port: p, timeout: 2000 }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => resolve(b)); }).on('error', (e) => resolve(e.code)));
http.createServer(async (_req, res) => res.end(JSON.stringify({ reach: await get(reach), other: await get(other) }))).listen(port, '0.0.0.0');
`;

let dir: string;
let outside: Server;
let outsidePort: number;
let unreachablePort: number;
const running: RunningNamespacedProgram[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'netns-'));
  [outsidePort, unreachablePort] = await freeLoopbackPorts(2);
  outside = createServer((_req, res) => res.end('hello from the machine')).listen(outsidePort, '127.0.0.1');
});

afterAll(async () => {
  for (const r of running) await r.stop();
  outside.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(name: string): Promise<RunningNamespacedProgram> {
  const program = await startInNetworkNamespace({
    name,
    command: process.execPath,
    args: ['-e', PROGRAM, '9443', String(outsidePort), String(unreachablePort)],
    env: { PATH: process.env.PATH },
    dir: join(dir, name),
    reach: [outsidePort],
    serve: [9443],
  });
  running.push(program);
  return program;
}

async function ask(port: number): Promise<{ reach: string; other: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5_000) });
  return (await res.json()) as { reach: string; other: string };
}

it('two programs serve 9443 each, published on free loopback ports, and reach only the ports they were given', async () => {
  const [a, b] = [await start('a'), await start('b')];
  const [pa, pb] = [a.published.get(9443)!, b.published.get(9443)!];
  expect(pa).not.toBe(pb);
  const answer = await waitFor(() => ask(pa).catch(() => undefined), (x) => x !== undefined, 'program a answering', 10_000, 100);
  expect(answer).toEqual({ reach: 'hello from the machine', other: 'ECONNREFUSED' });
  await waitFor(() => ask(pb).catch(() => undefined), (x) => x !== undefined, 'program b answering', 10_000, 100);
  // Nothing listens on the machine's 9443 on their behalf.
  await expect(fetch('http://127.0.0.1:9443/', { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
  expect(a.process.running).toBe(true);
  await a.stop();
  expect(a.process.running).toBe(false);
  await expect(ask(pa)).rejects.toThrow();
}, 30_000);
