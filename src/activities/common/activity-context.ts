// Heartbeats and cancellation for code that runs as an activity and also outside one (scripts, benchmarks, tests
// calling a step directly): outside an activity both are no-ops.
import { Context } from '@temporalio/activity';

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Records progress when running as an activity. */
export function heartbeat(details?: unknown): void {
  activityContext()?.heartbeat(details);
}

export function cancellationSignal(): AbortSignal | undefined {
  return activityContext()?.cancellationSignal;
}
