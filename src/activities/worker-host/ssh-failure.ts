// Maps SSH errors to the failure classification: a changed host key or a refused key will not change on another
// attempt (non-retryable, with what to check); a refused or dropped connection may (retryable).
import type { ApplicationFailure } from '@temporalio/common';
import { SshAuthError, SshKeyError } from '../../ssh/errors';
import { SshHostKeyError } from '../../ssh/host-key-error';
import { fail, FailureType } from '../common/failures';

export function hostKeyFailure(error: SshHostKeyError): ApplicationFailure {
  return fail(FailureType.Permission, error.message, [
    `offered: ${error.offeredFingerprint}`,
    `configured: ${error.configuredFingerprint}`,
  ]);
}

/** Maps an SSH error to the activity failure classification; anything unknown stays retryable. */
export function sshErrorToFailure(err: unknown, what?: string): ApplicationFailure {
  const said = (message: string) => (what ? `${what}: ${message}` : message);
  if (err instanceof SshHostKeyError) return hostKeyFailure(err);
  if (err instanceof SshAuthError) return fail(FailureType.Auth, said(err.message));
  if (err instanceof SshKeyError) return fail(FailureType.Validation, said(err.message));
  const message = err instanceof Error ? err.message : String(err);
  return fail(FailureType.Transient, said(message));
}
