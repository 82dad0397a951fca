// Heartbeats and cancellation for code that runs as an activity and also outside one (scripts, benchmarks, tests
// calling a step directly): outside an activity both are no-ops.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Context } from '@temporalio/activity';

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

// The last details each running activity reported, so the liveness ticker (keepAlive) repeats them instead of
// wiping what progress shows (a heartbeat replaces the previous details).
const lastDetails = new WeakMap<Context, unknown>();

/** Records progress when running as an activity. */
export function heartbeat(details?: unknown): void {
  const ctx = activityContext();
  if (!ctx) return;
  if (details !== undefined) lastDetails.set(ctx, details);
  ctx.heartbeat(details ?? lastDetails.get(ctx));
}

/**
 * Heartbeats every `intervalMs` until the returned function is called. Every step runs under it, so a step whose
 * worker died is retried on another worker after the heartbeat timeout, not after its whole start-to-close limit.
 */
export function keepAlive(intervalMs: number): () => void {
  const ctx = activityContext();
  if (!ctx) return () => undefined;
  const timer = setInterval(() => ctx.heartbeat(lastDetails.get(ctx)), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function cancellationSignal(): AbortSignal | undefined {
  return activityContext()?.cancellationSignal;
}

// Set while an undo (a compensation) runs: waits that run out there are retried instead of failing for good.
const undoScope = new AsyncLocalStorage<true>();

export function runAsUndo<T>(body: () => Promise<T>): Promise<T> {
  return undoScope.run(true, body);
}

export function isUndo(): boolean {
  return undoScope.getStore() === true;
}
