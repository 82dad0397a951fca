// Checks a signed decision inside the workflow's update validators: deterministic (workflow time, no I/O), so any
// worker reaches the same verdict. Strict RFC 8032 verification (zip215 off): the signature OpenSSH makes.
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  DECISION_CLOCK_SKEW_MS,
  DECISION_VALIDITY_MS,
  decisionMessage,
  type DecisionScope,
  type DecisionSignature,
  type DecisionSubject,
} from './decision';
import type { DecisionTrust, TrustedApprover } from './trusted-approvers';

export interface DecisionCheck {
  trust: DecisionTrust;
  /** Nonces of the decisions this run accepted. */
  usedNonces: ReadonlySet<string>;
  /** Names the run's config allows (empty: any the worker trusts). */
  configApprovers: string[];
  now: number;
}

const HEX = (bytes: number) => new RegExp(`^[0-9a-f]{${bytes * 2}}$`);

/** Throws the reason a decision is refused; returns the approver whose key signed it (undefined: unsigned, allowed). */
export function checkDecision(
  check: DecisionCheck,
  scope: DecisionScope,
  subject: DecisionSubject,
  sig: DecisionSignature | undefined,
): TrustedApprover | undefined {
  if (!scope.by || scope.by.trim() === '') throw new Error('the approver is missing (--by)');
  const { trust, configApprovers } = check;
  if (configApprovers.length > 0 && !configApprovers.includes(scope.by)) {
    throw new Error(`${scope.by} is not an approver of this run (approvers: ${configApprovers.join(', ')})`);
  }
  if (!sig) {
    if (trust.mode === 'anyone') return undefined;
    throw new Error(
      `this run accepts only decisions signed by an approver the worker lists (${listed(trust)}): sign with --key`,
    );
  }
  if (!HEX(32).test(sig.publicKey ?? '') || !HEX(64).test(sig.signature ?? '') || !HEX(16).test(sig.nonce ?? '')) {
    throw new Error('the signature is malformed (publicKey 32, signature 64, nonce 16 bytes, as lower-case hex)');
  }
  const approver = trust.approvers.find((a) => a.publicKey === sig.publicKey);
  if (trust.mode === 'signed') {
    if (!approver) throw new Error(`the key ${sig.fingerprint} is not an approver's key (${listed(trust)})`);
    if (approver.name !== scope.by) {
      throw new Error(`the key ${approver.fingerprint} is ${approver.name}'s, but the decision names ${scope.by}`);
    }
  }
  const age = check.now - sig.signedAt;
  if (!Number.isFinite(age) || age > DECISION_VALIDITY_MS) {
    throw new Error(`the signed decision expired: signed ${Math.round(age / 1000)} s ago, valid for ${DECISION_VALIDITY_MS / 1000} s`);
  }
  if (age < -DECISION_CLOCK_SKEW_MS) throw new Error(`the decision is signed ${Math.round(-age / 1000)} s in the future: check the signer's clock`);
  if (check.usedNonces.has(sig.nonce)) throw new Error(`this signed decision was already used (nonce ${sig.nonce}): sign a new one`);
  const message = utf8ToBytes(decisionMessage(scope, subject, sig.signedAt, sig.nonce));
  let valid = false;
  try {
    valid = ed25519.verify(hexToBytes(sig.signature), message, hexToBytes(sig.publicKey), { zip215: false });
  } catch {
    valid = false; // a public key that is no curve point
  }
  if (!valid) throw new Error('the signature does not match the decision: another run, phase, action or text than was signed, or another key');
  return approver ?? { name: scope.by, publicKey: sig.publicKey, fingerprint: keyFingerprint(trust, sig.publicKey) };
}

/**
 * How a decision's key is shown: the fingerprint the worker's policy lists for it, else (open gates: a signature
 * still proves which key decided, but the fingerprint the signer claims is no proof) the start of the key itself.
 */
export function keyFingerprint(trust: DecisionTrust | undefined, publicKey: string): string {
  return trust?.approvers.find((a) => a.publicKey === publicKey)?.fingerprint ?? `unlisted ed25519 key ${publicKey.slice(0, 16)}…`;
}

function listed(trust: DecisionTrust): string {
  return trust.approvers.length === 0 ? 'none listed' : trust.approvers.map((a) => `${a.name} ${a.fingerprint}`).join(', ');
}
