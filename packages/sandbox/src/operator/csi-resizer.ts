// The sandbox's stand-in for the Proxmox CSI controller with its external-resizer sidecar, plus the node-side step
// that the kubelet and the node plugin would do (kwok runs neither). A bound claim whose request grew past its PV:
// the claim goes Resizing (ControllerResizeInProgress), the disk is resized in Proxmox through the VM it is attached
// to (the plugin cannot resize a disk that is not published), the PV's capacity grows, and the claim waits with
// FileSystemResizePending (NodeResizePending). Once a running pod mounts the claim, the file system step completes:
// status.capacity takes the new size and the conditions clear.
import type { KubeObject } from '../../../../src/kubernetes/types';
import type { OperatorContext, RunningController, StartController } from './context';
import { slotOf } from './csi-attacher';
import { loadCloud, vmOfNode, type CsiCloud } from './csi-cloud';
import { DRIVER_NAME, proxmoxVolid, readVolumeHandle } from './csi-formats';
import { Backoff, listOf, patchObject, recordEvent, refOfObject } from './csi-kube';
import type { PersistentVolume } from './csi-provisioner';
import { proxmoxSize, roundUpToChunk } from './csi-sizes';
import { bytesToQuantity, quantityToBytes } from './quantity';
import { reconcileLoop } from './reconcile-loop';

const NAME = 'csi-resizer';
const RESIZER_COMPONENT = `external-resizer ${DRIVER_NAME}`;

type Claim = KubeObject & {
  spec: { volumeName?: string; resources?: { requests?: { storage?: string } } };
  status?: { phase?: string; capacity?: { storage?: string }; allocatedResourceStatuses?: Record<string, string> };
};

type Pod = KubeObject & {
  spec: { nodeName?: string; volumes?: Array<{ persistentVolumeClaim?: { claimName: string } }> };
  status?: { phase?: string };
};

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function condition(type: string, message = ''): Record<string, unknown> {
  return { type, status: 'True', lastProbeTime: null, lastTransitionTime: now(), ...(message ? { message } : {}) };
}

/** ControllerExpandVolume: the plugin resizes the disk as a disk of the VM it is attached to. */
async function expandInProxmox(ctx: OperatorContext, cloud: CsiCloud, pv: PersistentVolume, bytes: number): Promise<void> {
  const id = readVolumeHandle(pv.spec.csi!.volumeHandle);
  if (!id) throw new Error(`VolumeID must be in the format of region/zone/storageName/diskName: ${pv.spec.csi!.volumeHandle}`);
  const attachments = await listOf<KubeObject & { spec: { nodeName: string; source: { persistentVolumeName?: string } }; status?: { attached?: boolean } }>(
    ctx.kube,
    'storage.k8s.io/v1',
    'VolumeAttachment',
  );
  const va = attachments.find((a) => a.spec.source.persistentVolumeName === pv.metadata.name && a.status?.attached);
  if (!va) throw new Error('cannot resize unpublished volume: no pod uses the claim, so the disk is attached to no VM');
  const vm = await vmOfNode(ctx.kube, cloud, va.spec.nodeName);
  const px = cloud.client(id.region);
  const slot = slotOf(await px.qemuConfig(vm.zone, vm.vmid), proxmoxVolid(id));
  if (!slot) throw new Error(`volume ${proxmoxVolid(id)} is not in the config of VM ${vm.vmid}`);
  const upid = await px.resizeDisk(vm.zone, vm.vmid, slot, proxmoxSize(bytes));
  if (upid) await px.waitTask(upid);
}

