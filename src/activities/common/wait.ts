// The one wait of every step and undo: a probe runs every interval until it says done, each round heartbeats what is
// waited for and what was last seen (progress shows it), the activity's cancellation ends the wait at once, and a
// wait that runs out throws WaitTimedOut. What a timeout means depends on who waits: in a step it is a failed check
// (non-retryable: the operator has something to fix); in an undo it is retryable, since a deletion that is still
// under way finishes on its own and giving up would leave the resource behind.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../catalogue/failure-types';
import { cancellationSignal, heartbeat, isUndo } from './activity-context';

export interface Probe<T> {
  done: boolean;
  value?: T;
  /** What is seen now, e.g. "Machine x Provisioning; VMProvisioned False (Cloning: ...)". */
  seen?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Default 1 s. */
  intervalMs?: number;
  /** What to do when the wait times out, appended to the failure message. */
  hint?: string;
  /**
   * For a wait that judges what it finds either way (a settle time, not a requirement): at the timeout it returns
   * the last value with `timedOut` instead of throwing, and the caller decides.
   */
  returnOnTimeout?: boolean;
}

/** A wait ran out: CheckFailed (not retried) in a step, Transient (retried) in an undo. */
export class WaitTimedOut extends ApplicationFailure {
  constructor(
    readonly waitingFor: string,
    readonly elapsedMs: number,
    readonly seen: string,
    hint?: string,
  ) {
    const type = timeoutFailureType();
    super(
      `${waitingFor}: not reached within ${Math.round(elapsedMs / 1000)} s${seen ? `; last seen: ${seen}` : ''}${hint ? `. ${hint}` : ''}`,
      type,
      type !== FailureType.Transient,
    );
  }
}

/** The failure type of a wait that ran out here: CheckFailed in a step, Transient (retried) in an undo. */
export function timeoutFailureType(): string {
  return isUndo() ? FailureType.Transient : FailureType.CheckFailed;
}

/** The failure for a wait that ran out somewhere else (a watch in the client layer), by the same rule. */
export function waitTimeoutFailure(message: string): ApplicationFailure {
  const type = timeoutFailureType();
  return ApplicationFailure.create({ type, message, nonRetryable: type !== FailureType.Transient });
}

export function throwIfCancelled(what: string): void {
  const signal = cancellationSignal();
  if (signal?.aborted) throw signal.reason ?? new Error(`cancelled while ${what}`);
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

/** Waits until `probe` reports done; resolves with its value and how long it took. */
export async function waitUntil<T>(waitingFor: string, probe: (elapsedMs: number) => Promise<Probe<T>>, opts: WaitOptions): Promise<{ value: T | undefined; elapsedMs: number; timedOut?: true }> {
  const started = Date.now();
  const signal = cancellationSignal();
  let seen = '';
  for (;;) {
    throwIfCancelled(`waiting for ${waitingFor}`);
    const elapsedMs = Date.now() - started;
    const result = await probe(elapsedMs);
    if (result.seen !== undefined) seen = result.seen;
    heartbeat({ waitingFor, ...(seen ? { seen } : {}), elapsedMs });
    if (result.done) return { value: result.value, elapsedMs };
    if (elapsedMs >= opts.timeoutMs) {
      if (opts.returnOnTimeout) return { value: result.value, elapsedMs, timedOut: true };
      throw new WaitTimedOut(waitingFor, elapsedMs, seen, opts.hint);
    }
    await sleep(Math.min(opts.intervalMs ?? 1000, opts.timeoutMs - elapsedMs + 10), signal);
  }
}

/** waitUntil for a check that returns a value when done and undefined while not. */
export async function waitForValue<T>(waitingFor: string, timeoutMs: number, check: (elapsedMs: number) => Promise<T | undefined>, intervalMs?: number): Promise<T> {
  const { value } = await waitUntil<T>(waitingFor, async (elapsedMs) => {
    const v = await check(elapsedMs);
    return { done: v !== undefined, value: v };
  }, { timeoutMs, intervalMs });
  return value as T;
}
