// Turns the failure of a step's activity into what progress shows: the reason, its type, and the attempts made.
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import type { StepDefinition } from '../catalogue/types';
import type { FailedAttemptDetails } from '../catalogue/attempts';

export interface StepFailure {
  message: string;
  type?: string;
  details?: string[];
  attempts: number;
}

export function describeStepFailure(err: unknown, def: StepDefinition): StepFailure {
  if (!(err instanceof ActivityFailure)) return { message: String(err), attempts: 1 };
  const exhausted = err.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const envelope = cause.details?.[0] as FailedAttemptDetails | undefined;
    return {
      message: cause.message,
      type: cause.type ?? undefined,
      details: envelope?.details,
      attempts: envelope?.attempt ?? (exhausted ? def.retry.maximumAttempts : 1),
    };
  }
  if (cause instanceof TimeoutFailure) {
    return {
      message: `timed out (${cause.timeoutType === 'HEARTBEAT' ? 'no heartbeat' : 'took too long'}) after ${def.startToCloseSeconds}s limit`,
      type: 'Timeout',
      attempts: exhausted ? def.retry.maximumAttempts : 1,
    };
  }
  return { message: cause?.message ?? err.message, type: cause?.name, attempts: exhausted ? def.retry.maximumAttempts : 1 };
}
