// A CSI volume as Proxmox holds it: the PV that names it and the disk's size in the storage (read through the API).
import type { KubeObject } from '../../kubernetes/types';
import type { ProxmoxClient } from '../../proxmox/client';
import { apiPath } from '../../proxmox/http';
import { volid, type CsiVolumeId } from './driver-facts';

export type PersistentVolume = KubeObject & { spec: { csi?: { driver: string; volumeHandle: string }; capacity?: { storage?: string } } };

export async function proxmoxVolumeSize(px: ProxmoxClient, id: CsiVolumeId): Promise<number | undefined> {
  const node = id.zone || (await px.nodes())[0]?.node;
  const entries = await px.request<Array<{ volid: string; size?: number }>>('GET', apiPath`/nodes/${node}/storage/${id.storage}/content`);
  return entries.find((e) => e.volid === volid(id))?.size;
}
