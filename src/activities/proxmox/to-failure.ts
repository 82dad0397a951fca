// Maps the client's typed errors onto the project's failure classification, so that an activity fails fast on what
// only the operator can fix and leaves the rest to Temporal's retry.
import { ApplicationFailure } from '@temporalio/common';
import { fail, FailureType } from '../common/failures';
import {
  ProxmoxAlreadyExistsError,
  ProxmoxAuthError,
  ProxmoxError,
  ProxmoxNetworkError,
  ProxmoxNotFoundError,
  ProxmoxNotImplementedError,
  ProxmoxPermissionError,
  ProxmoxTaskError,
  ProxmoxValidationError,
} from '../../proxmox/errors';
import { ProxmoxUrlError } from '../../proxmox/url';

export function proxmoxErrorToFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ProxmoxUrlError) return fail(FailureType.Validation, err.message);
  if (!(err instanceof ProxmoxError)) {
    const message = err instanceof Error ? err.message : String(err);
    return fail(FailureType.Transient, message);
  }
  if (err instanceof ProxmoxAuthError) {
    return fail(FailureType.Auth, `${err.message}: check the username/password or token ID/secret the config refers to`);
  }
  if (err instanceof ProxmoxPermissionError) {
    const what = err.privileges.length > 0 ? err.privileges.join(' or ') : 'a privilege';
    return fail(
      FailureType.Permission,
      `${err.message}: grant ${what}${err.aclPath ? ` on ${err.aclPath}` : ''} to the user or token`,
      err.privileges,
    );
  }
  if (err instanceof ProxmoxValidationError) {
    return fail(
      FailureType.Validation,
      err.message,
      Object.entries(err.parameterErrors).map(([k, v]) => `${k}: ${v}`),
    );
  }
  if (err instanceof ProxmoxNotFoundError) return fail(FailureType.NotFound, err.message);
  if (err instanceof ProxmoxAlreadyExistsError) return fail(FailureType.CheckFailed, err.message);
  if (err instanceof ProxmoxNotImplementedError) {
    return fail(FailureType.Version, `${err.message}: this Proxmox VE does not offer the call (too old, or not the API)`);
  }
  if (err instanceof ProxmoxTaskError) {
    return fail(err.retryable ? FailureType.Transient : FailureType.CheckFailed, err.message, err.logTail);
  }
  if (err instanceof ProxmoxNetworkError && !err.retryable) return fail(FailureType.CheckFailed, err.message);
  return fail(err.retryable ? FailureType.Transient : FailureType.CheckFailed, err.message);
}
