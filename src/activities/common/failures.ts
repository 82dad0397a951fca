// Error classification for activities. Temporal retries an activity failure unless it is non-retryable, so every
// failure that another attempt cannot fix (bad credentials, a missing privilege, invalid input, an unsupported
// version, a check that found something to fix) is raised as non-retryable with a type and a reason that says what
// to do. Anything else (network, 5xx, timeouts) is left retryable and Temporal backs off.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType, NON_RETRYABLE_TYPES, type FailureTypeName } from '../../catalogue/failure-types';

export { FailureType, NON_RETRYABLE_TYPES, type FailureTypeName };

export function fail(type: FailureTypeName, message: string, details?: string[]): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: NON_RETRYABLE_TYPES.includes(type),
    details: details && details.length > 0 ? [details] : undefined,
  });
}

export function checkFailed(message: string, details?: string[]): ApplicationFailure {
  return fail(FailureType.CheckFailed, message, details);
}