async function resizePass(ctx: OperatorContext, cloud: CsiCloud, backoff: Backoff): Promise<void> {
  const claims = (await listOf<Claim>(ctx.kube, 'v1', 'PersistentVolumeClaim')).filter((c) => c.status?.phase === 'Bound' && c.spec.volumeName);
  if (claims.length === 0) return;
  let pods: Pod[] | undefined;
  for (const claim of claims) {
    const pv = await ctx.kube.find<PersistentVolume>({ apiVersion: 'v1', kind: 'PersistentVolume', name: claim.spec.volumeName! });
    if (pv?.spec.csi?.driver !== DRIVER_NAME) continue;
    const requested = quantityToBytes(claim.spec.resources?.requests?.storage);
    const pvSize = quantityToBytes(pv.spec.capacity?.storage);
    const claimSize = quantityToBytes(claim.status?.capacity?.storage);
    // Sizes the API server would not have accepted cannot be compared: nothing to do for such a claim.
    if (requested === undefined || pvSize === undefined) continue;
    const ref = refOfObject(claim);
    if (requested > pvSize) {
      const key = claim.metadata.uid ?? claim.metadata.name;
      if (!backoff.ready(key)) continue;
      const target = roundUpToChunk(requested);
      await patchObject(ctx.kube, ref, {
        status: { conditions: [condition('Resizing')], allocatedResources: { storage: bytesToQuantity(target) }, allocatedResourceStatuses: { storage: 'ControllerResizeInProgress' } },
      }, 'status');
      await recordEvent(ctx.kube, claim, RESIZER_COMPONENT, 'Normal', 'Resizing', `External resizer is resizing volume ${pv.metadata.name}`);
      try {
        await expandInProxmox(ctx, cloud, pv, target);
        await patchObject(ctx.kube, refOfObject({ ...pv, apiVersion: 'v1', kind: 'PersistentVolume' }), { spec: { capacity: { storage: bytesToQuantity(target) } } });
        await patchObject(ctx.kube, ref, {
          status: {
            conditions: [condition('FileSystemResizePending', 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.')],
            allocatedResourceStatuses: { storage: 'NodeResizePending' },
          },
        }, 'status');
        await recordEvent(ctx.kube, claim, RESIZER_COMPONENT, 'Normal', 'FileSystemResizeRequired', 'Require file system resize of volume on node');
        backoff.succeeded(key);
        ctx.log(NAME, `resized ${pv.metadata.name} to ${bytesToQuantity(target)}`);
      } catch (err) {
        backoff.failed(key);
        const message = `resize volume "${pv.metadata.name}" by resizer "${DRIVER_NAME}" failed: rpc error: code = Internal desc = ${(err as Error).message}`;
        await patchObject(ctx.kube, ref, { status: { conditions: [condition('ControllerResizeError', message)] } }, 'status');
        await recordEvent(ctx.kube, claim, RESIZER_COMPONENT, 'Warning', 'VolumeResizeFailed', message);
      }
      continue;
    }
    if (claimSize !== undefined && claimSize < pvSize && claim.status?.allocatedResourceStatuses?.storage === 'NodeResizePending') {
      // NodeExpandVolume runs where the volume is mounted: a running pod of the claim's namespace that uses it.
      pods ??= await listOf<Pod>(ctx.kube, 'v1', 'Pod');
      const user = pods.find(
        (p) => p.metadata.namespace === claim.metadata.namespace && p.status?.phase === 'Running' && p.spec.volumes?.some((v) => v.persistentVolumeClaim?.claimName === claim.metadata.name),
      );
      if (!user) continue;
      await patchObject(ctx.kube, ref, { status: { capacity: { storage: pv.spec.capacity!.storage }, conditions: null, allocatedResourceStatuses: null, allocatedResources: null } }, 'status');
      await recordEvent(ctx.kube, { ...user, apiVersion: 'v1', kind: 'Pod' }, 'kubelet', 'Normal', 'FileSystemResizeSuccessful', `MountVolume.NodeExpandVolume succeeded for volume "${pv.metadata.name}" ${user.spec.nodeName ?? ''}`.trim());
      ctx.log(NAME, `file system of ${pv.metadata.name} grown on ${user.spec.nodeName}`);
    }
  }
}

export const startCsiResizer: StartController = async (ctx: OperatorContext): Promise<RunningController> => {
  const backoff = new Backoff();
  return reconcileLoop(ctx, NAME, async () => {
    const cloud = await loadCloud(ctx);
    if (!cloud) return;
    try {
      await resizePass(ctx, cloud, backoff);
    } finally {
      cloud.close();
    }
  });
};
