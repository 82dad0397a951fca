// Benchmark: the simulator's throughput for authenticated GETs on loopback, and the client's task-wait overhead.
//
// The simulator runs in a child process, so that the load generator does not share its event loop. The load comes
// from the project's client (ticket and token) and from a bare node:https loop, which costs less client CPU and so
// shows more of the simulator's own capacity; the simulator's CPU time per request is printed too, since on a
// shared machine the wall-clock rate depends on what else runs.
//
// Build and run (from the repository root):
//   npm run bench:proxmox -- [--seconds 5] [--concurrency 32] [--tasks 20]
import { ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { ProxmoxClient } from '../src/proxmox/client';
import { apiPath } from '../src/proxmox/http';
import type { TaskStatus } from '../src/proxmox/tasks';
import { parseUpid } from '../src/proxmox/upid';
import {
  DEFAULT_ROOT_PASSWORD,
  DEFAULT_TOKEN_ID,
  DEFAULT_TOKEN_SECRET,
  startProxmoxSimulator,
} from '../packages/sandbox/src/proxmox-sim';

interface SimInfo {
  url: string;
  caFile: string;
  version: string;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toFixed(1);

/** Child process: serve the simulator until the parent says stop. */
async function serve(taskSpeed: number): Promise<void> {
  const sim = await startProxmoxSimulator({ tls: true, taskSpeed });
  const info: SimInfo = { url: sim.url, caFile: sim.caFile as string, version: sim.state.version.version };
  process.send?.(info);
  process.on('message', async (msg) => {
    if (msg === 'cpu') process.send?.({ cpu: process.cpuUsage(), requests: sim.requestCount() });
    if (msg === 'stop') {
      await sim.stop();
      process.exit(0);
    }
  });
}

interface ServerUsage {
  cpu: NodeJS.CpuUsage;
  requests: number;
}

function serverUsage(child: ChildProcess): Promise<ServerUsage> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as ServerUsage));
    child.send('cpu');
  });
}

/** A bare node:https GET: a load generator that costs the client less CPU than the full client does. */
function bareGet(info: SimInfo, agent: Agent): () => Promise<unknown> {
  const { hostname, port } = new URL(info.url);
  const headers = { Authorization: `PVEAPIToken=${DEFAULT_TOKEN_ID}=${DEFAULT_TOKEN_SECRET}` };
  return () =>
    new Promise((resolve, reject) => {
      const req = request({ hostname, port, path: '/api2/json/nodes/pve1/status', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString())) : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
}

async function getThroughput(get: () => Promise<unknown>, seconds: number, concurrency: number) {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        await get();
        latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p95: percentile(latencies, 95), errors, count: latencies.length };
}

/** Polls a task's status every 5 ms: the reference for when the task really ended. */
async function referenceEnd(client: ProxmoxClient, upid: string): Promise<number> {
  const { node } = parseUpid(upid);
  for (;;) {
    const status = await client.request<TaskStatus>('GET', apiPath`/nodes/${node}/tasks/${upid}/status`);
    if (status.status === 'stopped') return performance.now();
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function taskWaitOverhead(client: ProxmoxClient, reference: ProxmoxClient, tasks: number) {
  const overheads: number[] = [];
  const durations: number[] = [];
  for (let i = 0; i < tasks; i++) {
    const started = performance.now();
    const upid = i % 2 === 0 ? await client.startVm('pve1', 9100) : await client.stopVm('pve1', 9100);
    const [observed, ended] = await Promise.all([
      client.waitTask(upid).then(() => performance.now()),
      referenceEnd(reference, upid),
    ]);
    overheads.push(Math.max(0, observed - ended));
    durations.push(ended - started);
  }
  overheads.sort((a, b) => a - b);
  durations.sort((a, b) => a - b);
  return { p50: percentile(overheads, 50), p95: percentile(overheads, 95), minTask: durations[0], maxTask: durations[durations.length - 1] };
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 5);
  const concurrency = arg('concurrency', 32);
  const tasks = arg('tasks', 20);
  // Realistic durations scaled by 0.3: a start takes about 0.45 s, a stop about 0.15 s.
  const child = fork(__filename, ['--serve', '0.3'], { stdio: 'inherit' });
  const info = await new Promise<SimInfo>((resolve) => child.once('message', (m) => resolve(m as SimInfo)));
  const common = { url: info.url, tls: { caFile: info.caFile }, maxSockets: concurrency };
  const token = new ProxmoxClient({ ...common, credentials: { kind: 'token', tokenId: DEFAULT_TOKEN_ID, secret: DEFAULT_TOKEN_SECRET } });
  const ticket = new ProxmoxClient({ ...common, credentials: { kind: 'ticket', username: 'root@pam', password: DEFAULT_ROOT_PASSWORD } });
  try {
    console.log(`simulator ${info.url} (Proxmox VE ${info.version}, separate process); client concurrency ${concurrency}, keep-alive`);
    await token.version();
    await ticket.version();
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: readFileSync(info.caFile) });
    const loads: Array<[string, () => Promise<unknown>]> = [
      ['ProxmoxClient, API token', () => token.nodeStatus('pve1')],
      ['ProxmoxClient, ticket cookie', () => ticket.nodeStatus('pve1')],
      ['bare node:https, API token', bareGet(info, agent)],
    ];
    // Warm-up, unmeasured: both processes' JIT and the connection pools settle first (measured: the first seconds
    // of load cost the simulator twice the CPU per request of the later ones).
    for (const [, get] of loads) await getThroughput(get, 2, concurrency);
    for (const [label, get] of loads) {
      const before = await serverUsage(child);
      const clientBefore = process.cpuUsage();
      const r = await getThroughput(get, seconds, concurrency);
      const clientCpu = process.cpuUsage(clientBefore);
      const after = await serverUsage(child);
      // CPU time the simulator spent per request: the capacity of one core, independent of other load on the machine.
      const cpuUs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / Math.max(1, after.requests - before.requests);
      console.log(
        `GET /nodes/pve1/status, ${label}: ${Math.round(r.perSecond)} requests/s over ${seconds} s ` +
          `(${r.count} requests, ${r.errors} errors), latency p50 ${fmt(r.p50)} ms, p95 ${fmt(r.p95)} ms; ` +
          `simulator CPU ${Math.round(cpuUs)} µs/request = ${Math.round(1e6 / cpuUs)} requests/s per core; ` +
          `client CPU ${Math.round((clientCpu.user + clientCpu.system) / Math.max(1, r.count))} µs/request`,
      );
    }
    agent.destroy();
    await token.cloneIfAbsent({ node: 'pve1', templateId: 9000, vmid: 9100, name: 'bench-task-wait' });
    const reference = new ProxmoxClient({ ...common, credentials: { kind: 'token', tokenId: DEFAULT_TOKEN_ID, secret: DEFAULT_TOKEN_SECRET } });
    const o = await taskWaitOverhead(token, reference, tasks);
    reference.close();
    console.log(
      `task-wait overhead over ${tasks} tasks of ${fmt(o.minTask)}-${fmt(o.maxTask)} ms: p50 ${fmt(o.p50)} ms, p95 ${fmt(o.p95)} ms ` +
        '(completion seen by waitTask minus completion seen by a 5 ms reference poller)',
    );
  } finally {
    token.close();
    ticket.close();
    child.send('stop');
  }
}

if (process.argv[2] === '--serve') {
  void serve(Number(process.argv[3]));
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
