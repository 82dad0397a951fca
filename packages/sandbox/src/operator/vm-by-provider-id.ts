// Finds the Proxmox VM a node's providerID names, the way the sandbox's controllers look for it through the Proxmox
// API: a VMID is looked up in /cluster/resources; a CAPMOX uuid has to be matched against each VM's smbios1 config
// line, since /cluster/resources does not carry it. Templates and entries without a node back no Kubernetes node.
import type { ProxmoxClient } from '../../../../src/proxmox/client';
import { ProxmoxNotFoundError } from '../../../../src/proxmox/errors';
import type { ClusterResource, QemuConfig } from '../../../../src/proxmox/types';
import type { ProviderRef } from './provider-id';

export interface BackingVm {
  /** The Proxmox node the VM runs on. */
  node: string;
  vmid: number;
  name?: string;
  /** As /cluster/resources reports it: running, stopped, paused... */
  status?: string;
}

export interface VmSearch {
  /** A /cluster/resources (type vm) answer to reuse instead of asking again. */
  resources?: ClusterResource[];
  /** uuid -> VMID learnt by earlier searches, so that no VM's config is read twice. */
  knownUuids?: Map<string, number>;
  /** The node's name: a VM of that name is the likeliest match for a uuid, so its config is read first. */
  nodeName?: string;
}

/** The uuid of a VM's smbios1 option ("uuid=<uuid>,sku=...", comma-separated key=value pairs), lower-cased. */
export function smbiosUuid(smbios1: unknown): string | undefined {
  if (typeof smbios1 !== 'string') return undefined;
  for (const pair of smbios1.split(',')) {
    const [key, value] = pair.split('=', 2);
    if (key.trim() === 'uuid' && value) return value.trim().toLowerCase();
  }
  return undefined;
}

function toBackingVm(r: ClusterResource): BackingVm {
  return { node: r.node!, vmid: r.vmid!, name: r.name, status: r.status };
}

export async function findVmByProviderRef(px: ProxmoxClient, ref: ProviderRef, search: VmSearch = {}): Promise<BackingVm | undefined> {
  const all = search.resources ?? (await px.clusterResources('vm'));
  const vms = all.filter((r) => r.vmid !== undefined && r.node && !r.template);
  if (ref.kind === 'vmid') {
    const hit = vms.find((r) => r.vmid === ref.vmid);
    return hit && toBackingVm(hit);
  }
  const known = search.knownUuids ?? new Map<string, number>();
  const remembered = known.get(ref.uuid);
  const cached = remembered === undefined ? undefined : vms.find((r) => r.vmid === remembered);
  if (cached) return toBackingVm(cached);
  const alreadyRead = new Set(known.values());
  const named = (r: ClusterResource) => search.nodeName !== undefined && r.name === search.nodeName;
  const ordered = [...vms.filter(named), ...vms.filter((r) => !named(r))];
  for (const r of ordered) {
    if (alreadyRead.has(r.vmid!)) continue;
    let config: QemuConfig;
    try {
      config = await px.qemuConfig(r.node!, r.vmid!);
    } catch (err) {
      // Gone between the listing and this read (others create and delete VMs meanwhile): it backs nothing.
      if (err instanceof ProxmoxNotFoundError) continue;
      throw err;
    }
    const uuid = smbiosUuid(config.smbios1);
    if (uuid === undefined) continue;
    known.set(uuid, r.vmid!);
    if (uuid === ref.uuid) return toBackingVm(r);
  }
  return undefined;
}
