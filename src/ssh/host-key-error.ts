
// Raised when the server's host key is not the pinned one. Another attempt would meet the same key, and trusting it
// blindly would hand root on the Proxmox host to whoever answers, so the step layer ends it as a non-retryable PermissionError.
export class SshHostKeyError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly offeredFingerprint: string,
    readonly configuredFingerprint: string,
  ) {
    super(
      `SSH host key of ${host}:${port} is ${offeredFingerprint}, but ssh.hostKeyFingerprint is ` +
        `${configuredFingerprint}; verify it on the host with ` +
        '`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` and set ssh.hostKeyFingerprint to what it prints',
    );
    this.name = 'SshHostKeyError';
  }
}
