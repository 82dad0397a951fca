// Reads whom the worker trusts to decide: the policy is the worker's (its file, not the run's input), and the answer
// is recorded in the history, so a replay sees what the run saw. An activity rather than a local one for the reason
// planRun is (step-activities.ts): its completion starts a workflow task of its own, which keeps the `patched()`
// calls after it in the same task on replay. Retried for a while: a worker of an earlier release does not have it.
import { proxyActivities } from '@temporalio/workflow';
import type { DecisionTrust } from '../approvals/trusted-approvers';

export const { trustedApprovers } = proxyActivities<{ trustedApprovers(): Promise<DecisionTrust> }>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 20, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  summary: 'read the approvers the worker policy lists',
});
