import type { Upid } from '../../../../src/proxmox/upid';

// Worker tasks as pvedaemon runs them: each gets a UPID, runs in the background for a realistic (scaled) time, writes
// a log, and ends stopped with exitstatus "OK", "WARNINGS: n" or the error text ("TASK ERROR: ..." in the log).
export interface TaskRecord extends Upid {
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: string[];
  warnings: number;
  aborted: boolean;
}

export interface TaskContext {
  log(line: string): void;
  warn(line: string): void;
  /** Waits `seconds` of realistic time, scaled by the simulator's task speed; throws if the task was stopped. */
  sleep(seconds: number): Promise<void>;
  readonly task: TaskRecord;
}

export interface ForcedFailure {
  type?: string;
  count: number;
  message: string;
}

const hex8 = (n: number) => (n >>> 0).toString(16).toUpperCase().padStart(8, '0');

export class TaskAbort extends Error {}

export class TaskManager {
  readonly tasks = new Map<string, TaskRecord>();
  private pending = new Set<Promise<void>>();
  forcedFailure: ForcedFailure | null = null;
  forcedWarning: ForcedFailure | null = null;

  constructor(
    private readonly speed: () => number,
    private readonly allocatePid: () => number,
    private readonly pstartOf: (node: string) => number,
  ) {}

  /** Starts a worker task and returns its UPID at once, as fork_worker does. */
  start(node: string, type: string, id: string, user: string, work: (ctx: TaskContext) => Promise<void>): string {
    const pid = this.allocatePid();
    const pstart = this.pstartOf(node);
    const starttime = Math.floor(Date.now() / 1000);
    // A UPID is colon-separated: an ID must not contain one.
    const safeId = id.replace(/:/g, '\\x3a');
    const upid = `UPID:${node}:${hex8(pid)}:${hex8(pstart)}:${hex8(starttime)}:${type}:${safeId}:${user}:`;
    const task: TaskRecord = { upid, node, pid, pstart, starttime, type, id: safeId, user, status: 'running', log: [], warnings: 0, aborted: false };
    this.tasks.set(upid, task);
    const forced = this.takeForced('forcedFailure', type);
    const warning = this.takeForced('forcedWarning', type);
    const ctx: TaskContext = {
      task,
      log: (line) => task.log.push(line),
      warn: (line) => {
        task.warnings++;
        task.log.push(`WARN: ${line}`);
      },
      sleep: (seconds) => this.sleep(task, seconds),
    };
    const run = (async () => {
      // Let the API call return its UPID before any work (and any failure) is visible.
      await new Promise((r) => setImmediate(r));
      try {
        if (forced) {
          await ctx.sleep(0.3);
          throw new Error(forced);
        }
        await work(ctx);
        if (warning) ctx.warn(warning);
        this.finish(task, task.warnings ? `WARNINGS: ${task.warnings}` : 'OK');
      } catch (err) {
        const message = err instanceof TaskAbort ? 'interrupted by signal' : (err as Error).message.replace(/\n+$/, '');
        this.finish(task, message);
      }
    })();
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
    return upid;
  }

  private takeForced(which: 'forcedFailure' | 'forcedWarning', type: string): string | undefined {
    const f = this[which];
    if (!f || f.count <= 0 || (f.type && f.type !== type)) return undefined;
    f.count--;
    if (f.count <= 0) this[which] = null;
    return f.message;
  }

  private finish(task: TaskRecord, exitstatus: string): void {
    if (task.status === 'stopped') return;
    if (exitstatus === 'OK') task.log.push('TASK OK');
    else if (exitstatus.startsWith('WARNINGS: ')) task.log.push(`TASK ${exitstatus}`);
    else task.log.push(`TASK ERROR: ${exitstatus}`);
    task.exitstatus = exitstatus;
    task.endtime = Math.floor(Date.now() / 1000);
    task.status = 'stopped';
  }

  private sleep(task: TaskRecord, seconds: number): Promise<void> {
    const ms = Math.max(0, seconds * 1000 * this.speed());
    return new Promise((resolve, reject) => {
      const check = () => (task.aborted ? reject(new TaskAbort()) : resolve());
      if (ms === 0) setImmediate(check);
      else setTimeout(check, ms);
    });
  }

  /** DELETE /nodes/{node}/tasks/{upid}: stops a running task. */
  stop(upid: string): void {
    const task = this.tasks.get(upid);
    if (task && task.status === 'running') task.aborted = true;
  }

  /** Resolves once every task has ended (used when the simulator stops). */
  async drain(): Promise<void> {
    for (const t of this.tasks.values()) if (t.status === 'running') t.aborted = true;
    await Promise.allSettled([...this.pending]);
  }
}

/** Splits a UPID into its parts, or returns undefined when it is not one. */
export function parseUpid(upid: string): { node: string; type: string; id: string; user: string } | undefined {
  const m = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/.exec(upid);
  if (!m) return undefined;
  return { node: m[1], type: m[6], id: m[7], user: m[8] };
}
