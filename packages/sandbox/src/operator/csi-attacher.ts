// The sandbox's stand-in for the Proxmox CSI controller with its external-attacher sidecar. kube-controller-manager's
// attach/detach controller makes a VolumeAttachment when a pod with a claim of this driver lands on a node; the
// attacher hot-plugs the disk into the VM behind that node (its config gets scsiN = the volume, as
// ControllerPublishVolume does) and reports status.attached, or status.attachError saying why not. A deleted
// VolumeAttachment unplugs the disk, then its finalizer goes.
import type { KubeObject } from '../../../../src/kubernetes/types';
import type { ProxmoxClient } from '../../../../src/proxmox/client';
import type { OperatorContext, RunningController, StartController } from './context';
import { loadCloud, vmOfNode, type CsiCloud } from './csi-cloud';
import { DRIVER_NAME, proxmoxVolid, readVolumeHandle, type VolumeHandle } from './csi-formats';
import { Backoff, finalizersOf, listOf, patchObject, refOfObject, setFinalizer } from './csi-kube';
import type { PersistentVolume } from './csi-provisioner';
import { volumeSize } from './csi-provisioner';
import { reconcileLoop } from './reconcile-loop';

const NAME = 'csi-attacher';
export const ATTACHER_FINALIZER = `external-attacher/${DRIVER_NAME.replace(/\./g, '-')}`;
/** The plugin hot-plugs into SCSI slots; slot 0 is the VM's own boot disk. */
const MAX_LUN = 30;

type VolumeAttachment = KubeObject & {
  spec: { attacher: string; nodeName: string; source: { persistentVolumeName?: string } };
  status?: { attached?: boolean };
};

/** The scsiN slot of the VM config that holds the volume, if any. */
export function slotOf(config: Record<string, unknown>, id: string): string | undefined {
  return Object.keys(config).find((k) => /^scsi\d+$/.test(k) && String(config[k]).split(',')[0] === id);
}

/** The disk options ControllerPublishVolume sets from the StorageClass parameters (volume attributes). */
function driveOptions(attributes: Record<string, string>): string {
  const options = ['backup=0', 'iothread=1'];
  if (attributes.ssd === 'true') options.push('ssd=1', 'discard=on');
  if (attributes.cache) options.push(`cache=${attributes.cache}`);
  return options.join(',');
}

async function volumeOf(ctx: OperatorContext, pvName: string | undefined): Promise<{ pv: PersistentVolume; id: VolumeHandle }> {
  const pv = pvName ? await ctx.kube.find<PersistentVolume>({ apiVersion: 'v1', kind: 'PersistentVolume', name: pvName }) : undefined;
  if (!pv?.spec.csi) throw new Error(`persistentvolume ${pvName ?? '(none)'} not found`);
  const id = readVolumeHandle(pv.spec.csi.volumeHandle);
  if (!id) throw new Error(`VolumeID must be in the format of region/zone/storageName/diskName: ${pv.spec.csi.volumeHandle}`);
  return { pv, id };
}

async function attach(ctx: OperatorContext, cloud: CsiCloud, va: VolumeAttachment): Promise<string> {
  const { pv, id } = await volumeOf(ctx, va.spec.source.persistentVolumeName);
  const vm = await vmOfNode(ctx.kube, cloud, va.spec.nodeName);
  const px: ProxmoxClient = cloud.client(id.region);
  const config = await px.qemuConfig(vm.zone, vm.vmid);
  const present = slotOf(config, proxmoxVolid(id));
  if (present) return present.slice(4);
  if (id.zone && id.zone !== vm.zone) {
    throw new Error(`volume ${proxmoxVolid(id)} is on Proxmox node ${id.zone}, but VM ${vm.vmid} of node ${va.spec.nodeName} runs on ${vm.zone}`);
  }
  if ((await volumeSize(px, vm.zone, id.storage, proxmoxVolid(id))) === undefined) throw new Error(`volume ${proxmoxVolid(id)} not found`);
  let lun = 1;
  while (lun <= MAX_LUN && config[`scsi${lun}`] !== undefined) lun++;
  if (lun > MAX_LUN) throw new Error(`no free SCSI slot on VM ${vm.vmid}`);
  await px.setQemuConfig(vm.zone, vm.vmid, { [`scsi${lun}`]: `${proxmoxVolid(id)},${driveOptions(pv.spec.csi?.volumeAttributes ?? {})}` });
  return String(lun);
}

/** ControllerUnpublishVolume: the disk leaves the VM's config. Nothing to do when the node has no VM or volume. */
async function detach(ctx: OperatorContext, cloud: CsiCloud, va: VolumeAttachment): Promise<void> {
  let target;
  try {
    target = { ...(await volumeOf(ctx, va.spec.source.persistentVolumeName)), vm: await vmOfNode(ctx.kube, cloud, va.spec.nodeName) };
  } catch {
    return;
  }
  const px = cloud.client(target.id.region);
  const slot = slotOf(await px.qemuConfig(target.vm.zone, target.vm.vmid), proxmoxVolid(target.id));
  if (slot) await px.setQemuConfig(target.vm.zone, target.vm.vmid, { delete: slot });
}

async function attachPass(ctx: OperatorContext, cloud: CsiCloud, backoff: Backoff): Promise<void> {
  const attachments = (await listOf<VolumeAttachment>(ctx.kube, 'storage.k8s.io/v1', 'VolumeAttachment')).filter((va) => va.spec.attacher === DRIVER_NAME);
  for (const va of attachments) {
    const key = va.metadata.name;
    if (va.metadata.deletionTimestamp) {
      if (!finalizersOf(va).includes(ATTACHER_FINALIZER)) continue;
      await detach(ctx, cloud, va);
      await setFinalizer(ctx.kube, va, ATTACHER_FINALIZER, false);
      ctx.log(NAME, `detached ${va.spec.source.persistentVolumeName} from ${va.spec.nodeName}`);
      continue;
    }
    if (va.status?.attached || !backoff.ready(key)) continue;
    await setFinalizer(ctx.kube, va, ATTACHER_FINALIZER, true);
    try {
      const lun = await attach(ctx, cloud, va);
      await patchObject(ctx.kube, refOfObject(va), { status: { attached: true, attachmentMetadata: { lun }, attachError: null } }, 'status');
      backoff.succeeded(key);
      ctx.log(NAME, `attached ${va.spec.source.persistentVolumeName} to ${va.spec.nodeName} as scsi${lun}`);
    } catch (err) {
      backoff.failed(key);
      const message = `rpc error: code = Internal desc = ${(err as Error).message}`;
      const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      await patchObject(ctx.kube, refOfObject(va), { status: { attached: false, attachError: { time, message } } }, 'status');
      ctx.log(NAME, `attach of ${va.spec.source.persistentVolumeName} to ${va.spec.nodeName} failed: ${message}`);
    }
  }
}

export const startCsiAttacher: StartController = async (ctx: OperatorContext): Promise<RunningController> => {
  const backoff = new Backoff();
  return reconcileLoop(ctx, NAME, async () => {
    const cloud = await loadCloud(ctx);
    if (!cloud) return;
    try {
      await attachPass(ctx, cloud, backoff);
    } finally {
      cloud.close();
    }
  });
};
