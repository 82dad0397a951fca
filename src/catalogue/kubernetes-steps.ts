// The Kubernetes steps of phase 1 (preparation). Pure data (workflow code imports it): activity names are strings,
// checked against the activity module at compile time only.
import type { KubernetesActivities } from '../activities/kubernetes';
import type { IntegrationConfig } from '../config/schema';
import type { StepDefinition, StepRetry } from './types';
import { undo } from './undo';

type ActivityName = keyof KubernetesActivities;

// Checks read a few objects: transient failures clear within seconds, so few attempts with a short backoff.
const CHECK_RETRY: StepRetry = { maximumAttempts: 5, initialIntervalSeconds: 2, backoffCoefficient: 2, maximumIntervalSeconds: 30 };

function step(def: Omit<StepDefinition, 'activity' | 'retry' | 'startToCloseSeconds' | 'phase'> & {
  activity: ActivityName;
  retry?: StepRetry;
  startToCloseSeconds?: number;
}): StepDefinition {
  return { phase: 'preparation', retry: CHECK_RETRY, startToCloseSeconds: 60, ...def };
}

const VERSION = 'kubernetes.version';

export const KUBERNETES_PREPARATION_STEPS: StepDefinition[] = [
  step({ id: VERSION, title: 'Kubernetes version is supported', activity: 'kubernetesVersion', blocking: true }),
  step({
    id: 'kubernetes.cozystack',
    title: 'CozyStack components present and Ready',
    activity: 'kubernetesCozystack',
    dependsOn: [VERSION],
    blocking: true,
  }),
  step({
    id: 'kubernetes.capi-operator',
    title: 'cluster-api-operator installed with a Ready CoreProvider',
    activity: 'kubernetesCapiOperator',
    dependsOn: [VERSION],
    blocking: true,
    // Waits up to 30 s for a CoreProvider that is still installing, heartbeating meanwhile.
    startToCloseSeconds: 90,
  }),
  step({
    id: 'kubernetes.ipam',
    title: 'IPAM provider present (CAPMOX has no DHCP)',
    activity: 'kubernetesIpam',
    dependsOn: [VERSION],
    blocking: true,
  }),
  step({
    id: 'kubernetes.api-latency',
    title: 'Kubernetes API reachable, latency under the threshold',
    activity: 'kubernetesApiLatency',
    blocking: false,
    startToCloseSeconds: 120,
  }),
  step({
    id: 'kubernetes.test-namespace',
    title: 'Test namespace exists',
    activity: 'kubernetesTestNamespace',
    dependsOn: [VERSION],
    blocking: true,
    // Removed at the end of the run (unless keepTestResources), and only when this run created it.
    // The namespace's deletion is waited for up to 120 s.
    compensation: undo('kubernetesDeleteTestNamespace', 'always', 180),
  }),
];

/** Every Kubernetes step the catalogue knows (for lookups by ID). */
export const ALL_KUBERNETES_STEPS: StepDefinition[] = [...KUBERNETES_PREPARATION_STEPS];

/** The Kubernetes steps of the plan for this config (every run checks the same cluster prerequisites). */
export function kubernetesSteps(config: Pick<IntegrationConfig, 'kubernetes'>): StepDefinition[] {
  void config;
  return [...KUBERNETES_PREPARATION_STEPS];
}
