// SSH to the Proxmox host: a pinned host key, key authentication, argv commands.
export { outputTail, SshClient, withSsh, type ExecOptions, type ExecResult, type SshConnectOptions } from './client';
export { SshAuthError, SshCommandTimeoutError, SshConnectionError, SshKeyError } from './errors';
export { openSshSha256Fingerprint, sameFingerprint } from './host-key-fingerprint';
export { SshHostKeyError } from './host-key-error';
export { shellCommandFromArgv, shellQuote } from './shell-quote';
export { publicKeyFingerprint } from './public-key';
