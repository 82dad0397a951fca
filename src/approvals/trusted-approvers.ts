// The approvers a run trusts, as the worker's policy lists them. Pure types: the workflow records them when a gate
// opens or a step blocks (a local activity reads the policy), so every decision is checked against what the worker
// trusted at that moment, and replays see the same list.

export interface TrustedApprover {
  name: string;
  /** The ed25519 public key, 32 bytes as hex. */
  publicKey: string;
  /** OpenSSH fingerprint, SHA256:... (what `ssh-keygen -lf key.pub` prints). */
  fingerprint: string;
}

export interface DecisionTrust {
  /** `signed`: only decisions signed by a listed key pass. `anyone`: the worker lists no approvers. */
  mode: 'signed' | 'anyone';
  approvers: TrustedApprover[];
  /** Where the list came from (the worker's policy file), for status and the report. */
  source: string;
}

export const TRUST_ANYONE: DecisionTrust = { mode: 'anyone', approvers: [], source: 'none' };
