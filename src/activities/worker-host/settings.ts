// What the worker steps read: the ssh section of the config (with the optional fields nodeName, criSocket and
// apiServerEndpoint, defaulted here so a config without them works), and the join settings the proxmox-worker chart
// left in its ConfigMap.
import type { IntegrationConfig } from '../../config/schema';
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject } from '../../kubernetes/types';
import { CHART_RELEASES } from '../charts/chart-step';
import { checkFailed } from '../common/failures';
import { parseLabelList } from './label-list';

export const DEFAULT_CRI_SOCKET = 'unix:///var/run/containerd/containerd.sock';
export const DEFAULT_KUBERNETES_DIR = '/etc/kubernetes';
export const DEFAULT_KUBELET_DIR = '/var/lib/kubelet';

type SshSection = NonNullable<IntegrationConfig['ssh']>;

/** The ssh section with the fields the worker steps add to it. */
export interface WorkerSsh extends SshSection {
  nodeName: string;
  criSocket: string;
  /** HOST:PORT the host reaches the API server at, when it differs from what cluster-info or the kubeconfig say. */
  apiServerEndpoint?: string;
  /** Where kubeadm keeps the host's kubelet.conf and pki/ (kubeadm's own default /etc/kubernetes). */
  kubernetesDir: string;
  /** The kubelet's directory (config.yaml, kubeadm-flags.env, pki/). */
  kubeletDir: string;
}

interface SshExtras {
  nodeName?: string;
  criSocket?: string;
  apiServerEndpoint?: string;
  kubernetesDir?: string;
  kubeletDir?: string;
}

/** Node names are DNS subdomains; a Proxmox node name may carry capitals or underscores. */
export function nodeNameFromProxmoxNode(node: string): string {
  return node.toLowerCase().replace(/_/g, '-');
}

export function workerSsh(config: IntegrationConfig): WorkerSsh | undefined {
  if (!config.ssh) return undefined;
  const extras = config.ssh as SshSection & SshExtras;
  return {
    ...config.ssh,
    nodeName: extras.nodeName ?? nodeNameFromProxmoxNode(config.proxmox.node),
    criSocket: extras.criSocket ?? DEFAULT_CRI_SOCKET,
    kubernetesDir: extras.kubernetesDir ?? DEFAULT_KUBERNETES_DIR,
    kubeletDir: extras.kubeletDir ?? DEFAULT_KUBELET_DIR,
    ...(extras.apiServerEndpoint ? { apiServerEndpoint: extras.apiServerEndpoint } : {}),
  };
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface JoinSettings {
  configMap: string;
  /** Labels the kubelet sets at registration (--node-labels), topology included. */
  kubeletLabels: Record<string, string>;
  /** Labels the kubelet may not set on itself (NodeRestriction), applied through the API after the join. */
  apiLabels: Record<string, string>;
  taints: Taint[];
  tokenGroup: string;
  /** Extra kubelet flags (flag name without -- to value). */
  kubeletExtraArgs: Record<string, string>;
}

function parseJson<T>(text: string | undefined, fallback: T, what: string, where: string): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw checkFailed(`${where} key ${what} is not valid JSON; reinstall the proxmox-worker chart (step worker.chart)`);
  }
}

export async function readJoinSettings(client: KubeClient, config: IntegrationConfig): Promise<JoinSettings> {
  const { release, namespace } = CHART_RELEASES.worker;
  const name = `${release}-join`;
  const where = `ConfigMap ${namespace}/${name}`;
  const cm = await client.find<KubeObject & { data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'ConfigMap', name, namespace });
  if (!cm) throw checkFailed(`${where} with the join settings does not exist: install the proxmox-worker chart first (step worker.chart)`);
  const data = cm.data ?? {};
  const kubeletLabels = parseLabelList(data.kubeletNodeLabels ?? '');
  if (data.topologyRegion) kubeletLabels['topology.kubernetes.io/region'] = data.topologyRegion;
  kubeletLabels['topology.kubernetes.io/zone'] = data.topologyZone || config.proxmox.node;
  const apiLabels = parseJson<Record<string, string>>(data.apiNodeLabels, {}, 'apiNodeLabels', where);
  if (data.hostRoleLabel) apiLabels[data.hostRoleLabel] = '';
  return {
    configMap: where,
    kubeletLabels,
    apiLabels,
    taints: parseJson<Taint[]>(data.taints, [], 'taints', where),
    tokenGroup: data.tokenGroup || 'system:bootstrappers:kubeadm:default-node-token',
    kubeletExtraArgs: parseJson<Record<string, string>>(data.kubeletExtraArgs, {}, 'kubeletExtraArgs', where),
  };
}

export function describeTaint(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}
