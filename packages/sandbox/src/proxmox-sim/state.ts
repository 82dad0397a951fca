// The in-memory model of the simulated installation: nodes, network, storages and their volumes, VMs, users, tokens,
// roles, ACLs and pools. Built from a seed; handlers read and mutate it; tests may inspect and change it directly.
import { randomBytes, randomUUID } from 'node:crypto';
import type { GuestState } from './guest';
import { BUILTIN_ROLES } from './roles';
import type { SimulatorSeed } from './seed';
import { formatConfigSize, parseSize } from './sizes';

export type ConfigValue = string | number;
export type VmConfig = Record<string, ConfigValue>;

export interface NetworkInterface {
  iface: string;
  type: string;
  active: boolean;
  autostart: boolean;
  cidr?: string;
  gateway?: string;
  bridge_ports?: string;
  bridge_vlan_aware?: boolean;
  comments?: string;
}

export interface Volume {
  volid: string;
  storage: string;
  name: string;
  content: string;
  format: string;
  size: number;
  vmid?: number;
  ctime: number;
}

export interface StorageState {
  id: string;
  type: string;
  content: string[];
  total: number;
  /** Bytes used by data outside the listed volumes (system files, other VMs). */
  baseUsed: number;
  shared: boolean;
  enabled: boolean;
  active: boolean;
  path?: string;
  volumes: Map<string, Volume>;
  /** The bytes of uploaded files (ISO images, templates) by volume name, so that a simulated guest can read them. */
  files: Map<string, Buffer>;
}

export interface NodeCertificateSettings {
  notAfter?: string;
  expiresInDays?: number;
  notBeforeDaysAgo: number;
  subject?: string;
  san?: string[];
}

export interface NodeState {
  name: string;
  cpus: number;
  cpuModel: string;
  memory: number;
  rootfs: number;
  bootedAt: number;
  online: boolean;
  ip: string;
  kversion: string;
  subscription: string;
  network: Map<string, NetworkInterface>;
  /** Written but not yet applied network configuration (what /etc/network/interfaces.new holds). */
  pendingNetwork: Map<string, NetworkInterface> | null;
  storages: Map<string, StorageState>;
  certificate: NodeCertificateSettings;
}

export interface VmState {
  vmid: number;
  node: string;
  config: VmConfig;
  status: 'running' | 'stopped';
  startedAt?: number;
  /** When the guest agent answers (it starts some seconds after boot). */
  agentReadyAt?: number;
  pid?: number;
  ipAddresses: string[];
  /** The simulated guest OS while the VM runs (guest.ts). */
  guest?: GuestState;
}

export interface UserState {
  userid: string;
  password?: string;
  enable: boolean;
  expire: number;
  email?: string;
  firstname?: string;
  lastname?: string;
  comment?: string;
  groups: Set<string>;
  tokens: Map<string, TokenState>;
}

export interface TokenState {
  tokenid: string;
  secret: string;
  privsep: boolean;
  expire: number;
  comment?: string;
}

export interface AclEntry {
  path: string;
  ugid: string;
  type: 'user' | 'group' | 'token';
  roleid: string;
  propagate: boolean;
}

export interface PoolState {
  poolid: string;
  comment?: string;
  vms: Set<number>;
  storage: Set<string>;
}

export function aclType(ugid: string): AclEntry['type'] {
  if (ugid.startsWith('@')) return 'group';
  return ugid.includes('!') ? 'token' : 'user';
}

