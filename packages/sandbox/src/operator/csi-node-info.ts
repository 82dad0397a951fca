// What the Proxmox CSI node plugin registers through the kubelet on each node it runs on: the node's entry for the
// driver in its CSINode (node ID, topology keys, and the number of volumes the node can take). The scheduler counts
// a node's attached volumes of the driver against that number and keeps pods that need another one off a full
// node, so a claim waits for room instead of failing to attach. kwok runs no kubelet, so the sandbox writes it.
import type { KubeObject } from '../../../../src/kubernetes/types';
import type { OperatorContext } from './context';
import { topologyOf, type CsiCloud } from './csi-cloud';
import { DRIVER_NAME, TOPOLOGY_REGION, TOPOLOGY_ZONE } from './csi-formats';
import { listOf } from './csi-kube';

/** The plugin's node label for the limit, and its default (QEMU has 30 hot-plug SCSI slots per VM, disks included). */
export const MAX_ATTACHMENTS_LABEL = 'csi.proxmox.sinextra.dev/max-volume-attachments';
export const DEFAULT_MAX_ATTACHMENTS = 24;

export function maxAttachments(node: KubeObject): number {
  const n = Number(node.metadata.labels?.[MAX_ATTACHMENTS_LABEL]);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_ATTACHMENTS;
}

type CsiNode = KubeObject & { spec?: { drivers?: { name: string; allocatable?: { count?: number } }[] } };

/**
 * CSINode entries for the nodes of the driver's regions (those the node plugin's DaemonSet runs on). An entry's
 * fields cannot change once registered; a node whose limit changed gets its CSINode made anew, as the kubelet does
 * when the plugin registers again after a restart.
 */
export async function registerNodePlugins(ctx: OperatorContext, cloud: CsiCloud, nodes: KubeObject[]): Promise<void> {
  const existing = new Map((await listOf<CsiNode>(ctx.kube, 'storage.k8s.io/v1', 'CSINode')).map((c) => [c.metadata.name, c]));
  for (const node of nodes) {
    const t = topologyOf(node);
    if (!t.region || !t.zone || !cloud.regions.includes(t.region)) continue;
    const name = node.metadata.name;
    const count = maxAttachments(node);
    const current = existing.get(name)?.spec?.drivers?.find((d) => d.name === DRIVER_NAME);
    if (current?.allocatable?.count === count) continue;
    try {
      if (current) await ctx.kube.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', name });
      // Owned by its Node, as the kubelet makes it: it goes when the node goes.
      const metadata = { name, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid ?? '' }] };
      await ctx.kube.apply({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'CSINode',
        metadata,
        spec: { drivers: [{ name: DRIVER_NAME, nodeID: name, topologyKeys: [TOPOLOGY_REGION, TOPOLOGY_ZONE], allocatable: { count } }] },
      });
    } catch (err) {
      ctx.log('csi-provisioner', `cannot register the node plugin on ${name}: ${(err as Error).message}`);
    }
  }
}
