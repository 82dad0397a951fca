// Signing a decision on the operator's side (CLI, or any client): an OpenSSH ed25519 private key, the kind operators
// already hold (`ssh-keygen -t ed25519`) or one `cozy-proxmox key create` makes. Node only: never imported by workflows.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { utils, type ParsedKey } from 'ssh2';
import { decisionMessage, type DecisionScope, type DecisionSignature, type DecisionSubject } from './decision';
import { ed25519FromBlob, sshFingerprint } from './public-key';

export class SigningKeyError extends Error {}

export interface SigningKey {
  path: string;
  /** 32-byte ed25519 public key, hex. */
  publicKey: string;
  fingerprint: string;
  sign(data: Buffer): Buffer;
}

export function loadSigningKey(path: string, passphrase?: string): SigningKey {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (err) {
    throw new SigningKeyError(`cannot read the signing key ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const parsed = utils.parseKey(text, passphrase);
  if (parsed instanceof Error) {
    const hint = /encrypted|passphrase/i.test(parsed.message) ? ' (an encrypted key needs COZY_PROXMOX_SIGNING_KEY_PASSPHRASE)' : '';
    throw new SigningKeyError(`the signing key ${path} cannot be read: ${parsed.message}${hint}`);
  }
  const key = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey;
  if (key.type !== 'ssh-ed25519' || !key.isPrivateKey()) {
    throw new SigningKeyError(`the signing key ${path} must be an ed25519 private key (it is ${key.isPrivateKey() ? key.type : 'a public key'})`);
  }
  const blob = key.getPublicSSH();
  const raw = ed25519FromBlob(blob);
  if (!raw) throw new SigningKeyError(`the signing key ${path} has no valid ed25519 public part`);
  return { path, publicKey: raw.toString('hex'), fingerprint: sshFingerprint(blob), sign: (data) => key.sign(data) };
}

export function signDecision(key: SigningKey, scope: DecisionScope, subject: DecisionSubject, now = Date.now()): DecisionSignature {
  const nonce = randomBytes(16).toString('hex');
  const message = decisionMessage(scope, subject, now, nonce);
  return {
    publicKey: key.publicKey,
    fingerprint: key.fingerprint,
    signedAt: now,
    nonce,
    signature: key.sign(Buffer.from(message, 'utf8')).toString('hex'),
  };
}
