// Storages: the cluster-wide list, per-node status, volumes (list, allocate, inspect, delete). Uploads: upload.ts.
import { fail } from '../errors';
import { hasPrivilege, requireAll } from '../permissions';
import type { Router } from '../router';
import type { SimulatorState, StorageState, Volume } from '../state';
import { parseSize } from '../sizes';

function canSee(state: SimulatorState, authid: string, storage: string): boolean {
  return hasPrivilege(state, authid, `/storage/${storage}`, 'Datastore.Audit') || hasPrivilege(state, authid, `/storage/${storage}`, 'Datastore.AllocateSpace');
}

function status(state: SimulatorState, s: StorageState) {
  const used = state.storageUsed(s);
  return {
    storage: s.id,
    type: s.type,
    content: s.content.join(','),
    active: s.active ? 1 : 0,
    enabled: s.enabled ? 1 : 0,
    shared: s.shared ? 1 : 0,
    total: s.total,
    used,
    avail: s.total - used,
    used_fraction: s.total ? Number((used / s.total).toFixed(6)) : 0,
  };
}

/** Volume parameter: either the full volid or the name on the given storage. */
function resolveVolume(s: StorageState, volume: string): { volid: string; name: string } {
  const colon = volume.indexOf(':');
  if (colon >= 0) {
    const storeid = volume.slice(0, colon);
    if (storeid !== s.id) fail(`volume '${volume}' does not belong to storage '${s.id}'`);
    return { volid: volume, name: volume.slice(colon + 1) };
  }
  return { volid: `${s.id}:${volume}`, name: volume };
}

/** Where the volume lives on the node: a device for block storages, else a file below the storage's path. */
function volumePath(s: StorageState, v: Volume): string {
  if (s.type === 'lvmthin' || s.type === 'lvm') return `/dev/pve/${v.name}`;
  if (s.type === 'zfspool') return `/dev/zvol/rpool/data/${v.name}`;
  const base = s.path ?? `/mnt/pve/${s.id}`;
  const file = v.name.slice(v.name.indexOf('/') + 1);
  if (v.content === 'iso') return `${base}/template/iso/${file}`;
  if (v.content === 'vztmpl') return `${base}/template/cache/${file}`;
  if (v.content === 'import') return `${base}/import/${file}`;
  return `${base}/${v.content === 'images' ? 'images/' : ''}${v.name}`;
}

export function volumeEntry(v: Volume) {
  const out: Record<string, unknown> = { volid: v.volid, format: v.format, size: v.size, content: v.content, ctime: v.ctime };
  if (v.vmid !== undefined) out.vmid = v.vmid;
  if (v.content === 'images') out.used = Math.round(v.size * 0.05);
  return out;
}

