// What can go wrong on an SSH connection, as errors the step layer classifies (activities/worker-host/ssh-failure): a refused or dropped connection may
// clear on another attempt (transient); a rejected key or an unusable key file will not (non-retryable).

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
