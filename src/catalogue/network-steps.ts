// The plan's step6 (network policies) in phase 4: the CNIs ready, then NetworkPolicies proven enforced (or, without
// pod exec, created and read back and reported as not verified). Pure data (workflow code imports it): activity
// names are strings, checked against the activity module at compile time only.
import type { NetworkActivities } from '../activities/network';
import type { IntegrationConfig } from '../config/schema';
import type { StepDefinition, StepRetry } from './types';
import { undo } from './undo';

type ActivityName = keyof NetworkActivities;

const CHECK_RETRY: StepRetry = { maximumAttempts: 4, initialIntervalSeconds: 2, backoffCoefficient: 2, maximumIntervalSeconds: 30 };
// The probes wait on pods starting and on the CNI programming each policy: few attempts, each allowed minutes.
const PROBE_RETRY: StepRetry = { maximumAttempts: 3, initialIntervalSeconds: 10, backoffCoefficient: 2, maximumIntervalSeconds: 60 };

function step(def: Omit<StepDefinition, 'activity' | 'phase' | 'group' | 'compensation'> & { activity: ActivityName; undo?: ActivityName }): StepDefinition {
  // The objects' deletion is waited for up to 90 s.
  const { undo: undoActivity, ...rest } = def;
  return {
    phase: 'monitoring-security',
    group: 'step6-network-policies',
    component: 'Network policies (Cilium, Kube-OVN)',
    ...rest,
    ...(undoActivity ? { compensation: undo(undoActivity, 'always', 180) } : {}),
  };
}

export const NETWORK_STEPS: StepDefinition[] = [
  step({
    id: 'step6.cni-ready',
    title: 'Cilium and Kube-OVN ready (HelmReleases, agents and controllers)',
    activity: 'networkCniReady',
    blocking: true,
    startToCloseSeconds: 120,
    retry: CHECK_RETRY,
  }),
  step({
    id: 'step6.policies',
    title: 'Pod-to-pod traffic works, a default-deny policy blocks it, an allow rule passes, tenants are isolated',
    activity: 'networkPolicies',
    dependsOn: ['step6.cni-ready'],
    blocking: true,
    // Pods start (up to 3 min), then 5 probes of up to 20 s each.
    startToCloseSeconds: 420,
    retry: PROBE_RETRY,
    // The pods, the policies and the second tenant's namespace go at the end (unless keepTestResources).
    undo: 'networkDeletePolicyTest',
  }),
];

/** The step6 steps of a run: every config checks the network policies. */
export function networkSteps(_config: Pick<IntegrationConfig, 'kubernetes'>): StepDefinition[] {
  return [...NETWORK_STEPS];
}
