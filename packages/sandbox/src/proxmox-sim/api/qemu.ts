// QEMU guests: list, create, config, clone, template, resize, power operations and destroy. Long operations are
// worker tasks; checks the real API does before forking answer synchronously. The guest agent is in agent.ts.
import { randomUUID } from 'node:crypto';
import type { Simulation } from '../core';
import { fail, paramError } from '../errors';
import { agentEnabled, bootGuest, stopGuest } from '../guest';
import { hasPrivilege, requireAll } from '../permissions';
import type { Router } from '../router';
import type { NodeState, VmConfig, VmState } from '../state';
import { formatConfigSize, formatHuman } from '../sizes';
import type { TaskContext } from '../tasks';
import { cloneVm } from './clone';
import { vmFigures } from './metrics';
import {
  DRIVE_KEY, UNUSED_KEY, applyConfigChange, bool, bridgesOf, checkConfigChange, configDigest, driveSize, drivesOf,
  freeVolume, isCdrom, isCloudinit, isTemplate, normalizeNet, parseDrive, prepareDrive, printDrive, splitVolid,
} from './vm-config';

function configForApi(vm: VmState): VmConfig & { digest: string } {
  return { ...vm.config, digest: configDigest(vm.config) };
}

function listEntry(vm: VmState): Record<string, unknown> {
  const f = vmFigures(vm);
  const out: Record<string, unknown> = {
    vmid: vm.vmid, name: vm.config.name, status: vm.status, cpus: f.cpus, maxmem: f.maxmem, mem: f.mem, maxdisk: f.maxdisk,
    disk: f.disk, uptime: f.uptime, cpu: f.cpu, netin: f.netin, netout: f.netout, diskread: f.diskread, diskwrite: f.diskwrite,
  };
  if (vm.pid && vm.status === 'running') out.pid = vm.pid;
  if (isTemplate(vm)) out.template = 1;
  if (vm.config.tags) out.tags = vm.config.tags;
  if (vm.config.lock) out.lock = vm.config.lock;
  return out;
}

async function doStart(sim: Simulation, node: NodeState, vm: VmState, task: TaskContext, skiplock: boolean): Promise<void> {
  await sim.locks.with(vm.vmid, 'exclusive', 10, async () => {
    if (isTemplate(vm)) throw new Error("you can't start a vm if it's a template");
    if (!skiplock) sim.checkLock(vm);
    if (vm.status === 'running') throw new Error(`VM ${vm.vmid} already running`);
    for (const bridge of bridgesOf(vm.config)) {
      if (!node.network.get(bridge)) throw new Error(`bridge '${bridge}' does not exist`);
    }
    for (const [, d] of drivesOf(vm.config)) {
      if (isCdrom(d) && !d.file.includes(':')) continue;
      const { storage, name } = splitVolid(d.file);
      const s = node.storages.get(storage);
      if (!s || !s.enabled) throw new Error(`storage '${storage}' is not available on node '${node.name}'`);
      // activate_volume on a file storage: an ISO deleted while still attached stops the start.
      if (isCdrom(d) && !isCloudinit(d) && !s.volumes.has(name)) throw new Error(`volume '${d.file}' does not exist`);
    }
    if (drivesOf(vm.config).some(([, d]) => isCloudinit(d))) task.log('generating cloud-init ISO');
    await task.sleep(1.5);
    vm.status = 'running';
    vm.startedAt = Math.floor(Date.now() / 1000);
    vm.pid = sim.state.allocatePid();
    // The guest boots: cloud-init reads its seed, the guest agent answers some seconds later.
    bootGuest(sim, vm);
  });
}

async function doStop(sim: Simulation, vm: VmState, task: TaskContext, skiplock: boolean, seconds: number): Promise<void> {
  await sim.locks.with(vm.vmid, 'exclusive', 10, async () => {
    if (!skiplock) sim.checkLock(vm);
    if (vm.status !== 'running') return;
    await task.sleep(seconds);
    vm.status = 'stopped';
    vm.startedAt = undefined;
    vm.pid = undefined;
    stopGuest(vm);
  });
}

