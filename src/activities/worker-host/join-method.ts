// How the host joins, decided by what the cluster is. A kubeadm cluster has kube-system/kubeadm-config, which
// `kubeadm join` reads, and its controller manager signs kube-public/cluster-info for every bootstrap token, which
// token discovery checks: there the host joins with `kubeadm join`. A Talos cluster (CozyStack) has neither, so
// kubeadm cannot join it; there the step writes what kubeadm would have written (the bootstrap kubeconfig, the
// kubelet's configuration and flags) and the kubelet joins by its own TLS bootstrap, approved by the cluster's
// CSR approval. See docs/worker-host.md.
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject } from '../../kubernetes/types';

export type JoinMethod = 'kubeadm' | 'kubelet-bootstrap';

export interface JoinMethodChoice {
  method: JoinMethod;
  reason: string;
}

type ConfigMap = KubeObject & { data?: Record<string, string> };
type NodeObject = KubeObject & { status?: { nodeInfo?: { osImage?: string } } };

export const KUBEADM_CONFIG_REF = { apiVersion: 'v1', kind: 'ConfigMap', name: 'kubeadm-config', namespace: 'kube-system' };

export async function chooseJoinMethod(client: KubeClient): Promise<JoinMethodChoice> {
  if (await client.find<ConfigMap>(KUBEADM_CONFIG_REF)) {
    return { method: 'kubeadm', reason: 'kube-system/kubeadm-config present: a kubeadm cluster, joined with kubeadm join (token discovery)' };
  }
  const talos = (await client.list<NodeObject>('v1', 'Node')).find((n) => /talos/i.test(n.status?.nodeInfo?.osImage ?? ''));
  const what = talos ? `a Talos cluster (node ${talos.metadata.name}: ${talos.status?.nodeInfo?.osImage})` : 'not a kubeadm cluster';
  return {
    method: 'kubelet-bootstrap',
    reason: `no kube-system/kubeadm-config: ${what}, which kubeadm join cannot read; the kubelet joins by TLS bootstrap with the files the step writes`,
  };
}

/** True once the bootstrapsigner has signed cluster-info for this token (kubeadm's token discovery needs it). */
export async function clusterInfoSigned(client: KubeClient, tokenId: string): Promise<boolean> {
  const info = await client.find<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cluster-info', namespace: 'kube-public' });
  return Boolean(info?.data?.[`jws-kubeconfig-${tokenId}`]);
}
