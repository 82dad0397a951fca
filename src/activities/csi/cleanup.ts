// The undo of step5.volume (always): the pod, the snapshot and the claim go, and the disk must leave Proxmox
// (the provisioner deletes it once the PV is Released). Safe when nothing was made and when run twice; a kept run
// (keepTestResources) leaves everything for inspection.
import type { z } from 'zod';
import type { StepInput } from '../../catalogue/types';
import { isMissingResourceType } from '../../kubernetes/errors';
import { type KubeClient } from '../../kubernetes/client';
import { type ObjectRef } from '../../kubernetes/types';
import { fail, FailureType } from '../common/failures';
import { connect } from '../kubernetes/step-context';
import { clientFor } from '../proxmox/step-context';
import { parseVolumeId, volid } from './driver-facts';
import { waitForValue } from '../common/wait';
import { csiTestNames } from './names';
import { proxmoxVolumeSize, type PersistentVolume } from './proxmox-volume';
import type { volumeOutputs } from './volume';

async function deleteAndWait(kube: KubeClient, ref: ObjectRef, timeoutMs: number): Promise<void> {
  try {
    if (!(await kube.delete(ref))) return;
  } catch (err) {
    if (isMissingResourceType(err)) return;
    throw err;
  }
  await waitForValue(`${ref.kind} ${ref.name} to be gone`, timeoutMs, async () => ((await kube.find(ref)) ? undefined : true));
}

export async function csiDeleteTestVolume(input: StepInput, recorded?: z.infer<typeof volumeOutputs>): Promise<void> {
  if (input.config.keepTestResources) return;
  const names = csiTestNames(input.config);
  const kube = await connect(input);
  const claimRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: names.claim, namespace: names.namespace };
  const claim = await kube.find<{ apiVersion: string; kind: string; metadata: { name: string }; spec: { volumeName?: string } }>(claimRef);
  const pvName = claim?.spec.volumeName ?? recorded?.pv ?? '';
  const pv = pvName ? await kube.find<PersistentVolume>({ apiVersion: 'v1', kind: 'PersistentVolume', name: pvName }) : undefined;
  const handle = pv?.spec.csi?.volumeHandle ?? recorded?.volumeId ?? '';
  await deleteAndWait(kube, { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', name: names.snapshot, namespace: names.namespace }, 60_000);
  await deleteAndWait(kube, { apiVersion: 'v1', kind: 'Pod', name: names.pod, namespace: names.namespace }, 60_000);
  await deleteAndWait(kube, claimRef, 60_000);
  if (pvName) await waitForValue(`PV ${pvName} to be deleted by the provisioner`, 120_000, async () => ((await kube.find({ apiVersion: 'v1', kind: 'PersistentVolume', name: pvName })) ? undefined : true));
  const id = parseVolumeId(handle);
  if (!id) return;
  const px = await clientFor(input);
  try {
    if ((await proxmoxVolumeSize(px, id)) !== undefined) {
      throw fail(FailureType.Transient, `volume ${volid(id)} is still in Proxmox storage ${id.storage} after its PV was deleted: remove it with the Proxmox API or pvesm free ${volid(id)}`);
    }
  } finally {
    px.close();
  }
}
