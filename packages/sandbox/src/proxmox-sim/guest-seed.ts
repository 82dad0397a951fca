// What cloud-init in the simulated guest finds when it boots: the NoCloud datasource on a CD-ROM labelled "cidata"
// (or "CIDATA") that holds user-data and meta-data, and optionally network-config and vendor-data. The media are the
// VM's CD-ROM drives in the order the guest sees them (/dev/sr0, /dev/sr1, ...): an uploaded ISO (what CAPMOX attaches
// as ide0) is read with the ISO9660 reader; Proxmox's own cloud-init drive (vm-<vmid>-cloudinit, which qemu-server
// renders as a NoCloud ISO labelled "cidata") is played from the VM's ci* and ipconfigN options. Like NoCloud, the
// lower-case label is tried before the upper-case one, and a labelled medium without the required files is skipped
// with a warning.
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { drivesOf, isCdrom, isCloudinit, splitVolid } from './api/vm-config';
import { readIso9660 } from './iso9660';
import type { NodeState, VmConfig, VmState } from './state';

export interface IpAddress {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** One interface of the seed's network configuration, as the guest's renderer (netplan) would apply it. */
export interface InterfaceConfig {
  /** Lower-case MAC address the entry matches, if it matches by MAC. */
  mac?: string;
  /** Interface name (or glob) the entry matches, if it matches by name. */
  match?: string;
  /** The name the interface is given (netplan set-name; a network-config v1 physical entry's name). */
  setName?: string;
  addresses: IpAddress[];
  dhcp4: boolean;
}

export interface NocloudSeed {
  /** The block device, e.g. "/dev/sr0". */
  device: string;
  /** An uploaded ISO, or Proxmox's cloud-init drive. */
  kind: 'iso' | 'proxmox';
  instanceId: string;
  hostname?: string;
  /** Undefined: the seed has no network-config (cloud-init then configures DHCP on the first NIC). */
  interfaces?: InterfaceConfig[];
}

export interface SeedDiscovery {
  seed?: NocloudSeed;
  /** Whether any medium carried the label: ds-identify then enables cloud-init even if no seed was valid. */
  labelled: boolean;
  /** WARNINGs cloud-init logs while reading the seed; they make its status "degraded done" (exit code 2). */
  warnings: string[];
}

/** CD-ROM drives in device order: IDE bus by bus, then SATA, then SCSI (VirtIO block devices cannot be CD-ROMs). */
function cdroms(config: VmConfig): Array<{ key: string; file: string; device: string }> {
  const rank = (key: string) => {
    const m = /^(ide|sata|scsi)(\d+)$/.exec(key);
    return m ? ['ide', 'sata', 'scsi'].indexOf(m[1]) * 100 + Number(m[2]) : Number.MAX_SAFE_INTEGER;
  };
  return drivesOf(config)
    .filter(([key, d]) => isCdrom(d) && rank(key) !== Number.MAX_SAFE_INTEGER)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([key, d], i) => ({ key, file: d.file, device: `/dev/sr${i}` }));
}

const text = (b: Buffer | undefined) => (b === undefined ? undefined : b.toString('utf8'));

