// What the sandbox benchmarks share: a sandbox of their own (no worker of its own), workers as child processes that
// can be killed and whose peak RSS the kernel reports, runs started through the client and awaited, and the figures
// read afterwards: history events and the largest payload, Proxmox API calls by client, clones and joins.
import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { buildPlan } from '../../src/catalogue';
import type { StepDefinition } from '../../src/catalogue/types';
import { connectClient, finalProgress, getProgress, startIntegration, type CozyClient } from '../../src/client';
import { withAutoApprove } from '../../src/config/auto-approve';
import { loadConfigFile } from '../../src/config/load';
import type { IntegrationConfig } from '../../src/config/schema';
import type { Progress } from '../../src/report/progress';
import { isAlive, repoRoot } from '../../packages/sandbox/src/processes';
import { sandboxDown, sandboxUp, type SandboxState } from '../../packages/sandbox/src/sandbox';
import { readStandinState } from '../../packages/sandbox/src/ssh-host';
import { SimulatorAdmin, type SimulatorRequests } from '../../packages/sandbox/src/simulator-admin';
import { WORKER_NODE_FLAGS } from '../../src/worker-memory';

export const say = (m: string) => process.stderr.write(`==> ${m}\n`);

// Ctrl-C ends the process through 'exit', so that the workers it started go with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

export function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

export const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
export const seconds = (ms: number) => (ms / 1000).toFixed(1);

export interface BenchSandbox {
  dir: string;
  state: SandboxState;
  /** The sandbox's own config, every gate auto. */
  config: IntegrationConfig;
  cozy: CozyClient;
  sim: SimulatorAdmin;
  stop(): Promise<void>;
}

