// OpenSSH ed25519 public keys as the worker's policy lists them and as signing keys carry them: the 32 key bytes
// and the fingerprint `ssh-keygen -l` shows. Node only (Buffer, crypto); the workflow gets the results as hex.
import { createHash } from 'node:crypto';

/** An ed25519 key from its OpenSSH wire blob: string "ssh-ed25519", then the 32-byte key, each length-prefixed. */
export function ed25519FromBlob(blob: Buffer): Buffer | undefined {
  const typeLen = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (typeLen !== 11 || blob.subarray(4, 15).toString('latin1') !== 'ssh-ed25519') return undefined;
  if (blob.length !== 15 + 4 + 32 || blob.readUInt32BE(15) !== 32) return undefined;
  return blob.subarray(19);
}

/** What `ssh-keygen -lf` prints for the key: SHA256 of its wire blob, base64 without padding. */
export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A public key line (`ssh-ed25519 AAAA... comment`) as the worker's policy lists it. */
export function parsePublicKeyLine(line: string): { publicKey: string; fingerprint: string } | string {
  if (/[\r\n]/.test(line.trim())) return 'must be one line';
  const [type, b64] = line.trim().split(/\s+/);
  if (type !== 'ssh-ed25519' || !b64) return 'must be an OpenSSH ed25519 public key line: ssh-ed25519 AAAA... [comment]';
  const blob = Buffer.from(b64, 'base64');
  const raw = ed25519FromBlob(blob);
  if (!raw || blob.toString('base64').replace(/=+$/, '') !== b64.replace(/=+$/, '')) return 'is not a valid ssh-ed25519 key (its base64 part does not decode to one)';
  return { publicKey: raw.toString('hex'), fingerprint: sshFingerprint(blob) };
}
