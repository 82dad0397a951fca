// The seed: what the simulated Proxmox VE installation holds when it starts. Given as an object or a YAML/JSON file,
// validated with zod so that a mistake is reported with its path (e.g. "nodes.0.storages.1.type: Invalid enum value").
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const flag = z
  .union([z.boolean(), z.literal(0), z.literal(1)])
  .transform((v) => v === true || v === 1);
const size = z.union([z.number().int().nonnegative(), z.string().regex(/^\s*\d+(\.\d+)?\s*[KMGT]?(i?B)?\s*$/i, 'a size such as 32G or 500GiB')]);

const networkInterface = z.object({
  iface: z.string().regex(/^[a-z][a-z0-9_]{1,20}([:.]\d+)?$/i, 'an interface name such as vmbr0 or eno1'),
  type: z.enum(['bridge', 'eth', 'bond', 'vlan', 'OVSBridge', 'OVSPort', 'alias', 'unknown']),
  active: flag.default(true),
  autostart: flag.default(true),
  cidr: z.string().optional(),
  gateway: z.string().optional(),
  bridge_ports: z.string().optional(),
  bridge_vlan_aware: flag.optional(),
  comments: z.string().optional(),
});

const storageContent = z.object({
  volid: z.string().regex(/^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i, "a volume ID such as 'local:iso/ubuntu.iso'"),
  size,
  format: z.string().optional(),
  vmid: z.number().int().optional(),
});

const storage = z.object({
  id: z.string().regex(/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i, 'a storage ID'),
  type: z.enum(['dir', 'lvmthin', 'lvm', 'zfspool', 'nfs', 'cifs', 'rbd', 'cephfs', 'btrfs', 'pbs']),
  content: z.string().regex(/^[a-z]+(,[a-z]+)*$/, "a content list such as 'images,rootdir'"),
  total: size,
  used: size.default(0),
  shared: flag.default(false),
  enabled: flag.default(true),
  active: flag.default(true),
  path: z.string().optional(),
  contents: z.array(storageContent).default([]),
});

const disk = z.object({
  slot: z.string().regex(/^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/, 'a disk slot such as scsi0'),
  storage: z.string(),
  size,
  format: z.enum(['raw', 'qcow2', 'vmdk']).optional(),
});

const nic = z.object({
  slot: z.string().regex(/^net\d+$/, 'a NIC slot such as net0'),
  model: z.enum(['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3']).default('virtio'),
  bridge: z.string(),
  macaddr: z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i).optional(),
  tag: z.number().int().min(1).max(4094).optional(),
  firewall: flag.optional(),
});

const vm = z.object({
  vmid: z.number().int().min(100).max(999_999_999),
  name: z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9-.]*[a-zA-Z0-9])?$/, 'a DNS name'),
  template: flag.default(false),
  agent: flag.default(false),
  cloudinit: flag.default(false),
  cloudinitStorage: z.string().optional(),
  cores: z.number().int().min(1).default(1),
  sockets: z.number().int().min(1).default(1),
  memory: z.number().int().min(16).default(2048),
  disks: z.array(disk).default([]),
  nets: z.array(nic).default([]),
  tags: z.array(z.string()).default([]),
  status: z.enum(['running', 'stopped']).default('stopped'),
  pool: z.string().optional(),
  ipAddresses: z.array(z.string()).default([]),
  extraConfig: z.record(z.union([z.string(), z.number()])).default({}),
});

const certificate = z
  .object({
    notAfter: z.string().datetime({ offset: true }).optional(),
    expiresInDays: z.number().optional(),
    notBeforeDaysAgo: z.number().default(30),
    subject: z.string().optional(),
    san: z.array(z.string()).optional(),
  })
  .refine((c) => !(c.notAfter && c.expiresInDays !== undefined), 'give notAfter or expiresInDays, not both');

const node = z.object({
  name: z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/, 'a node name'),
  cpus: z.number().int().min(1).default(8),
  cpuModel: z.string().default('Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz'),
  memory: size.default('64G'),
  rootfs: size.default('100G'),
  uptime: z.number().int().nonnegative().default(864_000),
  status: z.enum(['online', 'offline']).default('online'),
  ip: z.string().default('127.0.0.1'),
  kversion: z.string().default('Linux 6.8.12-1-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-1 (2024-08-05T16:17Z)'),
  subscription: z.enum(['notfound', 'active', 'expired']).default('notfound'),
  network: z.array(networkInterface).default([]),
  storages: z.array(storage).default([]),
  vms: z.array(vm).default([]),
  certificate: certificate.default({}),
});

