import { createHash } from 'node:crypto';

// The OpenSSH form that `ssh-keygen -lf` prints: SHA256 of the raw public key blob, base64 without padding.
export function openSshSha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

// Config may carry the trailing '=' some tools print; both spellings name the same key.
export function sameFingerprint(a: string, b: string): boolean {
  return a.replace(/=+$/, '') === b.replace(/=+$/, '');
}
