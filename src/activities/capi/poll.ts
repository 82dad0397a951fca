// Waiting for several objects at once (a Cluster and its ProxmoxCluster, the Machines of a deployment and their VMs):
// a probe runs every interval, each round heartbeats what is being waited for and what was last seen (progress
// shows it), cancellation ends the wait, and a timeout fails the step saying what was last seen.
import { checkFailed } from '../common/failures';
import { cancellationSignal, heartbeat } from '../common/activity-context';

export interface ProbeResult<T> {
  done: boolean;
  value?: T;
  /** What is seen now, e.g. "Machine x Provisioning; VMProvisioned False (Cloning: ...)". */
  seen: string;
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** What to do when the wait times out, appended to the failure message. */
  hint?: string;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('cancelled'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function pollUntil<T>(waitingFor: string, probe: () => Promise<ProbeResult<T>>, opts: PollOptions): Promise<{ value: T | undefined; elapsedMs: number }> {
  const started = Date.now();
  const signal = cancellationSignal();
  let seen = 'nothing yet';
  for (;;) {
    if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
    const result = await probe();
    seen = result.seen;
    const elapsedMs = Date.now() - started;
    heartbeat({ waitingFor, seen, elapsedMs });
    if (result.done) return { value: result.value, elapsedMs };
    if (elapsedMs >= opts.timeoutMs) {
      throw checkFailed(`${waitingFor}: not reached within ${Math.round(opts.timeoutMs / 1000)} s; last seen: ${seen}${opts.hint ? `. ${opts.hint}` : ''}`);
    }
    await sleep(Math.min(opts.intervalMs ?? 1000, opts.timeoutMs - elapsedMs + 10), signal);
  }
}
