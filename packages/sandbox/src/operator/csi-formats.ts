// The names and identifiers of proxmox-csi-plugin that the sandbox's stand-in controller writes and reads, taken from
// the plugin itself rather than from the product, so that the product's CSI steps meet an independent reading:
// - the driver registers as csi.proxmox.sinextra.dev and places volumes by the well-known topology labels;
// - every volume is created for the placeholder VMID 9999 and named vm-9999-<PV name>; on a directory storage the
//   file lives under the VMID's directory with a format suffix (9999/vm-9999-pvc-<uid>.raw);
// - a volume handle is region/zone/storage/disk (cluster-1/pve-1/local-lvm/vm-9999-pvc-<uid>). The zone, the
//   Proxmox node, is empty for a shared storage (region//storage/disk); the disk, the last part, may itself contain
//   slashes, so only the first three separate fields;
// - Proxmox names a volume storage:disk (its volid).

export const DRIVER_NAME = 'csi.proxmox.sinextra.dev';
export const TOPOLOGY_REGION = 'topology.kubernetes.io/region';
export const TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
/** Set by the scheduler on a WaitForFirstConsumer claim once it picked the node of a pod that needs it. */
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** No real VM owns a volume until it is attached; the plugin allocates them all for this VMID. */
export const PLACEHOLDER_VMID = 9999;

export interface VolumeHandle {
  /** The Proxmox cluster, as named in the cloud config. */
  region: string;
  /** The Proxmox node holding the volume; empty for a shared storage. */
  zone: string;
  storage: string;
  /** The volume within the storage, e.g. vm-9999-pvc-<uid> or 9999/vm-9999-pvc-<uid>.raw. */
  disk: string;
}

/** A volume handle's fields, or undefined when it has fewer than four parts. */
export function readVolumeHandle(handle: string): VolumeHandle | undefined {
  const fields: string[] = [];
  let rest = handle;
  for (let i = 0; i < 3; i++) {
    const slash = rest.indexOf('/');
    if (slash === -1) return undefined;
    fields.push(rest.slice(0, slash));
    rest = rest.slice(slash + 1);
  }
  const [region, zone, storage] = fields;
  return { region, zone, storage, disk: rest };
}

export function writeVolumeHandle(v: VolumeHandle): string {
  return [v.region, v.zone, v.storage, v.disk].join('/');
}

/** The name the Proxmox API gives the volume: storage:disk. */
export function proxmoxVolid(v: Pick<VolumeHandle, 'storage' | 'disk'>): string {
  return `${v.storage}:${v.disk}`;
}

/** The disk the plugin makes for a PV; with a file format (directory storages) it sits in the VMID's directory. */
export function pvDiskName(pvName: string, format?: string): string {
  const name = `vm-${PLACEHOLDER_VMID}-${pvName}`;
  return format ? `${PLACEHOLDER_VMID}/${name}.${format}` : name;
}

/** The file name the storage content API allocates: the disk without its directory. */
export function diskFileName(disk: string): string {
  return disk.split('/').pop()!;
}
