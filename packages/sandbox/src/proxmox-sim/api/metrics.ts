// Plausible live figures for running guests and nodes (CPU load, memory in use, traffic), stable enough for
// dashboards: derived from the uptime rather than random on every call.
import type { SimulatorState, VmState, NodeState } from '../state';
import { parseSize } from '../sizes';

export function vmMaxDisk(vm: VmState): number {
  let total = 0;
  for (const [key, value] of Object.entries(vm.config)) {
    if (!/^(scsi|virtio|sata|ide)\d+$/.test(key)) continue;
    const v = String(value);
    if (v.includes('media=cdrom')) continue;
    const m = /(?:^|,)size=([\d.]+[KMGT]?)/.exec(v);
    if (m) total += parseSize(m[1]);
  }
  return total;
}

export function vmFigures(vm: VmState) {
  const now = Math.floor(Date.now() / 1000);
  const running = vm.status === 'running';
  const uptime = running && vm.startedAt ? now - vm.startedAt : 0;
  const maxmem = Number(vm.config.memory ?? 512) * 1024 * 1024;
  const cpus = Number(vm.config.cores ?? 1) * Number(vm.config.sockets ?? 1);
  const phase = (uptime % 600) / 600;
  return {
    uptime,
    cpus,
    maxmem,
    maxdisk: vmMaxDisk(vm),
    mem: running ? Math.round(maxmem * (0.35 + 0.1 * phase)) : 0,
    cpu: running ? Number((0.02 + 0.05 * phase).toFixed(6)) : 0,
    disk: 0,
    netin: running ? uptime * 1200 : 0,
    netout: running ? uptime * 800 : 0,
    diskread: running ? uptime * 40_000 : 0,
    diskwrite: running ? uptime * 25_000 : 0,
  };
}

export function nodeFigures(state: SimulatorState, node: NodeState) {
  const now = Math.floor(Date.now() / 1000);
  let vmMem = 0;
  let vmCpu = 0;
  for (const vm of state.vms.values()) {
    if (vm.node !== node.name || vm.status !== 'running') continue;
    const f = vmFigures(vm);
    vmMem += f.mem;
    vmCpu += f.cpu * f.cpus;
  }
  const base = 2.5 * 1024 ** 3;
  const mem = Math.min(node.memory, Math.round(base + vmMem));
  return {
    uptime: now - node.bootedAt,
    cpu: Number(Math.min(1, 0.015 + vmCpu / node.cpus).toFixed(6)),
    maxcpu: node.cpus,
    mem,
    maxmem: node.memory,
    disk: Math.round(node.rootfs * 0.18),
    maxdisk: node.rootfs,
  };
}
