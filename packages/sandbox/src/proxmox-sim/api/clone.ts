// clone_vm: the checks qemu-server makes before forking, then a qmclone task that holds a shared lock on a stopped
// source (exclusive on a running one, 1 s timeout) and an exclusive lock on the new VM, whose config carries
// `lock: clone` until every disk is copied (full clone) or linked (linked clone of a template).
import { randomUUID } from 'node:crypto';
import type { Simulation } from '../core';
import { ApiError, fail } from '../errors';
import { requireAll } from '../permissions';
import type { VmConfig, VmState } from '../state';
import { formatConfigSize, formatHuman } from '../sizes';
import { TaskAbort } from '../tasks';
import {
  DRIVE_KEY, UNUSED_KEY, allocateVolume, bool, bridgesOf, cloudinitVolume, driveSize, drivesOf, freeVolume, isCdrom,
  isCloudinit, isTemplate, normalizeNet, parseDrive, printDrive, splitVolid,
} from './vm-config';

/** Seconds a full copy of `bytes` takes (about 4 GiB/s on local thin storage, plus setup). */
const copySeconds = (bytes: number) => 0.5 + bytes / (4 * 1024 ** 3);

export function cloneVm(sim: Simulation, authid: string, params: Record<string, unknown>): string {
  const nodeName = params.node as string;
  const vmid = Number(params.vmid);
  const newid = Number(params.newid);
  const pool = params.pool as string | undefined;
  const storage = params.storage as string | undefined;
  const format = params.format as string | undefined;
  const target = params.target as string | undefined;
  if (params.snapname !== undefined) fail(`snapshot '${params.snapname}' does not exist`);
  const running = sim.state.vms.get(vmid)?.status === 'running';

  const loadAndCheck = () => {
    if (pool !== undefined && !sim.state.pools.has(pool)) fail(`pool '${pool}' does not exist`);
    if (target !== undefined && target !== nodeName) {
      sim.node(target);
      fail(`can't clone VM to node '${target}' (VM uses local storage)`);
    }
    const node = sim.node(nodeName);
    if (storage !== undefined) {
      const s = node.storages.get(storage);
      if (!s) fail(`storage '${storage}' does not exist`);
      if (!s.enabled) fail(`storage '${storage}' is disabled`);
    }
    const source = sim.vm(nodeName, vmid);
    sim.checkLock(source);
    if ((source.status === 'running') !== running) fail('unexpected state change');
    const full = params.full === undefined ? !isTemplate(source) : bool(params.full);
    if (storage !== undefined && !full) fail("parameter 'storage' not allowed for linked clones");
    if (format !== undefined && !full) fail("parameter 'format' not allowed for linked clones");
    // check_storage_access_clone: space on every storage the copies land on; SDN.Use on the bridges.
    for (const [, d] of drivesOf(source.config)) {
      if (isCdrom(d) && !isCloudinit(d)) continue;
      const sid = isCloudinit(d) ? splitVolid(d.file).storage : (storage ?? splitVolid(d.file).storage);
      requireAll(sim.state, authid, `/storage/${sid}`, ['Datastore.AllocateSpace']);
    }
    for (const bridge of bridgesOf(source.config)) requireAll(sim.state, authid, `/sdn/zones/localnetwork/${bridge}`, ['SDN.Use']);
    if (sim.state.vms.has(newid)) fail(`unable to create VM ${newid}: config file already exists`);
    const drives: Array<[string, ReturnType<typeof parseDrive>, boolean]> = [];
    const newconf: VmConfig = { lock: 'clone' };
    for (const [key, value] of Object.entries(source.config)) {
      if (UNUSED_KEY.test(key)) continue;
      if (/^net\d+$/.test(key)) {
        newconf[key] = normalizeNet(String(value).replace(/^(\w+)=[0-9A-Fa-f:]{17}/, '$1'));
      } else if (DRIVE_KEY.test(key)) {
        const d = parseDrive(String(value));
        if (isCdrom(d) && !isCloudinit(d)) {
          newconf[key] = value;
          continue;
        }
        const { storage: sid, name } = splitVolid(d.file);
        const s = node.storages.get(sid);
        const fullCopy = full || isCloudinit(d);
        if (!fullCopy) {
          const linkable = s && (s.type === 'lvmthin' || s.type === 'zfspool' || s.type === 'rbd' || (s.type === 'dir' && name.endsWith('.qcow2')));
          if (!linkable || !/(^|\/)base-\d+-disk-\d+/.test(name)) fail(`Linked clone feature is not supported for drive '${key}'`);
        }
        drives.push([key, d, fullCopy]);
      } else {
        newconf[key] = value;
      }
    }
    return { node, source, newconf, drives };
  };

  loadAndCheck();

  return sim.tasks.start(nodeName, 'qmclone', String(vmid), authid, async (task) => {
    const mode = running ? 'exclusive' : 'shared';
    await sim.locks.with(vmid, mode, 1, () =>
      sim.locks.with(newid, 'exclusive', 1, async () => {
        const { node, source, newconf, drives } = loadAndCheck();
        newconf.smbios1 = String(newconf.smbios1 ?? '').replace(/uuid=[0-9a-f-]+/i, '').replace(/^,|,$/g, '');
        newconf.smbios1 = newconf.smbios1 ? `uuid=${randomUUID()},${newconf.smbios1}` : `uuid=${randomUUID()}`;
        if (newconf.vmgenid) newconf.vmgenid = randomUUID();
        delete newconf.template;
        newconf.name = params.name ? String(params.name) : `Copy-of-VM-${source.config.name ?? vmid}`;
        if (params.description) newconf.description = String(params.description);
        // The temporary config reserves the VMID: other calls now see VM newid with lock "clone".
        const clone: VmState = { vmid: newid, node: node.name, config: { lock: 'clone' }, status: 'stopped', ipAddresses: [] };
        sim.state.vms.set(newid, clone);
        const created: string[] = [];
        try {
          for (const [key, d, fullCopy] of drives.sort(([a], [b]) => a.localeCompare(b))) {
            const { storage: sid, name } = splitVolid(d.file);
            const srcStorage = node.storages.get(sid)!;
            const size = driveSize(d) || srcStorage.volumes.get(name)?.size || 0;
            if (isCloudinit(d)) {
              task.log(`create full clone of drive ${key} (${d.file})`);
              const volid = cloudinitVolume(srcStorage, newid);
              created.push(volid);
              task.log(`  Logical volume "${splitVolid(volid).name}" created.`);
              d.file = volid;
              newconf[key] = printDrive(d);
              clone.config = { ...newconf };
              await task.sleep(0.2);
              continue;
            }
            if (fullCopy) {
              const dest = storage ? node.storages.get(storage)! : srcStorage;
              if (!dest.content.includes('images')) throw new Error(`storage '${dest.id}' does not support vm images`);
              task.log(`create full clone of drive ${key} (${d.file})`);
              const volid = allocateVolume(dest, newid, size, format);
              created.push(volid);
              task.log(`  Logical volume "${splitVolid(volid).name}" created.`);
              const total = copySeconds(size);
              const steps = Math.max(2, Math.ceil(total));
              for (let i = 0; i <= steps; i++) {
                const done = Math.round((size * i) / steps);
                task.log(`transferred ${formatHuman(done)} of ${formatHuman(size)} (${((done / Math.max(size, 1)) * 100).toFixed(2)}%)`);
                if (i < steps) await task.sleep(total / steps);
              }
              d.file = volid;
            } else {
              task.log(`create linked clone of drive ${key} (${d.file})`);
              await task.sleep(0.6);
              const own = allocateVolume(srcStorage, newid, size);
              srcStorage.volumes.delete(splitVolid(own).name);
              const linkedName = `${name}/${splitVolid(own).name}`;
              srcStorage.volumes.set(linkedName, { volid: `${sid}:${linkedName}`, storage: sid, name: linkedName, content: 'images', format: 'raw', size, vmid: newid, ctime: Math.floor(Date.now() / 1000) });
              created.push(`${sid}:${linkedName}`);
              task.log(`  Logical volume "${splitVolid(own).name}" created.`);
              d.file = `${sid}:${linkedName}`;
            }
            d.options.set('size', formatConfigSize(size));
            newconf[key] = printDrive(d);
            clone.config = { ...newconf };
          }
          delete newconf.lock;
          clone.config = newconf;
          if (pool) sim.state.pools.get(pool)?.vms.add(newid);
        } catch (err) {
          await task.sleep(0.2).catch(() => undefined);
          for (const volid of created) freeVolume(node, volid);
          sim.state.vms.delete(newid);
          const reason = err instanceof TaskAbort ? 'interrupted by signal' : (err as Error).message.replace(/\n+$/, '');
          throw new ApiError(500, `clone failed: ${reason}`);
        }
      }),
    );
  });
}