export function registerStorage(r: Router): void {
  r.add('GET /storage', ({ sim, authid, params }) => {
    const seen = new Map<string, StorageState>();
    for (const n of sim.state.nodes.values()) for (const s of n.storages.values()) if (!seen.has(s.id)) seen.set(s.id, s);
    return [...seen.values()]
      .filter((s) => (!params.type || s.type === params.type) && canSee(sim.state, authid, s.id))
      .map((s) => {
        const out: Record<string, unknown> = { storage: s.id, type: s.type, content: s.content.join(','), digest: 'a'.repeat(40) };
        if (s.shared) out.shared = 1;
        if (s.path) out.path = s.path;
        if (s.type === 'lvmthin') Object.assign(out, { thinpool: 'data', vgname: 'pve' });
        if (!s.enabled) out.disable = 1;
        return out;
      });
  });

  r.add('GET /storage/{storage}', ({ sim, params }) => {
    for (const n of sim.state.nodes.values()) {
      const s = n.storages.get(params.storage as string);
      if (s) return { storage: s.id, type: s.type, content: s.content.join(','), shared: s.shared ? 1 : 0, ...(s.path ? { path: s.path } : {}), digest: 'a'.repeat(40) };
    }
    return fail(`storage '${params.storage}' does not exist`);
  });

  r.add('GET /nodes/{node}/storage', ({ sim, authid, params }) => {
    const node = sim.node(params.node as string);
    const content = params.content ? String(params.content).split(',') : undefined;
    return [...node.storages.values()]
      .filter((s) => canSee(sim.state, authid, s.id))
      .filter((s) => !params.storage || s.id === params.storage)
      .filter((s) => params.enabled === undefined || String(params.enabled) !== '1' || s.enabled)
      .filter((s) => !content || content.some((c) => s.content.includes(c)))
      .map((s) => status(sim.state, s));
  });

  r.add('GET /nodes/{node}/storage/{storage}/status', ({ sim, params }) => {
    const s = sim.storage(params.node as string, params.storage as string);
    const { storage: _id, used_fraction: _f, ...rest } = status(sim.state, s);
    return rest;
  });

  r.add('GET /nodes/{node}/storage/{storage}/content', ({ sim, authid, params }) => {
    const s = sim.storage(params.node as string, params.storage as string);
    const canAllocate = hasPrivilege(sim.state, authid, `/storage/${s.id}`, 'Datastore.Allocate');
    return [...s.volumes.values()]
      .filter((v) => !params.content || v.content === params.content)
      .filter((v) => params.vmid === undefined || v.vmid === Number(params.vmid))
      .filter((v) => canAllocate || v.vmid === undefined || hasPrivilege(sim.state, authid, `/vms/${v.vmid}`, 'VM.Audit'))
      .map(volumeEntry);
  });

  r.add('POST /nodes/{node}/storage/{storage}/content', ({ sim, params }) => {
    const s = sim.storage(params.node as string, params.storage as string);
    const vmid = Number(params.vmid);
    const filename = String(params.filename);
    const sizeText = String(params.size);
    const size = /[MG]$/.test(sizeText) ? parseSize(sizeText) : Number(sizeText) * 1024;
    if (!s.content.includes('images')) fail(`storage '${s.id}' does not support content-type 'images'`);
    if (!new RegExp(`^(vm|base)-${vmid}-`).test(filename)) fail(`illegal name '${filename}' - should be 'vm-${vmid}-*'`);
    const format = (params.format as string | undefined) ?? 'raw';
    const name = s.type === 'dir' ? `${vmid}/${filename}` : filename;
    if (s.volumes.has(name)) fail(`volume '${s.id}:${name}' already exists`);
    if (s.type !== 'lvmthin' && s.type !== 'zfspool' && size > s.total - sim.state.storageUsed(s)) fail(`not enough space on storage '${s.id}'`);
    const volid = `${s.id}:${name}`;
    s.volumes.set(name, { volid, storage: s.id, name, content: 'images', format, size, vmid, ctime: Math.floor(Date.now() / 1000) });
    return volid;
  });

  r.add('GET /nodes/{node}/storage/{storage}/content/{volume}', ({ sim, params }) => {
    const s = sim.storage(params.node as string, params.storage as string);
    const { volid, name } = resolveVolume(s, params.volume as string);
    const v = s.volumes.get(name);
    if (!v) fail(`volume '${volid}' does not exist`);
    return { path: volumePath(s, v), size: v.size, used: v.content === 'images' ? Math.round(v.size * 0.05) : v.size, format: v.format };
  });

  r.add('DELETE /nodes/{node}/storage/{storage}/content/{volume}', ({ sim, params, authid }) => {
    const s = sim.storage(params.node as string, params.storage as string);
    const { volid, name } = resolveVolume(s, params.volume as string);
    const v = s.volumes.get(name);
    if (!v) fail(`volume '${volid}' does not exist`);
    const backupByOwner = v.content === 'backup' && v.vmid !== undefined && hasPrivilege(sim.state, authid, `/vms/${v.vmid}`, 'VM.Backup');
    if (backupByOwner) requireAll(sim.state, authid, `/storage/${s.id}`, ['Datastore.AllocateSpace']);
    else requireAll(sim.state, authid, `/storage/${s.id}`, ['Datastore.Allocate']);
    // pve-storage names the task after the owning VM and the storage ("<vmid>@<storage>"), or the storage alone.
    const id = v.vmid !== undefined ? `${v.vmid}@${s.id}` : s.id;
    return sim.tasks.start(params.node as string, 'imgdel', id, authid, async (task) => {
      await task.sleep(0.5 + Math.min(2, v.size / 64 / 1024 ** 3));
      if (!s.volumes.has(name)) throw new Error(`volume '${volid}' does not exist`);
      // A shared storage is one file system for every node that has it.
      for (const n of s.shared ? sim.state.nodes.values() : [sim.node(params.node as string)]) {
        const store = n.storages.get(s.id);
        store?.volumes.delete(name);
        store?.files.delete(name);
      }
      if (s.type === 'lvmthin' || s.type === 'lvm') task.log(`  Logical volume "${name}" successfully removed.`);
      task.log(`Removed volume '${volid}'`);
    });
  });
}
