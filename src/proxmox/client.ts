// Typed API methods: one thin method per call the steps make. Methods that start a task return its UPID; callers
// wait with waitTask (or use the idempotent operations in idempotent.ts, which wait themselves).
import { apiPath, Params, ProxmoxHttp } from './http';
import { cloneIfAbsent, CloneRequest, CloneResult, deleteIfPresent, DeleteResult } from './idempotent';
import { TaskResult, waitForTask, WaitOptions } from './tasks';
import type {
  CertificateInfo,
  ClusterResource,
  NetworkInterface,
  NodeListEntry,
  NodeStatus,
  NodeStorage,
  PermissionMap,
  PoolEntry,
  QemuConfig,
  QemuListEntry,
  QemuStatus,
  StorageContentEntry,
  TaskListEntry,
  VersionInfo,
} from './types';

export interface CloneParams {
  newid: number;
  name?: string;
  /** Full copy (default: linked clone of a template). */
  full?: boolean;
  storage?: string;
  target?: string;
  pool?: string;
  description?: string;
}

export interface BridgeParams {
  iface: string;
  cidr?: string;
  bridgePorts?: string;
  autostart?: boolean;
  comments?: string;
}

export class ProxmoxClient extends ProxmoxHttp {
  waitTask(upid: string, options?: WaitOptions): Promise<TaskResult> {
    return waitForTask(this, upid, options);
  }

  /** Clones unless a VM with that VMID/name exists; waits for a clone of it that is still running. */
  cloneIfAbsent(request: CloneRequest): Promise<CloneResult> {
    return cloneIfAbsent(this, request);
  }

  /** Stops (if running) and destroys the VM; a VM that is already gone is not an error. */
  deleteIfPresent(node: string, vmid: number, wait?: WaitOptions): Promise<DeleteResult> {
    return deleteIfPresent(this, node, vmid, wait);
  }

  version(): Promise<VersionInfo> {
    return this.get('/version');
  }

  nodes(): Promise<NodeListEntry[]> {
    return this.get('/nodes');
  }

  nodeStatus(node: string): Promise<NodeStatus> {
    return this.get(apiPath`/nodes/${node}/status`);
  }

  clusterResources(type?: 'vm' | 'storage' | 'node' | 'sdn'): Promise<ClusterResource[]> {
    return this.get('/cluster/resources', { type });
  }

  nextId(): Promise<number> {
    return this.get<string | number>('/cluster/nextid').then(Number);
  }

  // --- network -------------------------------------------------------------------------------------------------

  networks(node: string, type?: string): Promise<NetworkInterface[]> {
    return this.get(apiPath`/nodes/${node}/network`, { type });
  }

  network(node: string, iface: string): Promise<NetworkInterface> {
    return this.get(apiPath`/nodes/${node}/network/${iface}`);
  }

  /** Writes the pending configuration only; reloadNetwork applies it. */
  createBridge(node: string, bridge: BridgeParams): Promise<null> {
    return this.post(apiPath`/nodes/${node}/network`, {
      iface: bridge.iface,
      type: 'bridge',
      autostart: bridge.autostart ?? true,
      cidr: bridge.cidr,
      bridge_ports: bridge.bridgePorts,
      comments: bridge.comments,
    });
  }

  deleteNetwork(node: string, iface: string): Promise<null> {
    return this.delete(apiPath`/nodes/${node}/network/${iface}`);
  }

  /** Applies pending network changes (ifreload); returns the UPID of the reload task. */
  reloadNetwork(node: string): Promise<string> {
    return this.put(apiPath`/nodes/${node}/network`);
  }

  // --- storage -------------------------------------------------------------------------------------------------

  storages(node: string, filter: { content?: string; enabled?: boolean } = {}): Promise<NodeStorage[]> {
    return this.get(apiPath`/nodes/${node}/storage`, filter);
  }

  storageStatus(node: string, storage: string): Promise<NodeStorage> {
    return this.get(apiPath`/nodes/${node}/storage/${storage}/status`);
  }

