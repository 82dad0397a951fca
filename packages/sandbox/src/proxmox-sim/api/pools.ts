// Resource pools: groups of VMs and storages that carry their own ACLs.
import { fail, paramError } from '../errors';
import { hasPrivilege } from '../permissions';
import type { Router } from '../router';
import type { PoolState, SimulatorState } from '../state';
import { vmFigures } from './metrics';

function members(state: SimulatorState, p: PoolState, type?: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (!type || type === 'qemu') {
    for (const vmid of p.vms) {
      const vm = state.vms.get(vmid);
      if (!vm) continue;
      const f = vmFigures(vm);
      out.push({ id: `qemu/${vmid}`, type: 'qemu', vmid, name: vm.config.name, node: vm.node, status: vm.status, template: vm.config.template ? 1 : 0, maxcpu: f.cpus, maxmem: f.maxmem, maxdisk: f.maxdisk, uptime: f.uptime });
    }
  }
  if (!type || type === 'storage') {
    for (const sid of p.storage) {
      for (const n of state.nodes.values()) {
        const s = n.storages.get(sid);
        if (s) out.push({ id: `storage/${n.name}/${sid}`, type: 'storage', storage: sid, node: n.name, plugintype: s.type, maxdisk: s.total, disk: state.storageUsed(s) });
      }
    }
  }
  return out;
}

export function registerPools(r: Router): void {
  r.add('GET /pools', ({ sim, authid, params }) => {
    const state = sim.state;
    return [...state.pools.values()]
      .filter((p) => !params.poolid || p.poolid === params.poolid)
      .filter((p) => hasPrivilege(state, authid, `/pool/${p.poolid}`, 'Pool.Audit'))
      .map((p) => ({ poolid: p.poolid, ...(p.comment ? { comment: p.comment } : {}), ...(params.poolid ? { members: members(state, p, params.type as string | undefined) } : {}) }));
  });

  r.add('POST /pools', ({ sim, params }) => {
    const poolid = String(params.poolid);
    if (sim.state.pools.has(poolid)) fail(`create pool failed: pool '${poolid}' already exists`);
    sim.state.pools.set(poolid, { poolid, comment: params.comment as string | undefined, vms: new Set(), storage: new Set() });
    return null;
  });

  r.add('GET /pools/{poolid}', ({ sim, params }) => {
    const p = sim.state.pools.get(String(params.poolid));
    if (!p) fail(`pool '${params.poolid}' does not exist`);
    return { ...(p.comment ? { comment: p.comment } : {}), members: members(sim.state, p, params.type as string | undefined) };
  });

  r.add('PUT /pools/{poolid}', ({ sim, params }) => {
    const state = sim.state;
    const p = state.pools.get(String(params.poolid));
    if (!p) fail(`pool '${params.poolid}' does not exist`);
    if (params.comment !== undefined) p.comment = String(params.comment);
    const remove = String(params.delete ?? '0') === '1';
    const vms = String(params.vms ?? '').split(/[,;\s]+/).filter(Boolean).map(Number);
    const storages = String(params.storage ?? '').split(/[,;\s]+/).filter(Boolean);
    for (const vmid of vms) {
      if (remove) {
        p.vms.delete(vmid);
        continue;
      }
      if (!state.vms.has(vmid)) fail(`VM ${vmid} does not exist`);
      const current = state.poolOfVm(vmid);
      if (current && current !== p.poolid) {
        if (String(params['allow-move'] ?? '0') !== '1') fail(`VM ${vmid} belongs already to pool '${current}' and 'allow-move' is not set`);
        state.pools.get(current)!.vms.delete(vmid);
      }
      p.vms.add(vmid);
    }
    for (const sid of storages) {
      if (remove) p.storage.delete(sid);
      else if (![...state.nodes.values()].some((n) => n.storages.has(sid))) fail(`storage '${sid}' does not exist`);
      else p.storage.add(sid);
    }
    if (params.delete !== undefined && !vms.length && !storages.length) paramError({ delete: 'nothing to delete' });
    return null;
  });

  r.add('DELETE /pools/{poolid}', ({ sim, params }) => {
    const p = sim.state.pools.get(String(params.poolid));
    if (!p) fail(`pool '${params.poolid}' does not exist`);
    if (p.vms.size || p.storage.size) fail('pool is not empty');
    sim.state.pools.delete(p.poolid);
    sim.state.acl = sim.state.acl.filter((e) => e.path !== `/pool/${p.poolid}`);
    return null;
  });
}
