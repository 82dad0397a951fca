// Which Proxmox VM is behind a Kubernetes node, from the node's providerID. Two forms are in use:
// proxmox://<region>/<vmid> as the Proxmox CCM (and the CSI driver) write it, and proxmox://<uuid> as CAPMOX writes
// it (the VM's SMBIOS uuid, found in its config as smbios1=uuid=...). A bare-metal Proxmox host joined as a worker
// has neither.
import type { ProxmoxClient } from '../../proxmox/client';
import type { ClusterResource } from '../../proxmox/types';

export const PROVIDER_ID_PREFIX = 'proxmox://';

export type ProviderRef = { kind: 'vmid'; region: string; vmid: number } | { kind: 'uuid'; uuid: string };

export function parseProxmoxProviderId(providerId: string | undefined): ProviderRef | undefined {
  const id = providerId ?? '';
  const byVmid = /^proxmox:\/\/([^/]*)\/(\d+)$/.exec(id);
  if (byVmid) return { kind: 'vmid', region: byVmid[1], vmid: Number(byVmid[2]) };
  const byUuid = /^proxmox:\/\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(id);
  return byUuid ? { kind: 'uuid', uuid: byUuid[1].toLowerCase() } : undefined;
}

/** Whether the reference can name a VM of the Proxmox cluster called `region`: a VMID only within its own region. */
export function inRegion(ref: ProviderRef, region: string): boolean {
  return ref.kind === 'uuid' || ref.region === region;
}

export interface NodeVm {
  /** The Proxmox node the VM lives on. */
  node: string;
  vmid: number;
  name?: string;
  /** running, stopped, paused... as /cluster/resources reports it. */
  status?: string;
}

export function uuidOfSmbios(smbios1: unknown): string | undefined {
  return /(?:^|,)uuid=([0-9a-f-]{36})/i.exec(String(smbios1 ?? ''))?.[1]?.toLowerCase();
}

/**
 * The VM behind the providerID in this Proxmox cluster, or undefined. `resources` may be passed to share one
 * /cluster/resources read between several nodes; `uuids` caches uuid -> vmid across calls (configs are read once).
 */
export async function findNodeVm(
  px: ProxmoxClient,
  ref: ProviderRef,
  resources?: ClusterResource[],
  uuids: Map<string, number> = new Map(),
): Promise<NodeVm | undefined> {
  const vms = (resources ?? (await px.clusterResources('vm'))).filter((r) => r.vmid !== undefined && !r.template && r.node);
  const view = (r: ClusterResource): NodeVm => ({ node: r.node!, vmid: r.vmid!, name: r.name, status: r.status });
  if (ref.kind === 'vmid') {
    const vm = vms.find((r) => r.vmid === ref.vmid);
    return vm ? view(vm) : undefined;
  }
  const cached = uuids.get(ref.uuid);
  const hit = cached !== undefined ? vms.find((r) => r.vmid === cached) : undefined;
  if (hit) return view(hit);
  for (const r of vms) {
    if ([...uuids.values()].includes(r.vmid!)) continue;
    const uuid = uuidOfSmbios((await px.qemuConfig(r.node!, r.vmid!)).smbios1);
    if (uuid) uuids.set(uuid, r.vmid!);
    if (uuid === ref.uuid) return view(r);
  }
  return undefined;
}
