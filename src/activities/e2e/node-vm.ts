// Which Proxmox VM is behind a Kubernetes node, from the node's providerID. Two forms are in use:
// proxmox://<region>/<vmid> as the Proxmox CCM (and the CSI driver) write it, and proxmox://<uuid> as CAPMOX writes
// it (the VM's SMBIOS uuid, found in its config as smbios1=uuid=...). A bare-metal Proxmox host joined as a worker
// has neither.
import type { ProxmoxClient } from '../../proxmox/client';
import { ProxmoxNotFoundError } from '../../proxmox/errors';
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

export interface NodeVmLookup {
  /** One /cluster/resources read shared between several lookups. */
  resources?: ClusterResource[];
  /** uuid -> vmid across lookups: each VM's config is read once. */
  uuids?: Map<string, number>;
  /** The Kubernetes node's name: CAPMOX names a Machine's VM after it, so that VM's config is read first. */
  nodeName?: string;
}

/** The VM behind the providerID in this Proxmox cluster, or undefined. */
export async function findNodeVm(px: ProxmoxClient, ref: ProviderRef, lookup: NodeVmLookup = {}): Promise<NodeVm | undefined> {
  const { uuids = new Map<string, number>(), nodeName } = lookup;
  const vms = (lookup.resources ?? (await px.clusterResources('vm'))).filter((r) => r.vmid !== undefined && !r.template && r.node);
  const view = (r: ClusterResource): NodeVm => ({ node: r.node!, vmid: r.vmid!, name: r.name, status: r.status });
  if (ref.kind === 'vmid') {
    const vm = vms.find((r) => r.vmid === ref.vmid);
    return vm ? view(vm) : undefined;
  }
  const cached = uuids.get(ref.uuid);
  const hit = cached !== undefined ? vms.find((r) => r.vmid === cached) : undefined;
  if (hit) return view(hit);
  // Without the hint, every VM's config until the match: one request per VM in a large cluster.
  const byName = (r: ClusterResource) => (nodeName !== undefined && r.name === nodeName ? 0 : 1);
  const known = new Set(uuids.values());
  for (const r of [...vms].sort((a, b) => byName(a) - byName(b))) {
    if (known.has(r.vmid!)) continue;
    const config = await px.qemuConfig(r.node!, r.vmid!).catch((err: unknown) => {
      // Deleted since the list (VMs come and go while others work on the cluster): it backs no node.
      if (err instanceof ProxmoxNotFoundError) return undefined;
      throw err;
    });
    const uuid = uuidOfSmbios(config?.smbios1);
    if (uuid) uuids.set(uuid, r.vmid!);
    if (uuid === ref.uuid) return view(r);
  }
  return undefined;
}
