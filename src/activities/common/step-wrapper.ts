// Every step activity is registered through this wrapper. It tells the workflow how many attempts a step took (the
// report shows attempts per step) and turns plain errors into classified ApplicationFailures: an Error named after
// a non-retryable type keeps that meaning, anything else stays retryable.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { FailedAttemptDetails } from '../../catalogue/attempts';
import { NON_RETRYABLE_TYPES } from '../../catalogue/failure-types';
import type { StepActivity, StepInput, StepOutcome } from '../../catalogue/types';
import { keepAlive } from './activity-context';

// Well under the shortest heartbeat timeout a step gets (src/workflows/step-activities.ts).
const LIVENESS_INTERVAL_MS = 3_000;

function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside an activity (a direct call in a benchmark)
  }
}

export function wrapStepActivity(fn: StepActivity): (input: StepInput) => Promise<StepOutcome & { attempt: number }> {
  const wrapped = async (input: StepInput) => {
    const attempt = currentAttempt();
    const stop = keepAlive(LIVENESS_INTERVAL_MS);
    try {
      return { ...(await fn(input)), attempt };
    } catch (err) {
      if (err instanceof CancelledFailure) throw err; // cancellation is not a step failure
      throw envelope(err, attempt);
    } finally {
      stop();
    }
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}

function envelope(err: unknown, attempt: number): ApplicationFailure {
  if (err instanceof ApplicationFailure) {
    const original = err.details?.[0];
    const details: FailedAttemptDetails = { attempt, details: Array.isArray(original) ? original.map(String) : undefined };
    return ApplicationFailure.create({
      type: err.type ?? 'Error',
      message: err.message,
      nonRetryable: err.nonRetryable ?? false,
      details: [details],
      nextRetryDelay: err.nextRetryDelay ?? undefined,
    });
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const type = e.name && e.name !== 'Error' ? e.name : 'Error';
  return ApplicationFailure.create({
    type,
    message: e.message,
    nonRetryable: NON_RETRYABLE_TYPES.includes(type),
    details: [{ attempt } satisfies FailedAttemptDetails],
    cause: e,
  });
}

/** Wraps every function of an activities object; compensations are wrapped the same way (their result is ignored). */
export function wrapStepActivities(acts: Record<string, StepActivity>): Record<string, StepActivity> {
  return Object.fromEntries(Object.entries(acts).map(([name, fn]) => [name, wrapStepActivity(fn)]));
}
