// The JoinConfiguration handed to `kubeadm join --config /dev/stdin`: the token travels on the command's standard
// input, not in its argv (which `ps` on the host shows to every user), and the labels and taints from the chart
// reach the kubelet the way kubeadm passes them (node-labels, nodeRegistration.taints).
import { stringify } from 'yaml';
import type { Taint } from './settings';

export interface JoinConfigurationInput {
  kubeadmVersion: string;
  endpoint: string;
  token: string;
  caCertHash: string;
  nodeName: string;
  criSocket: string;
  labels: Record<string, string>;
  taints: Taint[];
  /** Extra kubelet flags from the chart (name without -- to value). */
  extraArgs?: Record<string, string>;
}

/** kubeadm reads v1beta4 from 1.31 on; older releases need v1beta3, where kubeletExtraArgs is a map. */
function usesV1beta4(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return !m || Number(m[1]) > 1 || Number(m[2]) >= 31;
}

export function joinConfiguration(i: JoinConfigurationInput): string {
  const nodeLabels = Object.entries(i.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const v4 = usesV1beta4(i.kubeadmVersion);
  const flags: Record<string, string> = { ...(nodeLabels ? { 'node-labels': nodeLabels } : {}), ...i.extraArgs };
  const extraArgs = v4 ? Object.entries(flags).map(([name, value]) => ({ name, value })) : flags;
  return stringify({
    apiVersion: v4 ? 'kubeadm.k8s.io/v1beta4' : 'kubeadm.k8s.io/v1beta3',
    kind: 'JoinConfiguration',
    discovery: { bootstrapToken: { apiServerEndpoint: i.endpoint, token: i.token, caCertHashes: [i.caCertHash] } },
    nodeRegistration: {
      name: i.nodeName,
      criSocket: i.criSocket,
      taints: i.taints.map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })),
      kubeletExtraArgs: extraArgs,
    },
  });
}
