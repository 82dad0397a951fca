// The built-in roles of Proxmox VE and their privileges. Like the real server, the roles are derived from privilege
// groups per category: "admin" privileges go to PVE<Cat>Admin and PVEAdmin, "user" ones also to PVE<Cat>User,
// "audit" ones also to PVEAuditor; "root" privileges only to Administrator.
interface PrivilegeGroup {
  root: string[];
  admin: string[];
  user: string[];
  audit: string[];
}

const PRIVILEGE_GROUPS: Record<string, PrivilegeGroup> = {
  VM: {
    root: [],
    admin: [
      'VM.Config.Disk', 'VM.Config.CPU', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.HWType',
      'VM.Config.Options', 'VM.Allocate', 'VM.Clone', 'VM.Migrate', 'VM.Monitor', 'VM.Snapshot',
      'VM.Snapshot.Rollback', 'VM.Replicate', 'VM.GuestAgent.FileRead', 'VM.GuestAgent.FileWrite',
      'VM.GuestAgent.FileSystemMgmt', 'VM.GuestAgent.Unrestricted',
    ],
    user: ['VM.Config.CDROM', 'VM.Config.Cloudinit', 'VM.Console', 'VM.Backup', 'VM.PowerMgmt', 'VM.GuestAgent.Audit'],
    audit: ['VM.Audit'],
  },
  Sys: {
    root: ['Sys.PowerMgmt', 'Sys.Modify', 'Sys.Incoming', 'Sys.AccessNetwork'],
    admin: ['Sys.Console', 'Sys.Syslog'],
    user: [],
    audit: ['Sys.Audit'],
  },
  Datastore: {
    root: [],
    admin: ['Datastore.Allocate', 'Datastore.AllocateTemplate'],
    user: ['Datastore.AllocateSpace'],
    audit: ['Datastore.Audit'],
  },
  SDN: { root: [], admin: ['SDN.Allocate', 'SDN.Audit'], user: ['SDN.Use'], audit: ['SDN.Audit'] },
  User: { root: ['Realm.Allocate'], admin: ['User.Modify', 'Group.Allocate', 'Realm.AllocateUser'], user: [], audit: [] },
  Pool: { root: [], admin: ['Pool.Allocate'], user: ['Pool.Audit'], audit: ['Pool.Audit'] },
  Mapping: { root: [], admin: ['Mapping.Modify'], user: ['Mapping.Use'], audit: ['Mapping.Audit'] },
};

function buildBuiltinRoles(): { roles: Record<string, string[]>; privileges: string[] } {
  const valid = new Set<string>(['Permissions.Modify']);
  const roles: Record<string, Set<string>> = { NoAccess: new Set(), PVEAdmin: new Set(), PVEAuditor: new Set() };
  const add = (role: string, privs: string[]) => {
    roles[role] ??= new Set();
    for (const p of privs) roles[role].add(p);
  };
  for (const [cat, g] of Object.entries(PRIVILEGE_GROUPS)) {
    for (const p of [...g.root, ...g.admin, ...g.user, ...g.audit]) valid.add(p);
    add(`PVE${cat}Admin`, [...g.admin, ...g.user, ...g.audit]);
    add('PVEAdmin', [...g.admin, ...g.user, ...g.audit]);
    if (g.user.length) add(`PVE${cat}User`, [...g.user, ...g.audit]);
    add('PVEAuditor', g.audit);
  }
  roles.PVEAdmin.delete('Mapping.Modify');
  roles.PVETemplateUser = new Set(['VM.Clone', 'VM.Audit']);
  roles.Administrator = new Set(valid);
  const out: Record<string, string[]> = {};
  for (const [name, privs] of Object.entries(roles)) out[name] = [...privs].sort();
  return { roles: out, privileges: [...valid].sort() };
}

const built = buildBuiltinRoles();
export const BUILTIN_ROLES: Readonly<Record<string, readonly string[]>> = built.roles;
export const ALL_PRIVILEGES: readonly string[] = built.privileges;
export const isBuiltinRole = (role: string): boolean => role in BUILTIN_ROLES;
