// The simulator's own control endpoint, outside /api2 (no real server has it): other processes set faults and read
// the state and the request log here.
//   GET /_sim/faults | PUT /_sim/faults (JSON FaultSettings, merged) | DELETE /_sim/faults
//   GET /_sim/state   GET /_sim/requests?limit=N (the total, the counts per User-Agent, and the latest requests)
import type { FastifyInstance } from 'fastify';
import type { Simulation } from './core';
import { validateFaults } from './faults';
import type { RequestLog } from './server';

export function snapshotState(sim: Simulation): Record<string, unknown> {
  const s = sim.state;
  return {
    version: s.version,
    clusterName: s.clusterName ?? null,
    nodes: [...s.nodes.values()].map((n) => ({
      name: n.name, online: n.online, cpus: n.cpus, memory: n.memory,
      network: [...n.network.values()], pendingNetwork: n.pendingNetwork ? [...n.pendingNetwork.values()] : null,
      storages: [...n.storages.values()].map((st) => ({ id: st.id, type: st.type, content: st.content, total: st.total, used: s.storageUsed(st), volumes: [...st.volumes.values()] })),
      certificates: (sim.certificates.get(n.name) ?? []).map(({ pem: _pem, ...rest }) => rest),
    })),
    vms: [...s.vms.values()].map((vm) => ({ vmid: vm.vmid, node: vm.node, status: vm.status, config: vm.config, configLock: sim.locks.isHeld(vm.vmid) ?? null })),
    users: [...s.users.values()].map((u) => ({ userid: u.userid, enable: u.enable, groups: [...u.groups], tokens: [...u.tokens.values()].map((t) => ({ tokenid: t.tokenid, privsep: t.privsep, expire: t.expire })) })),
    acl: s.acl,
    pools: [...s.pools.values()].map((p) => ({ poolid: p.poolid, vms: [...p.vms], storage: [...p.storage] })),
    tasks: [...sim.tasks.tasks.values()].map(({ log: _log, aborted: _a, ...t }) => t),
  };
}

export function installAdmin(app: FastifyInstance, sim: Simulation, log: RequestLog): void {
  const json = 'application/json';
  app.get('/_sim/faults', async (_req, reply) => reply.header('content-type', json).send(JSON.stringify(sim.currentFaults())));
  app.put('/_sim/faults', async (req, reply) => {
    try {
      const body = typeof req.body === 'string' && req.body ? JSON.parse(req.body) : {};
      sim.setFaults(validateFaults(body));
      return reply.header('content-type', json).send(JSON.stringify(sim.currentFaults()));
    } catch (err) {
      return reply.code(400).header('content-type', json).send(JSON.stringify({ error: (err as Error).message }));
    }
  });
  app.delete('/_sim/faults', async (_req, reply) => {
    sim.clearFaults();
    return reply.header('content-type', json).send(JSON.stringify(sim.currentFaults()));
  });
  app.get('/_sim/state', async (_req, reply) => reply.header('content-type', json).send(JSON.stringify(snapshotState(sim))));
  app.get('/_sim/requests', async (req, reply) => {
    const limit = Number((req.query as Record<string, string>).limit ?? 200);
    return reply.header('content-type', json).send(JSON.stringify({ count: log.count, byClient: log.byClient, recent: log.list(limit) }));
  });
}
