// What proxmox-csi-plugin (provisioner csi.proxmox.sinextra.dev) does that the CSI steps and the sandbox's stand-in
// for its controller both rely on: how a volume is named on the Proxmox storage (vm-9999-pvc-<uid>, owned by the
// placeholder VMID 9999), the volume handle region/zone/storage/disk, the topology labels, the providerID
// proxmox://<region>/<vmid> that ties a node to its VM, and the size rounding. Pure.
import { parseProxmoxProviderId } from '../e2e/node-vm';

export const CSI_DRIVER = 'csi.proxmox.sinextra.dev';
/** The VMID the driver creates every volume under, so that the disk belongs to no real VM until it is attached. */
export const CSI_VOLUME_VMID = 9999;
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
export const PROVIDER_ID_PREFIX = 'proxmox://';
/** The label proxmox-worker gives the Proxmox host joined as a worker; the CSI chart keeps its node plugin off it. */
export const PROXMOX_HOST_LABEL = 'node-role.kubernetes.io/proxmox-host';
export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export interface CsiVolumeId {
  region: string;
  /** The Proxmox node the volume lives on (empty for a shared storage). */
  zone: string;
  storage: string;
  /** The disk as Proxmox names it inside the storage, e.g. vm-9999-pvc-<uid> or 9999/vm-9999-pvc-<uid>.raw. */
  disk: string;
}

/** The disk name for a PV on a storage type: directory storages keep files under <vmid>/ with a format suffix. */
export function diskNameFor(pvName: string, storageType: string): string {
  const base = `vm-${CSI_VOLUME_VMID}-${pvName}`;
  return storageType === 'dir' ? `${CSI_VOLUME_VMID}/${base}.raw` : base;
}

/** The file name part that POST .../storage/{storage}/content takes (no <vmid>/ directory). */
export function allocationFilename(disk: string): string {
  return disk.slice(disk.lastIndexOf('/') + 1);
}

export function formatVolumeId(v: CsiVolumeId): string {
  return `${v.region}/${v.zone}/${v.storage}/${v.disk}`;
}

export function parseVolumeId(handle: string): CsiVolumeId | undefined {
  const parts = handle.split('/');
  if (parts.length < 4) return undefined;
  const [region, zone, storage, ...disk] = parts;
  return { region, zone, storage, disk: disk.join('/') };
}

/** storage:disk, the volid Proxmox APIs take. */
export function volid(v: Pick<CsiVolumeId, 'storage' | 'disk'>): string {
  return `${v.storage}:${v.disk}`;
}

/** proxmox://<region>/<vmid> as the Proxmox CCM writes it; undefined for any other provider or form. */
export function parseProviderId(providerId: string | undefined): { region: string; vmid: number } | undefined {
  const ref = parseProxmoxProviderId(providerId);
  return ref?.kind === 'vmid' ? { region: ref.region, vmid: ref.vmid } : undefined;
}

/** The driver allocates in chunks of 512 MiB (MinChunkSizeBytes): a request is rounded up to the next one. */
export const CSI_CHUNK_BYTES = 512 * 1024 ** 2;

export function roundUpToChunk(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / CSI_CHUNK_BYTES)) * CSI_CHUNK_BYTES;
}

const QUANTITY_UNITS: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5,
};

/** Bytes of a Kubernetes quantity such as "1Gi", "500M" or "1073741824"; NaN when it is not one. */
export function quantityBytes(q: string | number | undefined): number {
  if (typeof q === 'number') return q;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(String(q ?? '').trim());
  if (!m) return NaN;
  return Math.round(parseFloat(m[1]) * QUANTITY_UNITS[m[2] ?? '']);
}

/** The shortest exact quantity for a byte count (whole GiB as "NGi"). */
export function bytesQuantity(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB}Gi`;
  if (bytes % MiB === 0) return `${bytes / MiB}Mi`;
  return String(bytes);
}

// What the provisioner reports when the Proxmox API or the network had a moment: the external-provisioner retries
// these with backoff by itself, so a claim that met them is still on its way, not stuck. Not every 5xx: Proxmox
// answers 500 for most refusals too (a storage without the content type), which are no less final for it.
const TRANSIENT_PROVISIONING = /rpc error: code = (Unavailable|DeadlineExceeded|ResourceExhausted|Aborted)\b|\bHTTP 50[234]\b|Service Unavailable|got timeout|timed? ?out|connection (refused|reset)|\bECONN(REFUSED|RESET)\b|\bEAI_AGAIN\b|temporarily/i;

export function isTransientProvisioningError(message: string): boolean {
  return TRANSIENT_PROVISIONING.test(message);
}
