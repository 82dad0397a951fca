// A polling wait for the network and end-to-end steps: calls `check` until it returns a value, heartbeating what it
// waits for (progress shows it) and stopping when the activity is cancelled.
import { cancellationSignal, heartbeat } from '../common/activity-context';

export class PollTimeout extends Error {
  constructor(
    readonly waitingFor: string,
    readonly elapsedMs: number,
  ) {
    super(`${waitingFor}: not within ${Math.round(elapsedMs / 1000)} s`);
    this.name = 'PollTimeout';
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function throwIfCancelled(what: string): void {
  const signal = cancellationSignal();
  if (signal?.aborted) throw signal.reason ?? new Error(`cancelled while ${what}`);
}

export async function pollFor<T>(
  waitingFor: string,
  timeoutMs: number,
  check: (elapsedMs: number) => Promise<T | undefined>,
  intervalMs = 1000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    throwIfCancelled(`waiting for ${waitingFor}`);
    const elapsedMs = Date.now() - started;
    const value = await check(elapsedMs);
    if (value !== undefined) return value;
    if (elapsedMs >= timeoutMs) throw new PollTimeout(waitingFor, elapsedMs);
    heartbeat({ waitingFor, elapsedMs });
    await sleep(intervalMs);
  }
}