  storageContent(node: string, storage: string, filter: { content?: string; vmid?: number } = {}): Promise<StorageContentEntry[]> {
    return this.get(apiPath`/nodes/${node}/storage/${storage}/content`, filter);
  }

  /** Returns the new volume ID, e.g. local-lvm:vm-100-disk-1. `size` like "1G" or "512M". */
  allocateVolume(node: string, storage: string, volume: { vmid: number; filename: string; size: string; format?: string }): Promise<string> {
    return this.post(apiPath`/nodes/${node}/storage/${storage}/content`, volume);
  }

  /** Returns a UPID on storages that delete in a task, null otherwise. */
  deleteVolume(node: string, storage: string, volume: string): Promise<string | null> {
    return this.delete(apiPath`/nodes/${node}/storage/${storage}/content/${volume}`);
  }

  // --- qemu ----------------------------------------------------------------------------------------------------

  qemuList(node: string): Promise<QemuListEntry[]> {
    return this.get(apiPath`/nodes/${node}/qemu`);
  }

  qemuConfig(node: string, vmid: number): Promise<QemuConfig> {
    return this.get(apiPath`/nodes/${node}/qemu/${vmid}/config`);
  }

  /** Synchronous config change (PUT /config); it returns once the change is written. */
  setQemuConfig(node: string, vmid: number, params: Params): Promise<null> {
    return this.put(apiPath`/nodes/${node}/qemu/${vmid}/config`, params);
  }

  qemuStatus(node: string, vmid: number): Promise<QemuStatus> {
    return this.get(apiPath`/nodes/${node}/qemu/${vmid}/status/current`);
  }

  startVm(node: string, vmid: number): Promise<string> {
    return this.post(apiPath`/nodes/${node}/qemu/${vmid}/status/start`);
  }

  stopVm(node: string, vmid: number): Promise<string> {
    return this.post(apiPath`/nodes/${node}/qemu/${vmid}/status/stop`);
  }

  shutdownVm(node: string, vmid: number, timeoutSeconds?: number): Promise<string> {
    return this.post(apiPath`/nodes/${node}/qemu/${vmid}/status/shutdown`, { timeout: timeoutSeconds });
  }

  /** `size` is absolute ("40G") or relative ("+10G"). Returns a UPID (PVE 7.2+) or null (older servers). */
  resizeDisk(node: string, vmid: number, disk: string, size: string): Promise<string | null> {
    return this.put(apiPath`/nodes/${node}/qemu/${vmid}/resize`, { disk, size });
  }

  cloneVm(node: string, vmid: number, params: CloneParams): Promise<string> {
    return this.post(apiPath`/nodes/${node}/qemu/${vmid}/clone`, { ...params });
  }

  destroyVm(node: string, vmid: number): Promise<string> {
    return this.delete(apiPath`/nodes/${node}/qemu/${vmid}`, { purge: true });
  }

  // --- tasks, access, pools, certificates -----------------------------------------------------------------------

  tasks(node: string, filter: { typefilter?: string; vmid?: number; source?: 'archive' | 'active' | 'all'; limit?: number } = {}): Promise<TaskListEntry[]> {
    return this.get(apiPath`/nodes/${node}/tasks`, filter);
  }

  certificates(node: string): Promise<CertificateInfo[]> {
    return this.get(apiPath`/nodes/${node}/certificates/info`);
  }

  /** Effective permissions of the caller (or of `userid`, a user or a full token ID). */
  permissions(filter: { path?: string; userid?: string } = {}): Promise<PermissionMap> {
    return this.get('/access/permissions', filter);
  }

  pools(): Promise<PoolEntry[]> {
    return this.get('/pools');
  }

  createPool(poolid: string, comment?: string): Promise<null> {
    return this.post('/pools', { poolid, comment });
  }

  updatePool(poolid: string, params: { comment?: string }): Promise<null> {
    return this.put(apiPath`/pools/${poolid}`, params);
  }

  deletePool(poolid: string): Promise<null> {
    return this.delete(apiPath`/pools/${poolid}`);
  }
}