export function randomMac(): string {
  const b = randomBytes(3);
  return `BC:24:11:${[...b].map((x) => x.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;
}

export class SimulatorState {
  version: { version: string; release: string; repoid: string; console?: string };
  clusterName?: string;
  nodes = new Map<string, NodeState>();
  vms = new Map<number, VmState>();
  users = new Map<string, UserState>();
  groups = new Map<string, { groupid: string; comment?: string }>();
  roles = new Map<string, Set<string>>();
  acl: AclEntry[] = [];
  pools = new Map<string, PoolState>();
  private nextPid = 0x2a000;

  constructor(seed: SimulatorSeed) {
    const now = Math.floor(Date.now() / 1000);
    this.version = { ...seed.version };
    this.clusterName = seed.clusterName;
    for (const [name, privs] of Object.entries(BUILTIN_ROLES)) this.roles.set(name, new Set(privs));
    for (const r of seed.roles) this.roles.set(r.roleid, new Set(r.privs));
    for (const g of seed.groups) this.groups.set(g.groupid, { ...g });
    for (const p of seed.pools) this.pools.set(p.poolid, { poolid: p.poolid, comment: p.comment, vms: new Set(), storage: new Set() });

    for (const n of seed.nodes) {
      const node: NodeState = {
        name: n.name,
        cpus: n.cpus,
        cpuModel: n.cpuModel,
        memory: parseSize(n.memory),
        rootfs: parseSize(n.rootfs),
        bootedAt: now - n.uptime,
        online: n.status === 'online',
        ip: n.ip,
        kversion: n.kversion,
        subscription: n.subscription,
        network: new Map(n.network.map((i) => [i.iface, { ...i }])),
        pendingNetwork: null,
        storages: new Map(),
        certificate: { ...n.certificate },
      };
      for (const s of n.storages) {
        const storage: StorageState = {
          id: s.id,
          type: s.type,
          content: s.content.split(','),
          total: parseSize(s.total),
          baseUsed: parseSize(s.used),
          shared: s.shared,
          enabled: s.enabled,
          active: s.active,
          path: s.path,
          volumes: new Map(),
          files: new Map(),
        };
        for (const c of s.contents) {
          const name = c.volid.slice(c.volid.indexOf(':') + 1);
          const content = name.startsWith('iso/') ? 'iso' : name.startsWith('vztmpl/') ? 'vztmpl' : name.startsWith('dump/') ? 'backup' : 'images';
          storage.volumes.set(name, { volid: c.volid, storage: s.id, name, content, format: c.format ?? 'raw', size: parseSize(c.size), vmid: c.vmid, ctime: now - 86_400 });
        }
        node.storages.set(s.id, storage);
      }
      this.nodes.set(node.name, node);
      for (const v of n.vms) this.addSeedVm(node, v, now);
    }

    for (const u of seed.users) {
      this.users.set(u.userid, {
        userid: u.userid, password: u.password, enable: u.enable, expire: u.expire, email: u.email,
        firstname: u.firstname, lastname: u.lastname, comment: u.comment, groups: new Set(u.groups), tokens: new Map(),
      });
    }
    if (!this.users.has('root@pam')) {
      this.users.set('root@pam', { userid: 'root@pam', enable: true, expire: 0, groups: new Set(), tokens: new Map() });
    }
    for (const t of seed.tokens) {
      const [userid, tokenid] = t.id.split('!');
      this.users.get(userid)?.tokens.set(tokenid, { tokenid, secret: t.secret, privsep: t.privsep, expire: t.expire, comment: t.comment });
    }
    for (const a of seed.acls) this.acl.push({ path: normalizeAclPath(a.path), ugid: a.ugid, type: aclType(a.ugid), roleid: a.roleid, propagate: a.propagate });
  }

  private addSeedVm(node: NodeState, v: SimulatorSeed['nodes'][number]['vms'][number], now: number): void {
    const config: VmConfig = {
      name: v.name,
      cores: v.cores,
      sockets: v.sockets,
      memory: v.memory,
      ostype: 'l26',
      scsihw: 'virtio-scsi-pci',
      smbios1: `uuid=${randomUUID()}`,
      vmgenid: randomUUID(),
      meta: `creation-qemu=8.1.5,ctime=${now - 604_800}`,
      numa: 0,
    };
    const bootOrder: string[] = [];
    for (const d of v.disks) {
      const storage = node.storages.get(d.storage)!;
      const size = parseSize(d.size);
      const format = d.format ?? (storage.type === 'dir' ? 'qcow2' : 'raw');
      const base = v.template ? 'base' : 'vm';
      const index = [...storage.volumes.values()].filter((x) => x.vmid === v.vmid && x.content === 'images').length;
      const name = storage.type === 'dir' ? `${v.vmid}/${base}-${v.vmid}-disk-${index}.${format}` : `${base}-${v.vmid}-disk-${index}`;
      const volid = `${storage.id}:${name}`;
      storage.volumes.set(name, { volid, storage: storage.id, name, content: 'images', format, size, vmid: v.vmid, ctime: now - 604_800 });
      config[d.slot] = `${volid},size=${formatConfigSize(size)}`;
      bootOrder.push(d.slot);
    }
    if (v.cloudinit) {
      const storageId = v.cloudinitStorage ?? v.disks[0]?.storage ?? [...node.storages.values()].find((s) => s.content.includes('images'))?.id;
      if (storageId) {
        const storage = node.storages.get(storageId)!;
        const name = `vm-${v.vmid}-cloudinit`;
        storage.volumes.set(name, { volid: `${storageId}:${name}`, storage: storageId, name, content: 'images', format: 'raw', size: 4 * 1024 * 1024, vmid: v.vmid, ctime: now - 604_800 });
        config.ide2 = `${storageId}:${name},media=cdrom`;
      }
      config.serial0 = 'socket';
      config.vga = 'serial0';
      config.ipconfig0 = 'ip=dhcp';
    }
    for (const nic of v.nets) {
      const mac = nic.macaddr ?? randomMac();
      let value = `${nic.model}=${mac.toUpperCase()},bridge=${nic.bridge}`;
      if (nic.firewall !== undefined) value += `,firewall=${nic.firewall ? 1 : 0}`;
      if (nic.tag !== undefined) value += `,tag=${nic.tag}`;
      config[nic.slot] = value;
      bootOrder.push(nic.slot);
    }
    if (bootOrder.length) config.boot = `order=${bootOrder.join(';')}`;
    if (v.agent) config.agent = '1';
    if (v.tags.length) config.tags = v.tags.join(';');
    if (v.template) config.template = 1;
    Object.assign(config, v.extraConfig);
    const vm: VmState = { vmid: v.vmid, node: node.name, config, status: v.template ? 'stopped' : v.status, ipAddresses: [...v.ipAddresses] };
    if (vm.status === 'running') {
      vm.startedAt = now - 3600;
      vm.agentReadyAt = 0;
      vm.pid = this.allocatePid();
    }
    this.vms.set(v.vmid, vm);
    if (v.pool) {
      const pool = this.pools.get(v.pool) ?? { poolid: v.pool, vms: new Set<number>(), storage: new Set<string>() };
      pool.vms.add(v.vmid);
      this.pools.set(v.pool, pool);
    }
  }

  allocatePid(): number {
    this.nextPid += 1 + Math.floor(Math.random() * 40);
    return this.nextPid;
  }

  /** The pool a VM belongs to, if any. */
  poolOfVm(vmid: number): string | undefined {
    for (const p of this.pools.values()) if (p.vms.has(vmid)) return p.poolid;
    return undefined;
  }

  poolOfStorage(storage: string): string | undefined {
    for (const p of this.pools.values()) if (p.storage.has(storage)) return p.poolid;
    return undefined;
  }

  storageUsed(s: StorageState): number {
    let used = s.baseUsed;
    for (const v of s.volumes.values()) used += s.type === 'lvmthin' || s.type === 'zfspool' ? Math.round(v.size * 0.05) : v.size;
    return Math.min(used, s.total);
  }

  findToken(tokenFullId: string): { user: UserState; token: TokenState } | undefined {
    const bang = tokenFullId.indexOf('!');
    if (bang < 0) return undefined;
    const user = this.users.get(tokenFullId.slice(0, bang));
    const token = user?.tokens.get(tokenFullId.slice(bang + 1));
    return user && token ? { user, token } : undefined;
  }
}

/** Like the real server: collapse slashes, drop a trailing slash. */
export function normalizeAclPath(path: string): string {
  let p = path.replace(/\/+/g, '/').replace(/\/$/, '');
  if (!p) p = '/';
  if (!p.startsWith('/')) p = `/${p}`;
  return p;
}
