// Failure types an activity raises and whether Temporal may retry them. Pure: workflows use the list in retry policies.
export const FailureType = {
  Auth: 'AuthError',
  Permission: 'PermissionError',
  Validation: 'ValidationError',
  Version: 'VersionError',
  NotFound: 'NotFoundError',
  /** An assessment or verification found something the operator must fix. */
  CheckFailed: 'CheckFailed',
  Transient: 'TransientError',
  /** The worker's own policy (src/worker-policy) does not allow a secret reference or host the run names. */
  NotAllowed: 'NotAllowedByWorkerPolicy',
} as const;
export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/** Another attempt cannot fix these: credentials, privileges, input, versions, missing things, failed checks, refusals. */
export const NON_RETRYABLE_TYPES: readonly string[] = [
  FailureType.Auth,
  FailureType.Permission,
  FailureType.Validation,
  FailureType.Version,
  FailureType.NotFound,
  FailureType.CheckFailed,
  FailureType.NotAllowed,
];
