// What the chart steps share: a helm client for the configured cluster with heartbeats while helm runs, the release
// marker that lets a compensation remove only a release this run created, and the outcome that reports what was
// installed.
import { heartbeat } from '../common/activity-context';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { chartPath, HelmClient, releaseLabels, toLabelValue, type ChartName, type ReleaseInfo } from '../../helm';

/** Where each chart is installed. */
export const CHART_RELEASES = {
  capiProvider: { chart: 'cozy-capi-providers-proxmox', release: 'cozy-capi-providers-proxmox', namespace: 'cozy-cluster-api' },
  worker: { chart: 'proxmox-worker', release: 'proxmox-worker', namespace: 'cozy-proxmox' },
  csi: { chart: 'cozy-proxmox-csi-operator', release: 'cozy-proxmox-csi-operator', namespace: 'cozy-proxmox-csi' },
} as const satisfies Record<string, { chart: ChartName; release: string; namespace: string }>;

export type ChartRelease = (typeof CHART_RELEASES)[keyof typeof CHART_RELEASES];

/** Release label naming the workflow that first installed the release. */
export const CREATED_BY_LABEL = 'cozy-proxmox.created-by';

export function helmFor(input: StepInput, redact: string[] = []): HelmClient {
  return new HelmClient({
    kubeconfig: input.config.kubernetes.kubeconfig,
    context: input.config.kubernetes.context,
    redact,
    onHeartbeat: (what, elapsedMs) => heartbeat({ helm: what, elapsedMs }),
  });
}

export interface InstallPlan {
  target: ChartRelease;
  values: Record<string, unknown>;
  /** helm --wait --atomic: only where controllers can make the chart's workloads ready. */
  wait: boolean;
  timeoutSeconds: number;
  /** Details that say what was and was not waited for. */
  notes: string[];
}

/** upgrade --install of one chart; a first install is labelled with the workflow so the compensation knows it. */
export async function installChart(input: StepInput, helm: HelmClient, plan: InstallPlan): Promise<{ info: ReleaseInfo; created: boolean }> {
  const { target } = plan;
  const before = await helm.status(target.release, target.namespace);
  const info = await helm.upgradeInstall({
    release: target.release,
    chart: chartPath(target.chart),
    namespace: target.namespace,
    values: plan.values,
    wait: plan.wait,
    // A failed install leaves nothing behind and a failed upgrade goes back to the last good revision.
    atomic: true,
    timeoutSeconds: plan.timeoutSeconds,
    labels: before ? {} : { [CREATED_BY_LABEL]: toLabelValue(input.workflowId) },
  });
  return { info, created: await createdBy(input, target) };
}

/** Whether this workflow made the first revision of the release (its label survives upgrades). */
async function createdBy(input: StepInput, target: ChartRelease): Promise<boolean> {
  const { kubeconfig, context } = input.config.kubernetes;
  const labels = await releaseLabels({ kubeconfig, context }, target.release, target.namespace);
  return labels?.[CREATED_BY_LABEL] === toLabelValue(input.workflowId);
}

export function installedOutcome(input: StepInput, info: ReleaseInfo, created: boolean, message: string, details: string[], status: StepOutcome['status'] = 'passed'): StepOutcome {
  return {
    status,
    message,
    details: [
      `release ${info.namespace}/${info.name} revision ${info.revision} (${info.status}), chart ${info.chart} ${info.chartVersion}, app ${info.appVersion}`,
      ...details,
    ],
    metrics: { revision: info.revision },
    outputs: { release: info.name, namespace: info.namespace, revision: info.revision, chartVersion: info.chartVersion, appVersion: info.appVersion, created },
    simulated: input.config.sandbox,
  };
}

/** Compensation: uninstalls the release, but only one this workflow installed; an absent release is fine. */
export async function uninstallIfOurs(input: StepInput, target: ChartRelease): Promise<void> {
  const helm = helmFor(input);
  const info = await helm.status(target.release, target.namespace);
  if (!info || !(await createdBy(input, target))) return;
  await helm.uninstall(target.release, target.namespace);
}
