// CAPMOX's ProxmoxCluster reconciler: finalizer, Proxmox reachable with the credentials the cluster names, every
// allowed node known to Proxmox; then status.ready and conditions ClusterReady and Ready. Deletion waits until no
// ProxmoxMachine of the cluster is left (their VMs must be destroyed with these credentials first).
import type { KubeObject } from '../../../../src/kubernetes/types';
import { CredentialsError, type CapmoxClients } from './capmox-client';
import type { OperatorContext } from './context';
import { addFinalizer, CAPMOX_API, CLUSTER_NAME_LABEL, differs, isDeleting, ownerOfKind, patchStatus, removeFinalizer, setCondition } from './kube-ops';

export const CLUSTER_FINALIZER = 'proxmoxcluster.infrastructure.cluster.x-k8s.io';
const LOG = 'capmox';

/** The Cluster API cluster a ProxmoxCluster belongs to: its owner, else its cluster-name label. */
export function clusterNameOf(proxmoxCluster: KubeObject): string | undefined {
  return ownerOfKind(proxmoxCluster, 'Cluster')?.name ?? proxmoxCluster.metadata.labels?.[CLUSTER_NAME_LABEL];
}

export async function reconcileProxmoxCluster(ctx: OperatorContext, clients: CapmoxClients, pxc: KubeObject): Promise<void> {
  const { kube } = ctx;
  const name = `${pxc.metadata.namespace}/${pxc.metadata.name}`;
  if (isDeleting(pxc)) {
    const cluster = clusterNameOf(pxc);
    const machines = cluster ? await kube.list(CAPMOX_API, 'ProxmoxMachine', pxc.metadata.namespace, `${CLUSTER_NAME_LABEL}=${cluster}`) : [];
    if (machines.length > 0) return;
    await removeFinalizer(kube, pxc, CLUSTER_FINALIZER);
    ctx.log(LOG, `ProxmoxCluster ${name} deleted`);
    return;
  }
  pxc = await addFinalizer(kube, pxc, CLUSTER_FINALIZER);
  const status = (pxc.status ?? {}) as Record<string, unknown>;
  let conditions = status.conditions;
  let ready = false;
  try {
    const client = await clients.forCluster(pxc);
    await client.version();
    const allowed = ((pxc.spec as { allowedNodes?: string[] }).allowedNodes ?? []);
    if (allowed.length > 0) {
      const known = new Set((await client.nodes()).map((n) => n.node));
      const unknown = allowed.filter((n) => !known.has(n));
      if (unknown.length > 0) throw new CredentialsError(`allowedNodes ${unknown.join(', ')} not found in Proxmox (nodes: ${[...known].join(', ')})`);
    }
    conditions = setCondition(conditions, { type: 'ClusterReady', status: 'True' });
    conditions = setCondition(conditions, { type: 'Ready', status: 'True' });
    ready = true;
  } catch (err) {
    const message = (err as Error).message;
    conditions = setCondition(conditions, { type: 'ClusterReady', status: 'False', severity: 'Error', reason: 'ProxmoxUnreachable', message });
    conditions = setCondition(conditions, { type: 'Ready', status: 'False', severity: 'Error', reason: 'ProxmoxUnreachable', message });
  }
  const next = { ready, conditions };
  if (differs({ ready: status.ready, conditions: status.conditions }, next)) {
    await patchStatus(kube, pxc, next);
    ctx.log(LOG, `ProxmoxCluster ${name} ready=${ready}`);
  }
}
