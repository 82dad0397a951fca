// Every step activity is registered through this wrapper. It tells the workflow how many attempts a step took (the
// report shows attempts per step) and turns every error into a classified ApplicationFailure (common/to-failure.ts).
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { FailedAttemptDetails } from '../../catalogue/attempts';
import type { StepActivity, StepInput, StepOutcome } from '../../catalogue/types';
import { cancellationSignal, keepAlive, runAsUndo } from './activity-context';
import { realClientFactories, withClientFactories, type ClientFactories } from './clients';
import { toFailure } from './to-failure';

// Well under the shortest heartbeat timeout a step gets (src/workflows/step-activities.ts).
const LIVENESS_INTERVAL_MS = 3_000;

function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside an activity (a direct call in a benchmark)
  }
}

/** A step (its outcome) or an undo (nothing, or an outcome that is ignored). */
type StepOrUndo = (input: StepInput) => Promise<StepOutcome | void>;

export function wrapStepActivity(
  fn: StepOrUndo,
  kind: 'step' | 'undo' = 'step',
  clients: ClientFactories = realClientFactories(),
): (input: StepInput) => Promise<StepOutcome & { attempt: number }> {
  const wrapped = async (input: StepInput): Promise<StepOutcome & { attempt: number }> => {
    const attempt = currentAttempt();
    const stop = keepAlive(LIVENESS_INTERVAL_MS);
    try {
      const run = () => withClientFactories(clients, () => fn(input));
      const result: StepOutcome | void = await (kind === 'undo' ? runAsUndo(run) : run());
      return { ...(result as StepOutcome), attempt };
    } catch (err) {
      // Cancelled: whatever the interrupted call threw (a killed helm, a closed SSH channel), the activity reports a
      // cancellation, so the workflow that waits for it to end knows it ended and is not retried.
      const signal = cancellationSignal();
      if (signal?.aborted && signal.reason instanceof CancelledFailure) throw signal.reason;
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
  const failure = toFailure(err);
  const original = failure.details?.[0];
  const details: FailedAttemptDetails = { attempt, details: Array.isArray(original) ? original.map(String) : undefined };
  return ApplicationFailure.create({
    type: failure.type ?? 'Error',
    message: failure.message,
    nonRetryable: failure.nonRetryable ?? false,
    details: [details],
    nextRetryDelay: failure.nextRetryDelay ?? undefined,
    cause: failure.cause,
  });
}

/**
 * Wraps every function of an activities object. The ones named in `undoNames` are undos: the same envelope (their
 * result is ignored), and a wait that runs out in them is retried instead of failing (common/wait.ts). Every one
 * reaches its systems through `clients`, the one set of factories the worker made.
 */
export function wrapStepActivities(
  acts: Record<string, StepActivity>,
  undoNames: ReadonlySet<string> = new Set(),
  clients: ClientFactories = realClientFactories(),
): Record<string, StepActivity> {
  return Object.fromEntries(Object.entries(acts).map(([name, fn]) => [name, wrapStepActivity(fn, undoNames.has(name) ? 'undo' : 'step', clients)]));
}
