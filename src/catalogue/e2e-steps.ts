// The plan's step8 (end to end) in phase 4: a workload with persistent storage on Proxmox-backed nodes, the
// performance benchmark, and a VM restart that recovers. Pure data (workflow code imports it): activity names are
// strings, checked against the activity module at compile time only.
import type { E2eActivities } from '../activities/e2e';
import type { IntegrationConfig } from '../config/schema';
import type { StepDefinition, StepRetry } from './types';
import { undo } from './undo';

type ActivityName = keyof E2eActivities;

// Each attempt waits minutes on the scheduler, the CSI driver or a VM: few attempts, a longer backoff.
const E2E_RETRY: StepRetry = { maximumAttempts: 3, initialIntervalSeconds: 10, backoffCoefficient: 2, maximumIntervalSeconds: 60 };

function step(def: Omit<StepDefinition, 'activity' | 'phase' | 'group' | 'retry' | 'compensation'> & { activity: ActivityName; undo?: ActivityName }): StepDefinition {
  // The objects' deletion is waited for up to 120 s.
  const { undo: undoActivity, ...rest } = def;
  return {
    phase: 'monitoring-security',
    group: 'step8-e2e',
    retry: E2E_RETRY,
    ...rest,
    ...(undoActivity ? { compensation: undo(undoActivity, 'always', 240) } : {}),
  };
}

const NETWORK_AND_MONITORING = ['step6.cni-ready', 'step6.policies', 'step7.prometheus-targets', 'step7.pve-metrics', 'step7.grafana-dashboards'];

export const E2E_STEPS: StepDefinition[] = [
  step({
    id: 'step8.workload',
    title: 'A workload with a Proxmox CSI volume runs on a Proxmox-backed node',
    activity: 'e2eWorkload',
    // After the network and monitoring checks: the reliability check restarts a node, which they must not see.
    dependsOn: [...NETWORK_AND_MONITORING],
    blocking: true,
    startToCloseSeconds: 420,
    // The workload, its claim and the benchmark's leftovers go at the end (unless keepTestResources).
    undo: 'e2eDeleteTestResources',
  }),
  step({
    id: 'step8.benchmark',
    title: 'Benchmark: VM clone time, PVC provision time, Proxmox and Kubernetes API latency',
    activity: 'e2eBenchmark',
    dependsOn: [...NETWORK_AND_MONITORING],
    blocking: false,
    startToCloseSeconds: 1200,
    undo: 'e2eDeleteTestResources',
  }),
  step({
    id: 'step8.reliability',
    title: 'Restarting the VM behind the workload\'s node: node NotReady, then Ready, workload Ready again',
    activity: 'e2eReliability',
    // Not while the benchmark clones and provisions: the figures would measure the restart too.
    dependsOn: ['step8.workload', 'step8.benchmark'],
    blocking: true,
    startToCloseSeconds: 900,
  }),
];

/** The step8 steps of a run: every config runs the end-to-end checks. */
export function e2eSteps(_config: Pick<IntegrationConfig, 'kubernetes'>): StepDefinition[] {
  return [...E2E_STEPS];
}
