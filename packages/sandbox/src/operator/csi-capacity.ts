// Storage capacity as the external-provisioner publishes it for a driver with CSIDriver.storageCapacity: one
// CSIStorageCapacity per StorageClass and topology segment (region + zone), in the driver's namespace, with the
// storage's free bytes on that Proxmox node (GetCapacity). A storage the node does not have gets no object, so the
// scheduler keeps pods that need such a claim off that node. A GetCapacity that fails for a moment (the API busy or
// unreachable) keeps the object published last, as the external-provisioner does: dropping it would make the
// scheduler turn pods away for want of storage that is there.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../../../src/kubernetes/types';
import { ProxmoxError } from '../../../../src/proxmox/errors';
import type { OperatorContext } from './context';
import { topologyOf, type CsiCloud } from './csi-cloud';
import { DRIVER_NAME, TOPOLOGY_REGION, TOPOLOGY_ZONE } from './csi-formats';
import { listOf } from './csi-kube';
import { registerNodePlugins } from './csi-node-info';

const LABELS = { 'csi.storage.k8s.io/drivername': DRIVER_NAME, 'csi.storage.k8s.io/managed-by': 'external-provisioner' };
const SELECTOR = Object.entries(LABELS).map(([k, v]) => `${k}=${v}`).join(',');

function capacityName(sc: string, region: string, zone: string): string {
  return `csisc-${createHash('sha256').update(`${sc}/${region}/${zone}`).digest('hex').slice(0, 12)}`;
}

export async function publishCapacity(ctx: OperatorContext, cloud: CsiCloud): Promise<void> {
  const classes = (await listOf<KubeObject & { provisioner: string; parameters?: Record<string, string> }>(ctx.kube, 'storage.k8s.io/v1', 'StorageClass')).filter(
    (sc) => sc.provisioner === DRIVER_NAME && sc.parameters?.storage,
  );
  const segments = new Map<string, { region: string; zone: string }>();
  const nodes = await listOf(ctx.kube, 'v1', 'Node');
  await registerNodePlugins(ctx, cloud, nodes);
  for (const node of nodes) {
    const t = topologyOf(node);
    if (t.region && t.zone && cloud.regions.includes(t.region)) segments.set(`${t.region}/${t.zone}`, { region: t.region, zone: t.zone });
  }
  const wanted = new Set<string>();
  for (const sc of classes) {
    for (const { region, zone } of segments.values()) {
      const name = capacityName(sc.metadata.name, region, zone);
      let avail: number;
      try {
        avail = (await cloud.client(region).storageStatus(zone, sc.parameters!.storage)).avail ?? 0;
      } catch (err) {
        if (!(err instanceof ProxmoxError) || err.retryable) wanted.add(name); // a moment's failure: keep the last
        continue; // otherwise no such storage on that node: no capacity there
      }
      wanted.add(name);
      await ctx.kube.apply({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'CSIStorageCapacity',
        metadata: { name, namespace: cloud.namespace, labels: LABELS },
        storageClassName: sc.metadata.name,
        nodeTopology: { matchLabels: { [TOPOLOGY_REGION]: region, [TOPOLOGY_ZONE]: zone } },
        capacity: String(avail),
      });
    }
  }
  for (const stale of await listOf(ctx.kube, 'storage.k8s.io/v1', 'CSIStorageCapacity', cloud.namespace, SELECTOR)) {
    if (!wanted.has(stale.metadata.name)) await ctx.kube.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIStorageCapacity', name: stale.metadata.name, namespace: cloud.namespace });
  }
}
