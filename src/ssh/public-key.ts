// The fingerprint of a public key line as found in *.pub files and authorized_keys ("ssh-ed25519 AAAA... comment").
import { openSshSha256Fingerprint } from './host-key-fingerprint';

export function publicKeyFingerprint(publicKeyLine: string): string {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (!blob) throw new Error('not an OpenSSH public key line (expected "TYPE BASE64 [comment]")');
  return openSshSha256Fingerprint(Buffer.from(blob, 'base64'));
}
