// The node side of the Proxmox CSI driver in the sandbox. It needs a kubelet (NodeStage/NodePublish mount the disk in
// the guest), and kwok runs none, so the sandbox plays the two results the product can observe:
// - the registration: each node a pod of the node plugin runs on gets the driver in its CSINode (csi-node-info.ts);
// - NodeExpandVolume: after the real external-resizer grew the disk in Proxmox and left the claim with
//   FileSystemResizePending, the kubelet of a node where a running pod mounts the claim grows the file system and
//   sets the claim's status.capacity; the sandbox does that for a claim mounted by a Running pod.
import type { KubeObject } from '../../../../src/kubernetes/types';
import type { OperatorContext, RunningController, StartController } from './context';
import { loadCloud } from './csi-cloud';
import { DRIVER_NAME } from './csi-formats';
import { listOf, patchObject, recordEvent, refOfObject } from './csi-kube';
import { registerNodePlugins } from './csi-node-info';
import { quantityToBytes } from './quantity';
import { reconcileLoop } from './reconcile-loop';

const NAME = 'csi-node';

type Claim = KubeObject & {
  spec: { volumeName?: string };
  status?: { phase?: string; capacity?: { storage?: string }; conditions?: { type: string }[] };
};
type PersistentVolume = KubeObject & { spec: { csi?: { driver: string }; capacity?: { storage?: string } } };
type Pod = KubeObject & {
  spec: { nodeName?: string; volumes?: Array<{ persistentVolumeClaim?: { claimName: string } }> };
  status?: { phase?: string };
};

/** Claims of the driver waiting for the file system step, finished where a running pod mounts them. */
async function expandFileSystems(ctx: OperatorContext): Promise<void> {
  const claims = (await listOf<Claim>(ctx.kube, 'v1', 'PersistentVolumeClaim')).filter(
    (c) => c.status?.phase === 'Bound' && c.spec.volumeName && c.status.conditions?.some((x) => x.type === 'FileSystemResizePending'),
  );
  if (claims.length === 0) return;
  const pods = await listOf<Pod>(ctx.kube, 'v1', 'Pod');
  for (const claim of claims) {
    const pv = await ctx.kube.find<PersistentVolume>({ apiVersion: 'v1', kind: 'PersistentVolume', name: claim.spec.volumeName! });
    if (pv?.spec.csi?.driver !== DRIVER_NAME) continue;
    const pvSize = quantityToBytes(pv.spec.capacity?.storage);
    const claimSize = quantityToBytes(claim.status?.capacity?.storage);
    if (pvSize === undefined || claimSize === undefined || claimSize >= pvSize) continue;
    const user = pods.find(
      (p) => p.metadata.namespace === claim.metadata.namespace && p.status?.phase === 'Running' && p.spec.volumes?.some((v) => v.persistentVolumeClaim?.claimName === claim.metadata.name),
    );
    if (!user) continue;
    // As the kubelet's MarkFSResizeFinished: the new capacity, the resize conditions and statuses cleared.
    await patchObject(ctx.kube, refOfObject(claim), { status: { capacity: { storage: pv.spec.capacity!.storage }, conditions: null, allocatedResourceStatuses: null } }, 'status');
    await recordEvent(ctx.kube, { ...user, apiVersion: 'v1', kind: 'Pod' }, 'kubelet', 'Normal', 'FileSystemResizeSuccessful', `MountVolume.NodeExpandVolume succeeded for volume "${pv.metadata.name}" ${user.spec.nodeName ?? ''}`.trim());
    ctx.log(NAME, `file system of ${pv.metadata.name} grown on ${user.spec.nodeName}`);
  }
}

export const startCsiNode: StartController = async (ctx: OperatorContext): Promise<RunningController> =>
  reconcileLoop(ctx, NAME, async () => {
    const cloud = await loadCloud(ctx);
    if (!cloud) return;
    try {
      await registerNodePlugins(ctx, cloud, await listOf(ctx.kube, 'v1', 'Node'));
    } finally {
      cloud.close();
    }
    await expandFileSystems(ctx);
  });