const user = z.object({
  userid: z.string().regex(/^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/, 'a user ID such as root@pam'),
  password: z.string().optional(),
  enable: flag.default(true),
  expire: z.number().int().nonnegative().default(0),
  email: z.string().optional(),
  firstname: z.string().optional(),
  lastname: z.string().optional(),
  comment: z.string().optional(),
  groups: z.array(z.string()).default([]),
});

const token = z.object({
  id: z.string().regex(/^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/, 'a token ID such as root@pam!cozy'),
  secret: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lowercase UUID'),
  privsep: flag.default(true),
  expire: z.number().int().nonnegative().default(0),
  comment: z.string().optional(),
});

const acl = z.object({
  path: z.string().startsWith('/'),
  ugid: z.string().min(1),
  roleid: z.string().min(1),
  propagate: flag.default(true),
});

export const seedSchema = z
  .object({
    version: z
      .object({
        version: z.string().regex(/^\d+\.\d+(\.\d+)?(-\d+)?$/, "a version such as '8.2.4'"),
        release: z.string().regex(/^\d+\.\d+$/, "a release such as '8.2'").optional(),
        repoid: z.string().regex(/^[0-9a-fA-F]{8,64}$/).default('faa83925c9641325'),
        console: z.enum(['applet', 'vv', 'html5', 'xtermjs']).optional(),
      })
      .transform((v) => ({ ...v, release: v.release ?? v.version.split('.').slice(0, 2).join('.') })),
    clusterName: z.string().optional(),
    nodes: z.array(node).min(1),
    users: z.array(user).default([]),
    groups: z.array(z.object({ groupid: z.string(), comment: z.string().optional() })).default([]),
    tokens: z.array(token).default([]),
    roles: z.array(z.object({ roleid: z.string().regex(/^[A-Za-z0-9.\-_]+$/), privs: z.array(z.string()) })).default([]),
    acls: z.array(acl).default([]),
    pools: z.array(z.object({ poolid: z.string().regex(/^[A-Za-z0-9.\-_]+$/), comment: z.string().optional() })).default([]),
  })
  .superRefine((seed, ctx) => {
    const vmids = new Set<number>();
    seed.nodes.forEach((n, ni) =>
      n.vms.forEach((v, vi) => {
        if (vmids.has(v.vmid)) ctx.addIssue({ code: 'custom', path: ['nodes', ni, 'vms', vi, 'vmid'], message: `duplicate VMID ${v.vmid}` });
        vmids.add(v.vmid);
        const storageIds = new Set(n.storages.map((s) => s.id));
        v.disks.forEach((d, di) => {
          if (!storageIds.has(d.storage)) {
            ctx.addIssue({ code: 'custom', path: ['nodes', ni, 'vms', vi, 'disks', di, 'storage'], message: `storage '${d.storage}' is not defined on node '${n.name}'` });
          }
        });
      }),
    );
    const users = new Set(seed.users.map((u) => u.userid));
    seed.tokens.forEach((t, ti) => {
      const owner = t.id.split('!')[0];
      if (!users.has(owner)) ctx.addIssue({ code: 'custom', path: ['tokens', ti, 'id'], message: `user '${owner}' is not defined` });
    });
  });

/** The seed as written by hand (defaults optional). */
export type SimulatorSeedInput = z.input<typeof seedSchema>;
/** The seed after validation, every default filled in. */
export type SimulatorSeed = z.output<typeof seedSchema>;

export class SeedError extends Error {}

export function parseSeed(input: unknown, source = 'seed'): SimulatorSeed {
  const result = seedSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SeedError(`invalid ${source}:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Reads a seed file; YAML is a superset of JSON, so one parser covers both. */
export function loadSeedFile(path: string): SimulatorSeed {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SeedError(`cannot read seed file ${path}: ${(err as Error).message}`);
  }
  return parseSeed(raw, `seed file ${path}`);
}
