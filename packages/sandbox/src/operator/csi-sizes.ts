// Volume sizes as proxmox-csi-plugin chooses them, for the sandbox's provisioner and resizer: CreateVolume and
// ControllerExpandVolume round the requested bytes up to a whole number of 512 MiB chunks (a request of 0 still
// gets one chunk), and a request that carries no capacity at all gets 10 GiB. Proxmox takes the size in MiB.

export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;
export const CHUNK_BYTES = 512 * MiB;
export const DEFAULT_VOLUME_BYTES = 10 * GiB;

export function roundUpToChunk(bytes: number): number {
  if (bytes <= 0) return CHUNK_BYTES;
  return Math.ceil(bytes / CHUNK_BYTES) * CHUNK_BYTES;
}

/** The size argument of Proxmox's allocate and resize calls. */
export function proxmoxSize(bytes: number): string {
  return `${Math.ceil(bytes / MiB)}M`;
}
