// The steps that install the project's charts. Pure data (workflow code imports it): activity names are strings,
// checked against the activity module at compile time only.
import type { ChartActivities } from '../activities/charts';
import type { IntegrationConfig } from '../config/schema';
import type { StepDefinition, StepRetry } from './types';
import { undo as undoOf } from './undo';

type ActivityName = keyof ChartActivities;

// An install meets a locked release or an unreachable cluster now and then: a few attempts, longer backoff.
const INSTALL_RETRY: StepRetry = { maximumAttempts: 4, initialIntervalSeconds: 10, backoffCoefficient: 2, maximumIntervalSeconds: 120 };

// helm uninstall --wait is given 300 s; the undo a minute more.
const UNINSTALL_SECONDS = 360;

function step(def: Omit<StepDefinition, 'activity' | 'retry' | 'compensation'> & { activity: ActivityName; undo: ActivityName }): StepDefinition {
  const { undo, ...rest } = def;
  return { retry: INSTALL_RETRY, ...rest, compensation: undoOf(undo, 'on-failure', UNINSTALL_SECONDS) };
}

export const CHART_STEPS: StepDefinition[] = [
  step({
    id: 'capi.provider-chart',
    phase: 'basic-integration',
    title: 'Install the cozy-capi-providers-proxmox chart (InfrastructureProvider, IPAM provider, credentials)',
    activity: 'chartsInstallCapiProvider',
    undo: 'chartsUninstallCapiProvider',
    // The provider gets the token: install it only once the token is known to authenticate with enough privileges.
    dependsOn: ['step1.token-privileges'],
    blocking: true,
    startToCloseSeconds: 300,
    component: 'Cluster API provider Proxmox',
  }),
  step({
    id: 'worker.chart',
    phase: 'advanced-integration',
    // Not counted as the plan's step4-worker by itself: a chart proves nothing about a joined host.
    title: 'Install the proxmox-worker chart (join settings, node bootstrap RBAC)',
    activity: 'chartsInstallWorker',
    undo: 'chartsUninstallWorker',
    blocking: true,
    startToCloseSeconds: 300,
  }),
  step({
    id: 'csi.chart',
    phase: 'advanced-integration',
    // Not counted as the plan's step5-csi by itself: a chart proves nothing about a bound volume.
    title: 'Install the cozy-proxmox-csi-operator chart (CSI driver, StorageClass)',
    activity: 'chartsInstallCsi',
    undo: 'chartsUninstallCsi',
    blocking: true,
    startToCloseSeconds: 600,
  }),
];

/** The chart steps of a run; every config installs all three. */
export function chartSteps(_config: Pick<IntegrationConfig, 'proxmox' | 'kubernetes'>): StepDefinition[] {
  return [...CHART_STEPS];
}
