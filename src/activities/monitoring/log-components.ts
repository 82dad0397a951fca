// The integration's programs whose logs step7.logs looks for, each by the Deployment that runs it. CozyStack's
// fluent-bit names a container's log by kubernetes_namespace_name and kubernetes_pod_name; a Deployment's pods are
// named <deployment>-<ReplicaSet hash>-<suffix>.
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

/** LogsQL selecting the component's container logs over the window ("1h"). */
export function componentFilter(c: LogComponent, window: string): string {
  const pods = `^${escapeRegex(c.deployment)}-[a-z0-9]+-[a-z0-9]+$`;
  return `_time:${window} kubernetes_namespace_name:=${quote(c.namespace)} kubernetes_pod_name:~${quote(pods)}`;
}
