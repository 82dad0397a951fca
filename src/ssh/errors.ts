// What can go wrong on an SSH connection, as errors the step layer classifies: a refused or dropped connection may
// clear on another attempt (transient); a rejected key or an unusable key file will not (non-retryable).
import type { ApplicationFailure } from '@temporalio/common';
import { fail, FailureType } from '../activities/common/failures';
import { hostKeyFailure, SshHostKeyError } from './host-key-error';

/** The TCP connection or the SSH handshake failed, or the connection dropped: another attempt may succeed. */
export class SshConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshConnectionError';
  }
}

/** The server refused every key offered for the user. */
export class SshAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshAuthError';
  }
}

/** The private key could not be read or parsed (the message never carries the key itself). */
export class SshKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshKeyError';
  }
}

/** A remote command ran longer than its limit; the channel was closed. */
export class SshCommandTimeoutError extends Error {
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
    readonly stderrTail: string,
  ) {
    super(`\`${command}\` did not finish within ${Math.round(timeoutMs / 1000)} s${stderrTail ? `; last stderr: ${stderrTail}` : ''}`);
    this.name = 'SshCommandTimeoutError';
  }
}

/** Maps an SSH error to the activity failure classification; anything unknown stays retryable. */
export function sshErrorToFailure(err: unknown, what: string): ApplicationFailure {
  if (err instanceof SshHostKeyError) return hostKeyFailure(err);
  if (err instanceof SshAuthError) return fail(FailureType.Auth, `${what}: ${err.message}`);
  if (err instanceof SshKeyError) return fail(FailureType.Validation, `${what}: ${err.message}`);
  const message = err instanceof Error ? err.message : String(err);
  return fail(FailureType.Transient, `${what}: ${message}`);
}