function loadYaml(source: string, what: string, warnings: string[]): unknown {
  try {
    return parseYaml(source);
  } catch (err) {
    warnings.push(`Failed loading yaml blob. ${what}: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

/** How cloud-init's user-data handlers would take it: unknown formats and broken cloud-config are warnings. */
function checkUserData(userData: string, warnings: string[]): void {
  const head = userData.trimStart();
  if (!head) return;
  if (head.startsWith('#cloud-config')) {
    const parsed = loadYaml(userData, 'user-data', warnings);
    if (parsed !== undefined && parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      warnings.push('Failed at merging in cloud config part from part-001: cloud-config is not a mapping');
    }
    return;
  }
  const known = ['#!', '#include', '#cloud-boothook', '## template:', '#part-handler', '#cloud-config-archive', 'Content-Type:', 'MIME-Version:'];
  if (known.some((k) => head.startsWith(k)) || userData.startsWith('\x1f\x8b')) return;
  const sample = JSON.stringify(head.slice(0, 24)).slice(1, -1);
  warnings.push(`Unhandled non-multipart (text/x-not-multipart) userdata: 'b'${sample}...'`);
}

function parseAddress(value: unknown, netmask?: unknown): IpAddress | undefined {
  if (typeof value !== 'string') return undefined;
  const [address, prefixText] = value.split('/');
  const family = address.includes(':') ? 'ipv6' : 'ipv4';
  let prefix = prefixText !== undefined ? Number(prefixText) : family === 'ipv4' ? 24 : 64;
  if (prefixText === undefined && typeof netmask === 'string' && family === 'ipv4') {
    prefix = netmask.split('.').reduce((n, octet) => n + (Number(octet) >>> 0).toString(2).replace(/0/g, '').length, 0);
  }
  return Number.isInteger(prefix) ? { address, prefix, family } : undefined;
}

/** network-config version 2 (netplan, what CAPMOX writes) or version 1, possibly under a top-level "network" key. */
export function parseNetworkConfig(doc: unknown): InterfaceConfig[] | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  const root = (doc as Record<string, unknown>).network && typeof (doc as Record<string, unknown>).network === 'object' ? ((doc as Record<string, unknown>).network as Record<string, unknown>) : (doc as Record<string, unknown>);
  const out: InterfaceConfig[] = [];
  if (Number(root.version) === 2) {
    for (const [key, raw] of Object.entries((root.ethernets as Record<string, unknown>) ?? {})) {
      const e = (raw ?? {}) as Record<string, unknown>;
      const match = (e.match ?? undefined) as Record<string, unknown> | undefined;
      const entry: InterfaceConfig = { addresses: [], dhcp4: e.dhcp4 === true || e.dhcp4 === 'true' || e.dhcp4 === 'yes' };
      if (typeof match?.macaddress === 'string') entry.mac = match.macaddress.toLowerCase();
      if (typeof match?.name === 'string') entry.match = match.name;
      if (!match) entry.match = key;
      if (typeof e['set-name'] === 'string') entry.setName = e['set-name'];
      for (const a of Array.isArray(e.addresses) ? e.addresses : []) {
        const parsed = parseAddress(a);
        if (parsed) entry.addresses.push(parsed);
      }
      out.push(entry);
    }
    return out;
  }
  if (Number(root.version) === 1) {
    for (const raw of Array.isArray(root.config) ? root.config : []) {
      const c = (raw ?? {}) as Record<string, unknown>;
      if (c.type !== 'physical') continue;
      const entry: InterfaceConfig = { addresses: [], dhcp4: false };
      if (typeof c.mac_address === 'string') entry.mac = c.mac_address.toLowerCase();
      if (typeof c.name === 'string') entry.setName = c.name;
      // Without a MAC, a v1 physical entry names the interface it configures.
      if (!entry.mac && entry.setName) entry.match = entry.setName;
      for (const s of Array.isArray(c.subnets) ? c.subnets : []) {
        const subnet = (s ?? {}) as Record<string, unknown>;
        if (subnet.type === 'dhcp' || subnet.type === 'dhcp4') entry.dhcp4 = true;
        if (subnet.type === 'static' || subnet.type === 'static6') {
          const parsed = parseAddress(subnet.address, subnet.netmask);
          if (parsed) entry.addresses.push(parsed);
        }
      }
      out.push(entry);
    }
    return out;
  }
  return undefined;
}

function macOf(netValue: string): string | undefined {
  return /=([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})/.exec(netValue)?.[1].toLowerCase();
}

/** Proxmox's own cloud-init drive: a NoCloud seed qemu-server writes from the VM's options (network-config v1). */
function proxmoxSeed(vm: VmState, device: string): NocloudSeed {
  const interfaces: InterfaceConfig[] = [];
  for (const [key, value] of Object.entries(vm.config)) {
    const m = /^net(\d+)$/.exec(key);
    if (!m) continue;
    // qemu-server leaves a NIC without ipconfigN out of the network configuration.
    const ipconfig = String(vm.config[`ipconfig${m[1]}`] ?? '');
    if (!ipconfig) continue;
    const entry: InterfaceConfig = { mac: macOf(String(value)), setName: `eth${m[1]}`, addresses: [], dhcp4: /(?:^|,)ip=dhcp/.test(ipconfig) };
    for (const [, v] of ipconfig.matchAll(/(?:^|,)ip6?=([^,]+)/g)) {
      const parsed = v === 'dhcp' || v === 'auto' ? undefined : parseAddress(v);
      if (parsed) entry.addresses.push(parsed);
    }
    interfaces.push(entry);
  }
  const instanceId = createHash('sha1').update(JSON.stringify(vm.config)).digest('hex');
  return { device, kind: 'proxmox', instanceId, hostname: String(vm.config.name ?? `VM${vm.vmid}`), interfaces };
}

/** Reads the VM's CD-ROMs as cloud-init's NoCloud datasource does at boot. */
export function discoverSeed(node: NodeState, vm: VmState): SeedDiscovery {
  const warnings: string[] = [];
  const candidates: Array<{ label: string; device: string; read: () => NocloudSeed | undefined }> = [];
  for (const drive of cdroms(vm.config)) {
    if (isCloudinit({ file: drive.file, options: new Map() })) {
      candidates.push({ label: 'cidata', device: drive.device, read: () => proxmoxSeed(vm, drive.device) });
      continue;
    }
    if (!drive.file.includes(':')) continue;
    const { storage, name } = splitVolid(drive.file);
    const bytes = node.storages.get(storage)?.files.get(name);
    if (!bytes) continue;
    let volume: ReturnType<typeof readIso9660>;
    try {
      volume = readIso9660(bytes);
    } catch {
      continue;
    }
    candidates.push({
      label: volume.label,
      device: drive.device,
      read: () => {
        const userData = text(volume.files.get('user-data'));
        const metaData = text(volume.files.get('meta-data'));
        if (userData === undefined || metaData === undefined) {
          warnings.push(`device ${drive.device} with label=${volume.label} not a valid seed.`);
          return undefined;
        }
        const meta = (loadYaml(metaData, 'meta-data', warnings) ?? {}) as Record<string, unknown>;
        checkUserData(userData, warnings);
        const networkText = text(volume.files.get('network-config'));
        const network = networkText === undefined ? undefined : loadYaml(networkText, 'network-config', warnings);
        const seed: NocloudSeed = { device: drive.device, kind: 'iso', instanceId: String(meta['instance-id'] ?? 'iid-dsnocloud') };
        const hostname = meta['local-hostname'] ?? meta.hostname;
        if (typeof hostname === 'string') seed.hostname = hostname;
        const interfaces = parseNetworkConfig(network);
        if (interfaces) seed.interfaces = interfaces;
        return seed;
      },
    });
  }
  let labelled = false;
  for (const label of ['cidata', 'CIDATA']) {
    for (const c of candidates.filter((x) => x.label === label)) {
      labelled = true;
      const seed = c.read();
      if (seed) return { seed, labelled, warnings };
    }
  }
  return { labelled, warnings };
}
