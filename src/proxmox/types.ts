// Shapes of the answers this project reads, reduced to the fields it uses (the API returns more). Booleans arrive as
// 0/1 and numbers sometimes as strings; callers go through the helpers at the end.

export interface VersionInfo {
  version: string;
  release: string;
  repoid?: string;
}

export interface NodeListEntry {
  node: string;
  status: 'online' | 'offline' | 'unknown';
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  disk?: number;
  maxdisk?: number;
  uptime?: number;
  ssl_fingerprint?: string;
}

export interface NodeStatus {
  cpu: number;
  cpuinfo: { cpus: number; cores?: number; sockets?: number; model?: string };
  memory: { total: number; used: number; free: number };
  rootfs?: { total: number; used: number; free?: number; avail?: number };
  uptime?: number;
  pveversion?: string;
  kversion?: string;
}

export interface NetworkInterface {
  iface: string;
  type: string;
  active?: number | boolean;
  autostart?: number | boolean;
  bridge_ports?: string;
  cidr?: string;
  address?: string;
  comments?: string;
  method?: string;
}

export interface NodeStorage {
  storage: string;
  type: string;
  content: string;
  active?: number | boolean;
  enabled?: number | boolean;
  shared?: number | boolean;
  avail?: number;
  total?: number;
  used?: number;
}

export interface StorageContentEntry {
  volid: string;
  format?: string;
  size?: number;
  vmid?: number;
  content?: string;
}

export interface QemuListEntry {
  vmid: number;
  name?: string;
  status: string;
  template?: number | boolean;
  lock?: string;
  maxmem?: number;
  maxdisk?: number;
  cpus?: number;
}

export type QemuConfig = Record<string, string | number | undefined> & {
  name?: string;
  template?: number;
  agent?: string | number;
  lock?: string;
  digest?: string;
};

export interface QemuStatus {
  vmid: number;
  status: 'running' | 'stopped' | 'paused' | string;
  name?: string;
  lock?: string;
  qmpstatus?: string;
  template?: number | boolean;
  agent?: number | boolean;
}

export interface CertificateInfo {
  filename?: string;
  fingerprint?: string;
  issuer?: string;
  subject?: string;
  notbefore?: number;
  notafter?: number;
  san?: string[];
}

/** path → privilege → propagate (0/1). */
export type PermissionMap = Record<string, Record<string, number | boolean>>;

export interface TaskListEntry {
  upid: string;
  node: string;
  type: string;
  id?: string;
  user?: string;
  starttime?: number;
  endtime?: number;
  status?: string;
}

export interface PoolEntry {
  poolid: string;
  comment?: string;
}

export interface ClusterResource {
  id: string;
  type: string;
  node?: string;
  vmid?: number;
  name?: string;
  status?: string;
  template?: number | boolean;
  storage?: string;
}

export function truthy(value: number | boolean | string | undefined): boolean {
  return value === true || value === 1 || value === '1';
}

export function contentTypes(content: string | undefined): string[] {
  return (content ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
}
