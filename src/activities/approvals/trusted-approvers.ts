// The `trustedApprovers` activity: whom the worker's policy lets decide, with each key's fingerprint. Public
// keys only: nothing secret enters the history with it. Made per worker with that worker's policy, so two workers
// in one process (tests, the demo) each answer with their own.
import { parsePublicKeyLine } from '../../approvals/public-key';
import { TRUST_ANYONE, type DecisionTrust } from '../../approvals/trusted-approvers';
import type { WorkerPolicy } from '../../worker-policy/schema';

export function trustedApproversOf(policy: WorkerPolicy | undefined): DecisionTrust {
  const source = policy?.source ?? 'no worker policy';
  const listed = policy?.approvers ?? [];
  if (listed.length === 0) return { ...TRUST_ANYONE, source };
  const approvers = listed.map(({ name, key }) => {
    const parsed = parsePublicKeyLine(key);
    // The policy's schema checked every line when the worker started: a bad one here is a defect, not input.
    if (typeof parsed === 'string') throw new Error(`approver ${name}'s key ${parsed}`);
    return { name, ...parsed };
  });
  return { mode: 'signed', approvers, source };
}

/** The activities the workflow's decisions need, for a worker with `policy`. */
export function approvalActivities(policy: WorkerPolicy | undefined): { trustedApprovers(): Promise<DecisionTrust> } {
  return { trustedApprovers: async () => trustedApproversOf(policy) };
}