export async function startBenchSandbox(opts: { taskSpeed?: number; proxmoxSeed?: (dir: string) => string } = {}): Promise<BenchSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'cozy-bench-sandbox-'));
  say(`starting a sandbox in ${dir}${opts.taskSpeed ? ` (task speed ${opts.taskSpeed})` : ''}`);
  const proxmoxSeed = opts.proxmoxSeed?.(dir);
  const state = await sandboxUp({ dir, worker: false, taskSpeed: opts.taskSpeed, proxmoxSeed, onProgress: (m) => say(`  ${m}`) });
  const config = withAutoApprove(loadConfigFile(state.configFile, { env: {} }));
  const cozy = await connectClient({ address: state.temporal.address });
  return {
    dir,
    state,
    config,
    cozy,
    sim: new SimulatorAdmin(state.proxmox),
    stop: async () => {
      try {
        await cozy.close();
      } finally {
        await sandboxDown(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A `cozy-proxmox worker` process on the sandbox's Temporal. The kernel keeps each process's peak resident set
 * (VmHWM in /proc/<pid>/status); across restarts the largest is kept.
 */
export class WorkerProcess {
  private child?: ChildProcess;
  private peak = 0;
  starts = 0;

  constructor(
    private readonly state: SandboxState,
    private readonly logFile: string,
    private readonly extraArgs: string[] = [],
  ) {}

  start(): void {
    const out = openSync(this.logFile, 'a');
    this.child = spawn(process.execPath, [...WORKER_NODE_FLAGS, join(repoRoot(), 'bin', 'cozy-proxmox.js'), 'worker', '--address', this.state.temporal.address, ...this.extraArgs], {
      stdio: ['ignore', out, out],
      env: { ...process.env, COZY_PROXMOX_LOG_LEVEL: 'WARN' },
    });
    closeSync(out);
    this.starts++;
    // A benchmark stopped early (Ctrl-C, an error) takes its worker with it: a worker left behind would pick up the
    // next sandbox's runs.
    const child = this.child;
    process.once('exit', () => child.kill('SIGKILL'));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Peak RSS in bytes of every process this worker ran as so far. */
  peakRssBytes(): number {
    const pid = this.child?.pid;
    if (pid && isAlive(pid)) {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) this.peak = Math.max(this.peak, Number(m[1]) * 1024);
    }
    return this.peak;
  }

  /** SIGKILL, as a crash or the OOM killer ends a process: no graceful shutdown, activities cut off. */
  async kill(): Promise<void> {
    this.peakRssBytes();
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    this.peakRssBytes();
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill(sig);
    await gone;
  }
}

// A benchmark's run also ends when a step failed for good: nobody is there to resolve it.
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'blocked-on-step']);

/** Progress of a run, or undefined while no worker answers (a worker being restarted). */
export async function progressOf(cozy: CozyClient, workflowId: string): Promise<Progress | undefined> {
  try {
    return await getProgress(cozy, workflowId);
  } catch {
    return undefined;
  }
}

/** Polls until `done` holds for the run's progress (or the run ended); returns that progress. */
export async function waitForProgress(cozy: CozyClient, workflowId: string, done: (p: Progress) => boolean, what: string, timeoutMs = 900_000): Promise<Progress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await progressOf(cozy, workflowId);
    if (p && (done(p) || TERMINAL.has(p.state))) return p;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s (last state ${p?.state ?? 'unknown'})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const stepRunning = (stepId: string) => (p: Progress) => p.steps.some((s) => s.id === stepId && s.state === 'running');

export interface RunResult {
  workflowId: string;
  progress: Progress;
  ms: number;
}

const BLOCKED_POLL_MS = 5_000;
const RUN_TIMEOUT_MS = 1_800_000;

/**
 * The run's end: its result, long-polled from the server's history (no worker involved), or its progress once a
 * step is blocked (a run that waits for a decision nobody here will make). Progress queries are answered by the
 * worker, so they are kept rare: many runs queried often would load the worker being measured.
 */
async function runEnd(cozy: CozyClient, workflowId: string): Promise<Progress> {
  let ended = false;
  const blocked = new Promise<Progress>((resolve) => {
    const poll = async (): Promise<void> => {
      if (ended) return;
      const p = await progressOf(cozy, workflowId);
      if (p?.state === 'blocked-on-step') resolve(p);
      else setTimeout(() => void poll(), BLOCKED_POLL_MS);
    };
    setTimeout(() => void poll(), BLOCKED_POLL_MS);
  });
  // The long poll breaks when the Temporal server restarts (a reliability scenario): poll again.
  const final = async (): Promise<Progress> => {
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    for (;;) {
      try {
        return (await finalProgress(cozy, workflowId)) ?? (await getProgress(cozy, workflowId));
      } catch (err) {
        if (ended || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };
  // A run found blocked leaves its long poll outstanding: abort it, so that nothing polls a closed connection.
  const controller = new AbortController();
  // Each long poll of the result (one per history page) listens on the signal.
  setMaxListeners(0, controller.signal);
  const ending = cozy.client.withAbortSignal(controller.signal, final);
  ending.catch(() => undefined);
  try {
    return await Promise.race([ending, blocked]);
  } finally {
    ended = true;
    controller.abort();
  }
}

/** Starts a run of the sandbox config (or `config`) with the full plan (or `plan`), then waits for its end. */
export async function startRun(b: BenchSandbox, workflowId: string, opts: { config?: IntegrationConfig; plan?: StepDefinition[] } = {}): Promise<() => Promise<RunResult>> {
  const config = opts.config ?? b.config;
  const started = Date.now();
  await startIntegration(b.cozy, { config, plan: opts.plan ?? buildPlan(config), workflowId, startedBy: 'benchmark' });
  return async () => {
    const progress = await runEnd(b.cozy, workflowId);
    return { workflowId, progress, ms: Date.now() - started };
  };
}

export async function runToEnd(b: BenchSandbox, workflowId: string, opts: { config?: IntegrationConfig; plan?: StepDefinition[] } = {}): Promise<RunResult> {
  return (await startRun(b, workflowId, opts))();
}

/** One line per step that did not pass on its first attempt, and any that did not pass at all. */
export function retriedSteps(p: Progress): string[] {
  return p.steps.filter((s) => s.attempts > 1 || !['passed', 'warning', 'skipped'].includes(s.state)).map((s) => `${s.id} ${s.state} after ${s.attempts} attempt(s)`);
}

export interface HistoryFigures {
  events: number;
  payloads: number;
  largestPayloadBytes: number;
  largestPayloadEvent: string;
  totalPayloadBytes: number;
}

const EVENT_TYPE_NAMES = Object.fromEntries(Object.entries(temporal.api.enums.v1.EventType).map(([k, v]) => [v, k.replace(/^EVENT_TYPE_/, '')]));

/** Events of the run's history, and its payloads (inputs, results, heartbeats, queries are not stored): count and size. */
export async function historyFigures(cozy: CozyClient, workflowId: string): Promise<HistoryFigures> {
  const history = await cozy.client.workflow.getHandle(workflowId).fetchHistory();
  const figures: HistoryFigures = { events: history.events?.length ?? 0, payloads: 0, largestPayloadBytes: 0, largestPayloadEvent: '', totalPayloadBytes: 0 };
  const visit = (value: unknown, eventName: string): void => {
    if (!value || typeof value !== 'object') return;
    const v = value as { data?: unknown; metadata?: unknown };
    if (v.data instanceof Uint8Array && v.metadata && typeof v.metadata === 'object') {
      const size = v.data.length;
      figures.payloads++;
      figures.totalPayloadBytes += size;
      if (size > figures.largestPayloadBytes) {
        figures.largestPayloadBytes = size;
        figures.largestPayloadEvent = eventName;
      }
      return;
    }
    for (const child of Object.values(value)) visit(child, eventName);
  };
  for (const e of history.events ?? []) visit(e, `${EVENT_TYPE_NAMES[e.eventType as number] ?? e.eventType} (event ${e.eventId})`);
  return figures;
}

/** Requests between two readings of the simulator's counters, per client (User-Agent). */
export function callsBetween(before: SimulatorRequests, after: SimulatorRequests): Record<string, { requests: number; serverErrors: number }> {
  const out: Record<string, { requests: number; serverErrors: number }> = {};
  for (const [client, counts] of Object.entries(after.byClient)) {
    const was = before.byClient[client];
    const requests = counts.requests - (was?.requests ?? 0);
    if (requests > 0) out[client] = { requests, serverErrors: counts.serverErrors - (was?.serverErrors ?? 0) };
  }
  return out;
}

/** The requests of every client but cozy-proxmox, largest first ("go-proxmox/1.0 412, python-requests/2.34.2 270"). */
export function otherClients(calls: Record<string, { requests: number }>, project: string): string {
  return Object.entries(calls)
    .filter(([client]) => client !== project)
    .sort(([, a], [, b]) => b.requests - a.requests)
    .map(([client, c]) => `${client} ${c.requests}`)
    .join(', ') || 'none';
}

/** What the run made in the simulator and on the host, to tell one clone per VM and one join from duplicates. */
export interface SideEffects {
  /** Clone tasks that ended OK. */
  clones: number;
  /** Clone tasks that ended with an error. */
  failedClones: number;
  joins: number;
  csiVolumes: number;
  vms: number[];
}

export async function sideEffects(b: BenchSandbox): Promise<SideEffects> {
  const snap = await b.sim.snapshot();
  const requests = await b.sim.requests();
  // The CSI controller allocates each volume with one POST .../content (its placeholder VMID's disks); whichever client
  // it is (the real proxmox-csi-plugin names itself by its own User-Agent), no other program of a run posts there.
  const csiVolumes = Object.values(requests.byClient).reduce((n, c) => n + (c.routes['POST /nodes/{node}/storage/{storage}/content'] ?? 0), 0);
  const clones = snap.tasks.filter((t) => t.type === 'qmclone' && t.status === 'stopped');
  return {
    clones: clones.filter((t) => t.exitstatus === 'OK').length,
    failedClones: clones.filter((t) => t.exitstatus !== 'OK').length,
    joins: readStandinState(b.state.sshHost!.stateFile).joins.length,
    csiVolumes,
    vms: snap.vms.map((v) => v.vmid).sort((x, y) => x - y),
  };
}

export type SideEffectCounts = Omit<SideEffects, 'vms'>;

export function delta(before: SideEffects, after: SideEffects): SideEffectCounts {
  return {
    clones: after.clones - before.clones,
    failedClones: after.failedClones - before.failedClones,
    joins: after.joins - before.joins,
    csiVolumes: after.csiVolumes - before.csiVolumes,
  };
}
