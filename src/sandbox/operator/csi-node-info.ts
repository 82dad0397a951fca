// What the Proxmox CSI node plugin registers through the kubelet on each node it runs on: the node's entry for the
// driver in its CSINode (node ID, topology keys, and the number of volumes the node can take). The scheduler counts
// a node's attached volumes of the driver against that number and keeps pods that need another one off a full
// node, so a claim waits for room instead of failing to attach. kwok runs no kubelet, so the sandbox writes it.
import type { KubeObject } from '../../kubernetes';
import { CSI_DRIVER, REGION_LABEL, ZONE_LABEL } from '../../activities/csi/driver-facts';
import type { OperatorContext } from './context';
import { topologyOf, type CsiCloud } from './csi-cloud';

/** The plugin's node label for the limit, and its default (QEMU has 30 hot-plug SCSI slots per VM, disks included). */
export const MAX_ATTACHMENTS_LABEL = 'csi.proxmox.sinextra.dev/max-volume-attachments';
export const DEFAULT_MAX_ATTACHMENTS = 24;

export function maxAttachments(node: KubeObject): number {
  const n = Number(node.metadata.labels?.[MAX_ATTACHMENTS_LABEL]);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_ATTACHMENTS;
}

/** CSINode entries for the nodes of the driver's regions (those the node plugin's DaemonSet runs on). */
export async function registerNodePlugins(ctx: OperatorContext, cloud: CsiCloud, nodes: KubeObject[]): Promise<void> {
  for (const node of nodes) {
    const t = topologyOf(node);
    if (!t.region || !t.zone || !cloud.regions.includes(t.region)) continue;
    // Owned by its Node, as the kubelet makes it: it goes when the node goes.
    const metadata = { name: node.metadata.name, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid ?? '' }] };
    await ctx.kube.apply({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSINode',
      metadata,
      spec: { drivers: [{ name: CSI_DRIVER, nodeID: node.metadata.name, topologyKeys: [REGION_LABEL, ZONE_LABEL], allocatable: { count: maxAttachments(node) } }] },
    });
  }
}
