// The Proxmox VE privileges the integrated components need from the API token, and a comparison with what the token
// has (GET /access/permissions).
//
// Sources (the projects' own documentation):
// - Cluster API provider for Proxmox VE (CAPMOX), "Proxmox RBAC with least privileges": Sys.Audit on / and /nodes,
//   PVEVMAdmin on the VM pool, PVETemplateUser on the template pool, PVESDNUser on the bridge's zone,
//   PVEDataStoreAdmin on the storage for cloud-init ISOs, Datastore.AllocateSpace on the disk storage. Expanded below
//   to the privileges of those roles that the provider's calls use (clone, configure, power, delete, upload an ISO,
//   and wait for the guest: the QEMU guest agent's network-get-interfaces, get-osinfo and `exec cloud-init status`,
//   which Proxmox VE 8 checks as VM.Monitor and 9 as VM.GuestAgent.Audit and, for exec, VM.GuestAgent.Unrestricted;
//   without them CAPMOX's wait for the agent ends in 403 and the machine never becomes ready).
// - proxmox-csi-plugin, install guide: role CSI with VM.Audit VM.Config.Disk Datastore.Allocate
//   Datastore.AllocateSpace Datastore.Audit.
import type { PermissionMap } from './types';

export interface RequiredPrivilege {
  privilege: string;
  /** Which component needs it, for the message. */
  neededBy: string[];
  /** Servers older than this do not have the privilege (SDN.Use arrived with bridge permissions in 8.0). */
  sinceVersion?: string;
  /** Servers from this version on do not have it (9.0 replaced VM.Monitor by the VM.GuestAgent.* privileges). */
  untilVersion?: string;
}

export const CAPMOX_PRIVILEGES: readonly string[] = [
  'Sys.Audit',
  'VM.Allocate',
  'VM.Clone',
  'VM.Audit',
  'VM.Config.CDROM',
  'VM.Config.CPU',
  'VM.Config.Cloudinit',
  'VM.Config.Disk',
  'VM.Config.HWType',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.Options',
  'VM.PowerMgmt',
  'VM.Monitor',
  'VM.GuestAgent.Audit',
  'VM.GuestAgent.Unrestricted',
  'Datastore.AllocateSpace',
  'Datastore.AllocateTemplate',
  'Datastore.Audit',
  'SDN.Use',
];

export const CSI_PRIVILEGES: readonly string[] = [
  'VM.Audit',
  'VM.Config.Disk',
  'Datastore.Allocate',
  'Datastore.AllocateSpace',
  'Datastore.Audit',
];

const VERSIONS: Record<string, { since?: string; until?: string }> = {
  'SDN.Use': { since: '8.0' },
  'VM.Monitor': { until: '9.0' },
  'VM.GuestAgent.Audit': { since: '9.0' },
  'VM.GuestAgent.Unrestricted': { since: '9.0' },
};

export const CAPMOX = 'Cluster API provider (CAPMOX)';
export const CSI = 'proxmox-csi-plugin';

export function requiredPrivileges(): RequiredPrivilege[] {
  const byPrivilege = new Map<string, RequiredPrivilege>();
  const add = (list: readonly string[], who: string) => {
    for (const privilege of list) {
      const entry = byPrivilege.get(privilege) ?? { privilege, neededBy: [], sinceVersion: VERSIONS[privilege]?.since, untilVersion: VERSIONS[privilege]?.until };
      entry.neededBy.push(who);
      byPrivilege.set(privilege, entry);
    }
  };
  add(CAPMOX_PRIVILEGES, CAPMOX);
  add(CSI_PRIVILEGES, CSI);
  return [...byPrivilege.values()];
}

export function versionAtLeast(found: string, wanted: string): boolean {
  const parse = (v: string) => (/^(\d+)\.(\d+)/.exec(v) ?? [0, 0, 0]).slice(1, 3).map(Number);
  const [fa, fb] = parse(found);
  const [wa, wb] = parse(wanted);
  return fa > wa || (fa === wa && fb >= wb);
}

export interface PrivilegeComparison {
  missing: RequiredPrivilege[];
  /** privilege → paths where the token has it. */
  grantedAt: Record<string, string[]>;
  /** Required privileges that do not exist on this server's version and were not asked for. */
  notApplicable: string[];
}

/**
 * A privilege counts as granted when the token holds it on any path: least-privilege setups grant VM rights on a
 * pool and datastore rights on one storage, not on /.
 */
export function comparePrivileges(permissions: PermissionMap, serverVersion: string): PrivilegeComparison {
  const grantedAt: Record<string, string[]> = {};
  for (const [path, privs] of Object.entries(permissions)) {
    for (const [priv, value] of Object.entries(privs ?? {})) {
      if (value === undefined || value === null) continue;
      (grantedAt[priv] ??= []).push(path);
    }
  }
  const missing: RequiredPrivilege[] = [];
  const notApplicable: string[] = [];
  for (const req of requiredPrivileges()) {
    if ((req.sinceVersion && !versionAtLeast(serverVersion, req.sinceVersion)) || (req.untilVersion && versionAtLeast(serverVersion, req.untilVersion))) {
      notApplicable.push(req.privilege);
      continue;
    }
    if (!grantedAt[req.privilege]) missing.push(req);
  }
  return { missing, grantedAt, notApplicable };
}
