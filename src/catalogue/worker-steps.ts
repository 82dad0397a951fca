// The step4 worker steps: the Proxmox host joined as a Kubernetes worker over SSH. Pure data (workflow code imports
// it): activity names are strings, checked against the activity module at compile time only.
import type { WorkerHostActivities } from '../activities/worker-host';
import type { IntegrationConfig } from '../config/schema';
import type { Compensation, StepDefinition, StepRetry } from './types';
import { undo } from './undo';

type ActivityName = keyof WorkerHostActivities;

// SSH and API hiccups clear within seconds; a failed check or a refused key is non-retryable anyway.
const HOST_RETRY: StepRetry = { maximumAttempts: 4, initialIntervalSeconds: 5, backoffCoefficient: 2, maximumIntervalSeconds: 60 };

function step(def: Omit<StepDefinition, 'activity' | 'phase' | 'group' | 'retry' | 'compensation'> & {
  activity: ActivityName;
  compensation?: Compensation & { activity: ActivityName };
}): StepDefinition {
  return { phase: 'advanced-integration', group: 'step4-worker', retry: HOST_RETRY, ...def };
}

export const WORKER_PREFLIGHT_STEP = 'step4.host-preflight';
export const WORKER_JOIN_STEP = 'step4.join';
export const WORKER_NODE_READY_STEP = 'step4.node-ready';

export const WORKER_STEPS: StepDefinition[] = [
  step({
    id: WORKER_PREFLIGHT_STEP,
    title: 'Proxmox host reachable over SSH (pinned host key) and ready for kubeadm join',
    activity: 'workerHostPreflight',
    dependsOn: ['worker.chart'],
    blocking: true,
    startToCloseSeconds: 120,
  }),
  step({
    id: WORKER_JOIN_STEP,
    title: 'Join the Proxmox host with kubeadm join (bootstrap token, CA hash)',
    activity: 'workerHostJoin',
    dependsOn: [WORKER_PREFLIGHT_STEP],
    blocking: true,
    // kubeadm join itself may take minutes (discovery, TLS bootstrap), plus waiting for the node to register.
    startToCloseSeconds: 600,
    compensation: undo('workerHostReset', 'on-failure', 300),
    component: 'Proxmox host as Kubernetes worker',
  }),
  step({
    id: WORKER_NODE_READY_STEP,
    title: 'Joined node Ready with its labels, taints and resources; a pinned pod runs',
    activity: 'workerHostNodeReady',
    dependsOn: [WORKER_JOIN_STEP],
    blocking: true,
    startToCloseSeconds: 360,
  }),
];

/** The worker steps of a run: all three; without config.ssh each reports itself skipped with the reason. */
export function workerSteps(_config: Pick<IntegrationConfig, 'ssh'>): StepDefinition[] {
  return [...WORKER_STEPS];
}
