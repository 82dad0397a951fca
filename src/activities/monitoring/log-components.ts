// The integration's programs whose logs step7.logs looks for, each by the Deployment that runs it. A container's
// lines carry its namespace and pod by the collector's names for them: CozyStack's fluent-bit (its kubernetes
// filter, flattened) writes kubernetes_namespace_name and kubernetes_pod_name, VictoriaLogs' own vlagent
// kubernetes.pod_namespace and kubernetes.pod_name. A Deployment's pods are named <deployment>-<ReplicaSet hash>-<suffix>.
import type { IntegrationConfig } from '../../config/schema';
import { CHART_RELEASES } from '../charts/chart-step';

export interface LogComponent {
  name: string;
  namespace: string;
  deployment: string;
}

export function logComponents(config: IntegrationConfig): LogComponent[] {
  return [
    // cluster-api-operator deploys the provider's components into the provider's namespace under their own names.
    { name: 'CAPMOX (Cluster API provider Proxmox)', namespace: CHART_RELEASES.capiProvider.namespace, deployment: 'capmox-controller-manager' },
    { name: 'Proxmox CSI controller', namespace: CHART_RELEASES.csi.namespace, deployment: `${CHART_RELEASES.csi.release}-controller` },
    { name: 'prometheus-pve-exporter', namespace: config.monitoring.namespace, deployment: `${CHART_RELEASES.monitoring.release}-pve-exporter` },
    // Where runbooks/installation.md installs the worker chart; a worker outside the cluster logs elsewhere.
    { name: 'cozy-proxmox worker', namespace: 'cozy-proxmox', deployment: 'cozy-proxmox-worker' },
  ];
}

const quote = (s: string) => JSON.stringify(s);
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The fields naming a line's namespace and pod, per collector. */
const COLLECTOR_FIELDS = [
  { namespace: 'kubernetes_namespace_name', pod: 'kubernetes_pod_name' },
  { namespace: 'kubernetes.pod_namespace', pod: 'kubernetes.pod_name' },
];

/** LogsQL selecting the component's container logs over the window ("1h"), whichever collector shipped them. */
export function componentFilter(c: LogComponent, window: string): string {
  const pods = `^${escapeRegex(c.deployment)}-[a-z0-9]+-[a-z0-9]+$`;
  const either = COLLECTOR_FIELDS.map((f) => `(${f.namespace}:=${quote(c.namespace)} ${f.pod}:~${quote(pods)})`).join(' or ');
  return `_time:${window} (${either})`;
}

/** The pod a log line came from, whichever collector named it. */
export function podOfLine(line: Record<string, string> | undefined): string | undefined {
  return COLLECTOR_FIELDS.map((f) => line?.[f.pod]).find(Boolean);
}
