// What the chart steps share: a helm client for the configured cluster with heartbeats while helm runs, the release
// marker that lets a compensation remove only a release this run created, and the outcome that reports what was
// installed.
import { cancellationSignal, heartbeat } from '../common/activity-context';
import { clientFactories } from '../common/clients';
import { waitUntil } from '../common/wait';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { chartPath, type ChartName } from '../../helm/charts';
import { HelmClient, type ReleaseInfo } from '../../helm/client';
import { releaseLabels } from '../../helm/release-labels';
import { toLabelValue } from '../../helm/arguments';
import { connect } from '../kubernetes/step-context';

/**
 * Where each chart is installed. `podSecurity`: the Pod Security level its namespace must allow. Talos enforces
 * `baseline` on every namespace without a level of its own, and the CSI node plugin is privileged (it mounts the
 * host's devices), so that namespace is labelled `privileged`, as CozyStack labels its own system namespaces.
 */
export const CHART_RELEASES = {
  capiProvider: { chart: 'cozy-capi-providers-proxmox', release: 'cozy-capi-providers-proxmox', namespace: 'cozy-cluster-api' },
  worker: { chart: 'proxmox-worker', release: 'proxmox-worker', namespace: 'cozy-proxmox' },
  csi: { chart: 'cozy-proxmox-csi-operator', release: 'cozy-proxmox-csi-operator', namespace: 'cozy-proxmox-csi', podSecurity: 'privileged' },
  // Its objects go to monitoring.namespace (the chart's namespaceOverride); helm's records stay here, so the worker
  // needs no right to the Secrets of the monitoring namespace.
  monitoring: { chart: 'cozy-proxmox-monitoring', release: 'cozy-proxmox-monitoring', namespace: 'cozy-proxmox' },
} as const satisfies Record<string, { chart: ChartName; release: string; namespace: string; podSecurity?: string }>;

export const POD_SECURITY_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

export type ChartRelease = (typeof CHART_RELEASES)[keyof typeof CHART_RELEASES];

/** Release label naming the workflow that first installed the release. */
export const CREATED_BY_LABEL = 'cozy-proxmox.created-by';

export function helmFor(input: StepInput, redact: string[] = []): HelmClient {
  return clientFactories().helm({
    kubeconfig: input.config.kubernetes.kubeconfig,
    context: input.config.kubernetes.context,
    redact,
    onHeartbeat: (what, elapsedMs) => heartbeat({ helm: what, elapsedMs }),
    signal: cancellationSignal(),
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
  if ('podSecurity' in target) {
    // Made (or labelled) before helm creates it bare: the DaemonSet's pods would be refused by Pod Security admission.
    const client = await connect(input);
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: target.namespace, labels: { [POD_SECURITY_ENFORCE_LABEL]: target.podSecurity } } }, { force: false });
  }
  const before = await settlePendingRelease(helm, target, plan.timeoutSeconds);
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

const PENDING = /^pending-(install|upgrade|rollback)$/;
// A helm that is alive ends its operation within its --timeout; a pending-* revision older than that (and this
// margin) was left by a helm that was killed, and stays pending for ever unless someone recovers it.
const STALE_MARGIN_SECONDS = 10;

/**
 * The release as it stands once no helm operation holds it. A release in pending-install/-upgrade/-rollback is
 * waited for while a live helm may still finish it; once that is impossible it is recovered: a first install that
 * never finished is uninstalled, an upgrade or rollback is rolled back to the last revision that was deployed.
 */
export async function settlePendingRelease(helm: HelmClient, target: { release: string; namespace: string }, helmTimeoutSeconds: number): Promise<ReleaseInfo | undefined> {
  const info = await helm.status(target.release, target.namespace);
  if (!info || !PENDING.test(info.status)) return info;
  const staleAfterMs = (helmTimeoutSeconds + STALE_MARGIN_SECONDS) * 1000;
  const { value: history } = await waitUntil(`release ${target.namespace}/${target.release} to leave ${info.status}`, async () => {
    const revisions = await helm.history(target.release, target.namespace);
    const last = revisions.at(-1);
    const stale = last !== undefined && PENDING.test(last.status) && Date.now() - last.updatedAt >= staleAfterMs;
    return { done: !last || !PENDING.test(last.status) || stale, value: revisions, seen: last ? `revision ${last.revision} ${last.status}` : 'no release' };
  }, { timeoutMs: staleAfterMs + 5000, intervalMs: 2000 });
  const last = history?.at(-1);
  if (last && PENDING.test(last.status)) {
    const good = [...(history ?? [])].reverse().find((r) => r.status === 'deployed' || r.status === 'superseded');
    heartbeat({ helm: `recovering ${target.release} from ${last.status} (revision ${last.revision})` });
    if (good) await helm.rollback(target.release, target.namespace, good.revision, helmTimeoutSeconds);
    else await helm.uninstall(target.release, target.namespace, helmTimeoutSeconds);
  }
  return helm.status(target.release, target.namespace);
}

/** Whether this workflow made the first revision of the release (its label survives upgrades). */
async function createdBy(input: StepInput, target: ChartRelease): Promise<boolean> {
  const labels = await releaseLabels(await connect(input), target.release, target.namespace);
  return labels?.[CREATED_BY_LABEL] === toLabelValue(input.workflowId);
}

export function installedOutcome(info: ReleaseInfo, created: boolean, message: string, details: string[], status: StepOutcome['status'] = 'passed'): StepOutcome {
  return {
    status,
    message,
    details: [
      `release ${info.namespace}/${info.name} revision ${info.revision} (${info.status}), chart ${info.chart} ${info.chartVersion}, app ${info.appVersion}`,
      ...details,
    ],
    metrics: { revision: info.revision },
    outputs: { release: info.name, namespace: info.namespace, revision: info.revision, chartVersion: info.chartVersion, appVersion: info.appVersion, created },
  };
}

/** Compensation: uninstalls the release, but only one this workflow installed; an absent release is fine. */
export async function uninstallIfOurs(input: StepInput, target: ChartRelease): Promise<void> {
  const helm = helmFor(input);
  const info = await helm.status(target.release, target.namespace);
  if (!info || !(await createdBy(input, target))) return;
  await helm.uninstall(target.release, target.namespace);
}