export function registerQemu(r: Router): void {
  r.add('GET /nodes/{node}/qemu', ({ sim, authid, params }) => {
    const node = sim.node(params.node as string);
    return [...sim.state.vms.values()]
      .filter((vm) => vm.node === node.name && hasPrivilege(sim.state, authid, `/vms/${vm.vmid}`, 'VM.Audit'))
      .map((vm) => (bool(params.full) && vm.status === 'running' ? { ...listEntry(vm), qmpstatus: 'running' } : listEntry(vm)));
  });

  r.add('POST /nodes/{node}/qemu', ({ sim, authid, params }) => {
    const node = sim.node(params.node as string);
    const vmid = Number(params.vmid);
    const pool = params.pool as string | undefined;
    if (pool) {
      if (!sim.state.pools.has(pool)) fail(`pool '${pool}' does not exist`);
      requireAll(sim.state, authid, `/pool/${pool}`, ['VM.Allocate']);
    } else {
      requireAll(sim.state, authid, `/vms/${vmid}`, ['VM.Allocate']);
    }
    if (params.archive !== undefined) fail('restore from backup archives is not simulated');
    const existing = sim.state.vms.get(vmid);
    if (existing) fail(`VM ${vmid} already exists on node '${existing.node}'`);
    const settings = Object.entries(params).filter(([k]) => !['node', 'vmid', 'pool', 'start', 'unique', 'live-restore', 'force', 'storage', 'bwlimit', 'import-working-storage'].includes(k));
    for (const [k, v] of settings) {
      if (/^net\d+$/.test(k)) {
        const bridge = /(?:^|,)bridge=([^,]+)/.exec(String(v))?.[1];
        if (bridge) requireAll(sim.state, authid, `/sdn/zones/localnetwork/${bridge}`, ['SDN.Use']);
      }
    }
    const vm: VmState = { vmid, node: node.name, config: { lock: 'create' }, status: 'stopped', ipAddresses: [] };
    sim.state.vms.set(vmid, vm);
    return sim.tasks.start(node.name, 'qmcreate', String(vmid), authid, async (task) => {
      try {
        const config: VmConfig = { smbios1: `uuid=${randomUUID()}`, vmgenid: randomUUID(), meta: `creation-qemu=8.1.5,ctime=${Math.floor(Date.now() / 1000)}` };
        for (const [k, v] of settings) {
          const value = typeof v === 'boolean' ? (v ? 1 : 0) : (v as string | number);
          if (DRIVE_KEY.test(k)) {
            config[k] = prepareDrive(sim, node, vmid, String(value), authid);
            const d = parseDrive(String(config[k]));
            if (!isCdrom(d)) task.log(`  Logical volume "${splitVolid(d.file).name}" created.`);
            await task.sleep(0.3);
          } else if (/^net\d+$/.test(k)) {
            config[k] = normalizeNet(String(value));
          } else {
            config[k] = /^\d+$/.test(String(value)) && !/^(name|description|tags)$/.test(k) ? Number(value) : value;
          }
        }
        if (!config.boot) {
          const order = Object.keys(config).filter((k) => DRIVE_KEY.test(k) || /^net\d+$/.test(k));
          if (order.length) config.boot = `order=${order.join(';')}`;
        }
        await task.sleep(0.5);
        vm.config = config;
        if (pool) sim.state.pools.get(pool)?.vms.add(vmid);
      } catch (err) {
        sim.state.vms.delete(vmid);
        throw err;
      }
      if (bool(params.start)) await doStart(sim, node, vm, task, false);
    });
  });

  r.add('GET /nodes/{node}/qemu/{vmid}', ({ sim, params }) => {
    sim.vm(params.node as string, params.vmid as string);
    return ['config', 'pending', 'status', 'unlink', 'vncproxy', 'termproxy', 'migrate', 'resize', 'move', 'rrd', 'rrddata', 'monitor', 'agent', 'snapshot', 'spiceproxy', 'sendkey', 'firewall', 'mtunnel', 'remote_migrate'].map((subdir) => ({ subdir }));
  });

  r.add('GET /nodes/{node}/qemu/{vmid}/config', ({ sim, params }) => {
    const vm = sim.vm(params.node as string, params.vmid as string);
    if (params.snapshot !== undefined) fail(`snapshot '${params.snapshot}' does not exist`);
    return configForApi(vm);
  });

  r.add('GET /nodes/{node}/qemu/{vmid}/pending', ({ sim, params }) => {
    const vm = sim.vm(params.node as string, params.vmid as string);
    return Object.entries(vm.config).map(([key, value]) => ({ key, value }));
  });

  r.add('PUT /nodes/{node}/qemu/{vmid}/config', async ({ sim, authid, params }) => {
    const vm = sim.vm(params.node as string, params.vmid as string);
    // Synchronous, but under the config lock like every change: the request waits while a task holds it.
    await sim.locks.with(vm.vmid, 'exclusive', 10, async () => applyConfigChange(sim, vm, params, authid));
    return null;
  });

  // qemu-server's unlink is update_vm with delete=idlist, synchronous: the disks leave the config (a volume the VM
  // owns becomes unusedN unless force removes it; another owner's, such as a CSI disk, just leaves).
  r.add('PUT /nodes/{node}/qemu/{vmid}/unlink', async ({ sim, authid, params }) => {
    const vm = sim.vm(params.node as string, params.vmid as string);
    const change = { delete: params.idlist, ...(params.force !== undefined ? { force: params.force } : {}) };
    await sim.locks.with(vm.vmid, 'exclusive', 10, async () => applyConfigChange(sim, vm, change, authid));
    return null;
  });

  r.add('POST /nodes/{node}/qemu/{vmid}/config', ({ sim, authid, params }) => {
    const vm = sim.vm(params.node as string, params.vmid as string);
    checkConfigChange(sim, vm, params, authid);
    return sim.tasks.start(vm.node, 'qmconfig', String(vm.vmid), authid, async (task) => {
      await sim.locks.with(vm.vmid, 'exclusive', 10, async () => {
        await task.sleep(0.3);
        applyConfigChange(sim, vm, params, authid);
      });
    });
  });

  r.add('POST /nodes/{node}/qemu/{vmid}/clone', ({ sim, authid, params }) => cloneVm(sim, authid, params));

  r.add('POST /nodes/{node}/qemu/{vmid}/template', ({ sim, authid, params }) => {
    const vm = sim.vm(params.node as string, params.vmid as string);
    sim.checkLock(vm);
    if (isTemplate(vm)) fail("you can't convert a template to a template");
    if (vm.status === 'running') fail("you can't convert a VM to template if VM is running");
    const node = sim.node(vm.node);
    return sim.tasks.start(vm.node, 'qmtemplate', String(vm.vmid), authid, async (task) => {
      await sim.locks.with(vm.vmid, 'exclusive', 10, async () => {
        for (const [key, d] of drivesOf(vm.config)) {
          if (isCdrom(d) || isCloudinit(d)) continue;
          if (params.disk !== undefined && params.disk !== key) continue;
          const { storage, name } = splitVolid(d.file);
          const s = node.storages.get(storage);
          const vol = s?.volumes.get(name);
          if (!s || !vol || !name.includes(`vm-${vm.vmid}-disk-`)) continue;
          const baseName = name.replace(`vm-${vm.vmid}-disk-`, `base-${vm.vmid}-disk-`);
          s.volumes.delete(name);
          s.volumes.set(baseName, { ...vol, name: baseName, volid: `${storage}:${baseName}` });
          d.file = `${storage}:${baseName}`;
          vm.config[key] = printDrive(d);
          task.log(`  Renamed "${name}" to "${baseName}" in volume group "pve"`);
          await task.sleep(0.3);
        }
        vm.config.template = 1;
      });
    });
  });

  r.add('PUT /nodes/{node}/qemu/{vmid}/resize', ({ sim, authid, params }) => {
    const vm = sim.vm(params.node as string, params.vmid as string);
    const node = sim.node(vm.node);
    if (params.skiplock !== undefined && authid !== 'root@pam') paramError({ skiplock: 'Only root may use this option.' });
    return sim.tasks.start(vm.node, 'resize', String(vm.vmid), authid, async (task) => {
      await sim.locks.with(vm.vmid, 'exclusive', 10, async () => {
        if (params.digest !== undefined && params.digest !== configDigest(vm.config)) throw new Error('detected modified configuration - file changed by other user? Try again.');
        if (!bool(params.skiplock)) sim.checkLock(vm);
        const disk = String(params.disk);
        const current = vm.config[disk];
        if (current === undefined) throw new Error(`disk '${disk}' does not exist`);
        const d = parseDrive(String(current));
        if (isCdrom(d)) throw new Error("you can't resize a cdrom");
        const m = /^(\+)?(\d+(?:\.\d+)?)([KMGT])?$/.exec(String(params.size))!;
        const unit = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[3] as 'K' | 'M' | 'G' | 'T'] ?? 1;
        const amount = Math.round(parseFloat(m[2]) * unit);
        const size = driveSize(d);
        const newSize = m[1] ? size + amount : amount;
        if (newSize < size) throw new Error('shrinking disks is not supported');
        if (newSize === size) return;
        const { storage, name } = splitVolid(d.file);
        const vol = node.storages.get(storage)?.volumes.get(name);
        await task.sleep(0.4);
        if (vol) vol.size = newSize;
        d.options.set('size', formatConfigSize(newSize));
        vm.config[disk] = printDrive(d);
        task.log(`  Size of logical volume pve/${name} changed from ${formatHuman(size)} to ${formatHuman(newSize)}.`);
        task.log(`  Logical volume pve/${name} successfully resized.`);
      });
    });
  });

  r.add('GET /nodes/{node}/qemu/{vmid}/status', ({ sim, params }) => {
    sim.vm(params.node as string, params.vmid as string);
    return ['current', 'start', 'stop', 'reset', 'shutdown', 'suspend', 'reboot', 'resume'].map((subdir) => ({ subdir }));
  });

  r.add('GET /nodes/{node}/qemu/{vmid}/status/current', ({ sim, params }) => {
    const vm = sim.vm(params.node as string, params.vmid as string);
    const out: Record<string, unknown> = { ...listEntry(vm), qmpstatus: vm.status === 'running' ? 'running' : 'stopped', ha: { managed: 0 } };
    if (vm.config.agent !== undefined) out.agent = agentEnabled(vm.config) ? 1 : 0;
    if (vm.status === 'running') Object.assign(out, { 'running-machine': 'pc-i440fx-8.1+pve0', 'running-qemu': '8.1.5' });
    return out;
  });

  const power = (type: string, sync: (vm: VmState) => void, work: (sim: Simulation, node: NodeState, vm: VmState, task: TaskContext, skiplock: boolean, params: Record<string, unknown>) => Promise<void>) =>
    ({ sim, authid, params }: { sim: Simulation; authid: string; params: Record<string, unknown> }) => {
      const vm = sim.vm(params.node as string, params.vmid as string);
      if (params.skiplock !== undefined && authid !== 'root@pam') paramError({ skiplock: 'Only root may use this option.' });
      sync(vm);
      const node = sim.node(vm.node);
      return sim.tasks.start(vm.node, type, String(vm.vmid), authid, (task) => work(sim, node, vm, task, bool(params.skiplock), params));
    };

  r.add('POST /nodes/{node}/qemu/{vmid}/status/start', power('qmstart', () => undefined, (sim, node, vm, task, skiplock) => doStart(sim, node, vm, task, skiplock)));
  r.add('POST /nodes/{node}/qemu/{vmid}/status/stop', power('qmstop', () => undefined, (sim, _node, vm, task, skiplock) => doStop(sim, vm, task, skiplock, 0.5)));
  r.add('POST /nodes/{node}/qemu/{vmid}/status/shutdown', power('qmshutdown', () => undefined, (sim, _node, vm, task, skiplock, params) => {
    const timeout = params.timeout === undefined ? undefined : Number(params.timeout);
    const seconds = timeout !== undefined && timeout < 4 ? timeout : 4;
    return doStop(sim, vm, task, skiplock, seconds);
  }));
  r.add('POST /nodes/{node}/qemu/{vmid}/status/reboot', power('qmreboot', (vm) => {
    if (vm.status !== 'running') fail(`VM ${vm.vmid} not running`);
  }, async (sim, node, vm, task) => {
    await doStop(sim, vm, task, false, 3);
    await doStart(sim, node, vm, task, false);
  }));
  r.add('POST /nodes/{node}/qemu/{vmid}/status/reset', power('qmreset', (vm) => {
    if (vm.status !== 'running') fail(`VM ${vm.vmid} not running`);
  }, async (sim, _node, vm, task, skiplock) => {
    if (!skiplock) sim.checkLock(vm);
    await task.sleep(0.2);
    vm.startedAt = Math.floor(Date.now() / 1000);
    bootGuest(sim, vm);
  }));
  // Nothing pauses a simulated VM, so resuming a running one changes nothing (QMP "cont" on a running VM).
  r.add('POST /nodes/{node}/qemu/{vmid}/status/resume', power('qmresume', (vm) => {
    if (vm.status !== 'running') fail(`VM ${vm.vmid} not running`);
  }, async (sim, _node, vm, task, skiplock) => {
    await sim.locks.with(vm.vmid, 'exclusive', 10, async () => {
      if (!skiplock && vm.config.lock !== 'suspended' && vm.config.lock !== 'suspending') sim.checkLock(vm);
      await task.sleep(0.1);
    });
  }));

  r.add('DELETE /nodes/{node}/qemu/{vmid}', ({ sim, authid, params }) => {
    const vm = sim.vm(params.node as string, params.vmid as string);
    if (params.skiplock !== undefined && authid !== 'root@pam') paramError({ skiplock: 'Only root may use this option.' });
    if (Number(vm.config.protection ?? 0) === 1) fail(`can't remove VM ${vm.vmid} - protection mode enabled`);
    if (vm.status === 'running') fail(`VM ${vm.vmid} is running - destroy failed`);
    const node = sim.node(vm.node);
    return sim.tasks.start(vm.node, 'qmdestroy', String(vm.vmid), authid, async (task) => {
      await sim.locks.with(vm.vmid, 'exclusive', 10, async () => {
        if (vm.status === 'running') throw new Error(`VM ${vm.vmid} is running - destroy failed`);
        if (!bool(params.skiplock)) sim.checkLock(vm);
        const volids = new Set<string>();
        for (const [key, value] of Object.entries(vm.config)) {
          if (DRIVE_KEY.test(key)) {
            const d = parseDrive(String(value));
            if (!(isCdrom(d) && !isCloudinit(d))) volids.add(d.file);
          } else if (UNUSED_KEY.test(key)) volids.add(String(value));
        }
        if (params['destroy-unreferenced-disks'] === undefined || bool(params['destroy-unreferenced-disks'])) {
          for (const s of node.storages.values()) for (const v of s.volumes.values()) if (v.vmid === vm.vmid && v.content === 'images') volids.add(v.volid);
        }
        for (const volid of volids) {
          await task.sleep(0.3);
          const { name } = splitVolid(volid);
          // A linked clone's volume is named base-X-disk-N/vm-Y-disk-M; only its own part is removed.
          const own = name.includes('/') && !name.startsWith(`${vm.vmid}/`) ? name.split('/')[1] : name;
          freeVolume(node, volid);
          task.log(`  Logical volume "${own}" successfully removed.`);
        }
        sim.state.vms.delete(vm.vmid);
        for (const p of sim.state.pools.values()) p.vms.delete(vm.vmid);
        if (bool(params.purge)) sim.state.acl = sim.state.acl.filter((e) => e.path !== `/vms/${vm.vmid}`);
      });
    });
  });
}
