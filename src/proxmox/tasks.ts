// Waiting for an asynchronous task (UPID). Polls its status with a backoff that starts fast (most tasks on an idle
// node end within a second) and settles at a cap, reports each poll so that activities can heartbeat, and turns a
// failed task into an error that carries the end of the task log: that is where Proxmox says what went wrong.
import { ProxmoxTaskError, ProxmoxTaskTimeoutError } from './errors';
import { apiPath, ProxmoxHttp } from './http';
import { sleep } from './retry';
import { parseUpid, Upid } from './upid';

export interface TaskStatus {
  status: 'running' | 'stopped';
  exitstatus?: string;
  type?: string;
  id?: string;
  node?: string;
  starttime?: number;
}

export interface TaskProgress {
  upid: string;
  type: string;
  status: string;
  polls: number;
  elapsedMs: number;
}

export interface WaitOptions {
  /** Give up after this long; default 10 minutes. */
  timeoutMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Called after every poll: the place for an activity heartbeat. */
  onProgress?: (progress: TaskProgress) => void;
  /** How many lines of the log a failure carries; default 20. */
  logLines?: number;
  signal?: AbortSignal;
}

export interface TaskResult {
  upid: Upid;
  ok: true;
  exitStatus: string;
  /** From "WARNINGS: n"; 0 for OK. */
  warnings: number;
  /** Wall time from the first poll to the poll that saw the end. */
  waitedMs: number;
  polls: number;
}

const POLL_GROWTH = 1.5;

export async function readTaskLog(http: ProxmoxHttp, upid: string, lines = 20): Promise<string[]> {
  const { node } = parseUpid(upid);
  // The log is read from the start; a large limit gets all of it for any task this project starts.
  const entries = await http.get<Array<{ n: number; t: string }>>(apiPath`/nodes/${node}/tasks/${upid}/log`, {
    start: 0,
    limit: 5000,
  });
  return entries.map((e) => e.t).slice(-lines);
}

export async function waitForTask(http: ProxmoxHttp, upid: string, options: WaitOptions = {}): Promise<TaskResult> {
  const parsed = parseUpid(upid);
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const maxDelay = options.maxDelayMs ?? 2_000;
  let delay = options.initialDelayMs ?? 100;
  const started = Date.now();
  const ctx = { method: 'GET', path: `/nodes/${parsed.node}/tasks/${upid}/status` };
  let polls = 0;
  let last = 'not polled yet';
  for (;;) {
    const status = await http.get<TaskStatus>(apiPath`/nodes/${parsed.node}/tasks/${upid}/status`);
    polls++;
    last = status.status === 'stopped' ? `stopped (${status.exitstatus ?? 'no exit status'})` : status.status;
    const elapsedMs = Date.now() - started;
    options.onProgress?.({ upid, type: parsed.type, status: last, polls, elapsedMs });
    if (status.status === 'stopped') {
      const exit = (status.exitstatus ?? '').trim();
      if (exit === 'OK') return { upid: parsed, ok: true, exitStatus: exit, warnings: 0, waitedMs: elapsedMs, polls };
      const warn = /^WARNINGS: (\d+)$/.exec(exit);
      if (warn) {
        return { upid: parsed, ok: true, exitStatus: exit, warnings: Number(warn[1]), waitedMs: elapsedMs, polls };
      }
      const tail = await readTaskLog(http, upid, options.logLines ?? 20).catch((err: Error) => [
        `(task log unavailable: ${err.message})`,
      ]);
      throw new ProxmoxTaskError(
        `task ${parsed.type}${parsed.id ? ` ${parsed.id}` : ''} on ${parsed.node} failed: ${exit || 'no exit status'}` +
          (tail.length > 0 ? `\n${tail.join('\n')}` : ''),
        ctx,
        upid,
        exit,
        tail,
      );
    }
    if (elapsedMs >= timeoutMs) {
      throw new ProxmoxTaskTimeoutError(
        `task ${parsed.type}${parsed.id ? ` ${parsed.id}` : ''} on ${parsed.node} still ${last} after ` +
          `${Math.round(elapsedMs / 1000)} s (${polls} polls; limit ${Math.round(timeoutMs / 1000)} s): ${upid}`,
        ctx,
        upid,
        last,
      );
    }
    await sleep(Math.min(delay, timeoutMs - elapsedMs), options.signal ?? http.signal);
    delay = Math.min(maxDelay, Math.round(delay * POLL_GROWTH));
  }
}
