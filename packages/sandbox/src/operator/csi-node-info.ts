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
type Pod = KubeObject & { spec?: { nodeName?: string; containers?: { image?: string }[] }; status?: { phase?: string } };

/** The node plugin's image (the chart's `images.node`); its pods are the ones the kubelet registers the driver for. */
const NODE_PLUGIN_IMAGE = /\/proxmox-csi-node(:|@|$)/;

/** The nodes a pod of the node plugin runs on (the DaemonSet's placement: its node affinity, taints, selectors). */
async function nodesRunningThePlugin(ctx: OperatorContext): Promise<Set<string>> {
  const pods = await listOf<Pod>(ctx.kube, 'v1', 'Pod', undefined, 'app.kubernetes.io/component=node');
  return new Set(
    pods
      .filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && p.spec?.nodeName)
      .filter((p) => (p.spec?.containers ?? []).some((c) => NODE_PLUGIN_IMAGE.test(c.image ?? '')))
      .map((p) => p.spec!.nodeName!),
  );
}

/**
 * CSINode entries as the kubelet keeps them: the node-driver-registrar next to each running pod of the node plugin
 * registers the driver on that pod's node (for nodes of the driver's regions), and the entry goes when the pod goes.
 * A node the plugin's DaemonSet keeps off (the Proxmox host joined as a worker) never gets one, so the scheduler
 * places no volume there. An entry's fields cannot change once registered; a node whose limit changed gets its
 * CSINode made anew, as the kubelet does when the plugin registers again after a restart.
 */
export async function registerNodePlugins(ctx: OperatorContext, cloud: CsiCloud, nodes: KubeObject[]): Promise<void> {
  const existing = new Map((await listOf<CsiNode>(ctx.kube, 'storage.k8s.io/v1', 'CSINode')).map((c) => [c.metadata.name, c]));
  const running = await nodesRunningThePlugin(ctx);
  for (const node of nodes) {
    const t = topologyOf(node);
    const name = node.metadata.name;
    const current = existing.get(name)?.spec?.drivers?.find((d) => d.name === DRIVER_NAME);
    if (!running.has(name) || !t.region || !t.zone || !cloud.regions.includes(t.region)) {
      if (current) await unregister(ctx, name);
      continue;
    }
    const count = maxAttachments(node);
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

/** The sandbox's CSINode objects hold this driver alone: the entry goes with the object. */
async function unregister(ctx: OperatorContext, name: string): Promise<void> {
  try {
    await ctx.kube.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', name });
  } catch (err) {
    ctx.log('csi-provisioner', `cannot unregister the node plugin on ${name}: ${(err as Error).message}`);
  }
}
