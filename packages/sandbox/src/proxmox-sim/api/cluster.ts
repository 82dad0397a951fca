// /version, /cluster/*, /nodes and the per-node status, subscription, replication, lxc and certificates calls.
import { fail, paramError } from '../errors';
import { hasPrivilege } from '../permissions';
import type { Router } from '../router';
import { nodeFigures, vmFigures } from './metrics';

export function registerCluster(r: Router): void {
  r.add('GET /version', ({ sim }) => {
    const v = sim.state.version;
    const out: Record<string, unknown> = { version: v.version, release: v.release, repoid: v.repoid };
    if (v.console) out.console = v.console;
    return out;
  });

  r.add('GET /cluster/status', ({ sim }) => {
    const nodes = [...sim.state.nodes.values()];
    const clustered = !!sim.state.clusterName;
    const out: Record<string, unknown>[] = [];
    if (clustered) {
      out.push({ type: 'cluster', id: 'cluster', name: sim.state.clusterName, nodes: nodes.length, quorate: nodes.filter((n) => n.online).length * 2 > nodes.length ? 1 : 0, version: nodes.length + 1 });
    }
    nodes.forEach((n, i) => {
      out.push({ type: 'node', id: `node/${n.name}`, name: n.name, ip: n.ip, level: n.subscription === 'active' ? 'c' : '', local: i === 0 ? 1 : 0, nodeid: clustered ? i + 1 : 0, online: n.online ? 1 : 0 });
    });
    return out;
  });

  r.add('GET /cluster/resources', ({ sim, authid, params }) => {
    const type = params.type as string | undefined;
    const state = sim.state;
    const out: Record<string, unknown>[] = [];
    if (!type || type === 'vm') {
      for (const vm of state.vms.values()) {
        if (!hasPrivilege(state, authid, `/vms/${vm.vmid}`, 'VM.Audit')) continue;
        const f = vmFigures(vm);
        const entry: Record<string, unknown> = {
          id: `qemu/${vm.vmid}`, type: 'qemu', vmid: vm.vmid, name: vm.config.name, node: vm.node, status: vm.status,
          template: vm.config.template ? 1 : 0, maxcpu: f.cpus, cpu: f.cpu, maxmem: f.maxmem, mem: f.mem, maxdisk: f.maxdisk,
          disk: f.disk, uptime: f.uptime, netin: f.netin, netout: f.netout, diskread: f.diskread, diskwrite: f.diskwrite,
        };
        if (vm.config.tags) entry.tags = vm.config.tags;
        if (vm.config.lock) entry.lock = vm.config.lock;
        const pool = state.poolOfVm(vm.vmid);
        if (pool) entry.pool = pool;
        out.push(entry);
      }
    }
    if (!type || type === 'node') {
      for (const n of state.nodes.values()) {
        const f = nodeFigures(state, n);
        out.push({ id: `node/${n.name}`, type: 'node', node: n.name, status: n.online ? 'online' : 'offline', level: n.subscription === 'active' ? 'c' : '', 'cgroup-mode': 2, ...(n.online ? f : { maxcpu: n.cpus, maxmem: n.memory }) });
      }
    }
    if (!type || type === 'storage') {
      for (const n of state.nodes.values()) {
        for (const s of n.storages.values()) {
          const path = `/storage/${s.id}`;
          if (!hasPrivilege(state, authid, path, 'Datastore.Audit') && !hasPrivilege(state, authid, path, 'Datastore.AllocateSpace')) continue;
          out.push({ id: `storage/${n.name}/${s.id}`, type: 'storage', storage: s.id, node: n.name, status: s.active && n.online ? 'available' : 'unknown', plugintype: s.type, content: s.content.join(','), shared: s.shared ? 1 : 0, disk: state.storageUsed(s), maxdisk: s.total });
        }
      }
    }
    if (!type || type === 'sdn') {
      for (const n of state.nodes.values()) out.push({ id: `sdn/${n.name}/localnetwork`, type: 'sdn', sdn: 'localnetwork', node: n.name, status: 'ok' });
    }
    if (!type || type === 'pool') {
      for (const p of state.pools.values()) {
        if (hasPrivilege(state, authid, `/pool/${p.poolid}`, 'Pool.Audit')) out.push({ id: `/pool/${p.poolid}`, type: 'pool', pool: p.poolid });
      }
    }
    return out;
  });

  r.add('GET /cluster/nextid', ({ sim, params }) => {
    if (params.vmid !== undefined) {
      const vmid = Number(params.vmid);
      if (sim.state.vms.has(vmid)) paramError({ vmid: `VM ${vmid} already exists` });
      return String(vmid);
    }
    for (let id = 100; id < 1_000_000; id++) if (!sim.state.vms.has(id)) return String(id);
    return fail('unable to get any free VMID in range [100, 999999]');
  });

  r.add('GET /cluster/backup-info/not-backed-up', ({ sim }) =>
    [...sim.state.vms.values()].map((vm) => ({ vmid: vm.vmid, name: vm.config.name, type: 'qemu' })),
  );

  r.add('GET /cluster/tasks', ({ sim, authid }) =>
    [...sim.tasks.tasks.values()]
      .filter((t) => t.user === authid || t.user.startsWith(`${authid}!`) || hasPrivilege(sim.state, authid, `/nodes/${t.node}`, 'Sys.Audit'))
      .sort((a, b) => b.starttime - a.starttime)
      .map((t) => ({
        upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, user: t.user,
        ...(t.status === 'stopped' ? { status: t.exitstatus, endtime: t.endtime } : {}),
      })),
  );

  r.add('GET /nodes', ({ sim, authid }) =>
    [...sim.state.nodes.values()].map((n) => {
      const cert = sim.certificates.get(n.name)?.[1];
      const base: Record<string, unknown> = { node: n.name, id: `node/${n.name}`, type: 'node', status: n.online ? 'online' : 'offline', level: n.subscription === 'active' ? 'c' : '' };
      if (cert) base.ssl_fingerprint = cert.fingerprint;
      if (n.online && hasPrivilege(sim.state, authid, `/nodes/${n.name}`, 'Sys.Audit')) Object.assign(base, nodeFigures(sim.state, n));
      return base;
    }),
  );

  r.add('GET /nodes/{node}', ({ sim, params }) => {
    sim.node(params.node as string);
    return ['apt', 'capabilities', 'ceph', 'certificates', 'config', 'disks', 'dns', 'firewall', 'hardware', 'hosts', 'lxc', 'network', 'qemu', 'replication', 'scan', 'sdn', 'services', 'status', 'storage', 'subscription', 'syslog', 'tasks', 'time', 'version'].map((subdir) => ({ name: subdir }));
  });

  r.add('GET /nodes/{node}/status', ({ sim, params }) => {
    const node = sim.node(params.node as string);
    const f = nodeFigures(sim.state, node);
    const v = sim.state.version;
    const [, release] = /^Linux (\S+)/.exec(node.kversion) ?? [];
    return {
      uptime: f.uptime,
      cpu: f.cpu,
      wait: 0.0004,
      idle: 0,
      loadavg: [(f.cpu * node.cpus).toFixed(2), (f.cpu * node.cpus * 0.9).toFixed(2), (f.cpu * node.cpus * 0.8).toFixed(2)],
      cpuinfo: { model: node.cpuModel, cpus: node.cpus, sockets: 1, cores: node.cpus, mhz: '2400.000', hvm: '1', user_hz: 100, flags: 'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm vmx' },
      memory: { total: node.memory, used: f.mem, free: node.memory - f.mem, available: node.memory - f.mem },
      swap: { total: 8 * 1024 ** 3, used: 0, free: 8 * 1024 ** 3 },
      rootfs: { total: node.rootfs, used: f.disk, free: node.rootfs - f.disk, avail: node.rootfs - f.disk },
      ksm: { shared: 0 },
      kversion: node.kversion,
      'current-kernel': { sysname: 'Linux', release: release ?? '6.8.12-1-pve', version: node.kversion.replace(/^Linux \S+ /, ''), machine: 'x86_64' },
      'boot-info': { mode: 'efi', secureboot: 0 },
      pveversion: `pve-manager/${v.version}/${v.repoid}`,
    };
  });

  r.add('GET /nodes/{node}/version', ({ sim, params }) => {
    sim.node(params.node as string);
    const v = sim.state.version;
    return { version: v.version, release: v.release, repoid: v.repoid };
  });

  r.add('GET /nodes/{node}/subscription', ({ sim, params }) => {
    const node = sim.node(params.node as string);
    const serverid = Buffer.from(node.name).toString('hex').toUpperCase().padEnd(32, '0').slice(0, 32);
    if (node.subscription === 'active') {
      return { status: 'active', level: 'c', productname: 'Proxmox VE Community Subscription 1 CPU/year', serverid, checktime: Math.floor(Date.now() / 1000) - 3600, nextduedate: '2099-12-31', sockets: 1 };
    }
    if (node.subscription === 'expired') return { status: 'expired', level: 'c', serverid, message: 'subscription expired' };
    return { status: 'notfound', message: 'There is no subscription key', serverid };
  });

  r.add('GET /nodes/{node}/replication', ({ sim, params }) => {
    sim.node(params.node as string);
    return [];
  });

  r.add('GET /nodes/{node}/lxc', ({ sim, params }) => {
    sim.node(params.node as string);
    return [];
  });

  r.add('GET /nodes/{node}/certificates/info', ({ sim, params }) => {
    sim.node(params.node as string);
    return (sim.certificates.get(params.node as string) ?? []).map((c) => ({ ...c }));
  });
}
