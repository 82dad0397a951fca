// What an approver signs: one decision (approve or reject a phase's gate, resolve a blocked step) on one run, at one
// time, with a nonce. Pure: the workflow verifies with it, the CLI signs with it.
import type { PhaseId } from '../catalogue/phases';
import type { ResolveAction } from '../report/progress';

/** The signature an approver attaches to a request. Hex, so the workflow needs no base64 (it has no Buffer). */
export interface DecisionSignature {
  /** The approver's ed25519 public key: its 32 bytes as hex. */
  publicKey: string;
  /** The key's OpenSSH fingerprint as the signer computed it (SHA256:...): shown in errors, never trusted. */
  fingerprint: string;
  /** When it was signed, ms since the epoch: a decision is valid for DECISION_VALIDITY_MS. */
  signedAt: number;
  /** 16 random bytes as hex: a decision is accepted once. */
  nonce: string;
  /** The ed25519 signature of decisionMessage(), hex. */
  signature: string;
}

/** What the signature covers besides its own time and nonce. */
export type DecisionSubject =
  | { action: 'approve'; phase: PhaseId; comment?: string }
  | { action: 'reject'; phase: PhaseId; reason: string }
  | { action: 'resolve'; step: string; resolution: ResolveAction; comment?: string };

export interface DecisionScope {
  workflowId: string;
  runId: string;
  by: string;
}

/** How long a signed decision may take to reach the workflow, and how far the signer's clock may run ahead. */
export const DECISION_VALIDITY_MS = 5 * 60_000;
export const DECISION_CLOCK_SKEW_MS = 60_000;

/**
 * The bytes signed, as text: one field a line, every field named, free text last and JSON-quoted so that no value
 * can pass for another field. A change here is a new version line: old signatures must not verify as new ones.
 */
export function decisionMessage(scope: DecisionScope, subject: DecisionSubject, signedAt: number, nonce: string): string {
  const target = subject.action === 'resolve' ? `step:${subject.step}` : `phase:${subject.phase}`;
  const action = subject.action === 'resolve' ? `resolve:${subject.resolution}` : subject.action;
  const text = subject.action === 'reject' ? subject.reason : subject.comment;
  return [
    'cozy-proxmox decision v1',
    `workflow: ${scope.workflowId}`,
    `run: ${scope.runId}`,
    `action: ${action}`,
    `target: ${target}`,
    `by: ${scope.by}`,
    `signed-at: ${signedAt}`,
    `nonce: ${nonce}`,
    `text: ${JSON.stringify(text ?? '')}`,
  ].join('\n');
}
