// proxmox.resources: each online node has CPU and free memory for test VMs, and the configured storage has room.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { checkFailed } from '../common/failures';
import { gib, GiB, heartbeat, runProxmoxStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';

export function proxmoxResources(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  const t = cfg.thresholds;
  return runProxmoxStep(input, 'preferred', async (client) => {
    const nodes = await client.nodes();
    const target = nodes.find((n) => n.node === cfg.node);
    if (!target) {
      throw checkFailed(
        `node ${cfg.node} is not in the cluster (nodes: ${nodes.map((n) => n.node).join(', ') || 'none'}): set proxmox.node`,
      );
    }
    if (target.status !== 'online') throw checkFailed(`node ${cfg.node} is ${target.status}: bring it online first`);

    const metrics: Record<string, number> = {};
    const details: string[] = [];
    const problems: string[] = [];
    const elsewhere: string[] = [];
    for (const node of nodes) {
      if (node.status !== 'online') {
        details.push(`node ${node.node} is ${node.status}; not assessed`);
        continue;
      }
      const status = await client.nodeStatus(node.node);
      heartbeat({ node: node.node });
      const cpus = status.cpuinfo?.cpus ?? node.maxcpu ?? 0;
      const freeBytes = (status.memory?.total ?? 0) - (status.memory?.used ?? 0);
      metrics[`${node.node}.cpus`] = cpus;
      metrics[`${node.node}.freeMemoryGiB`] = gib(freeBytes);
      details.push(`${node.node}: ${cpus} CPUs, ${gib(freeBytes)} GiB of ${gib(status.memory?.total)} GiB memory free`);
      const lacks: string[] = [];
      if (cpus < t.minCpuCores) lacks.push(`${cpus} CPUs < ${t.minCpuCores}`);
      if (freeBytes < t.minFreeMemoryGiB * GiB) lacks.push(`${gib(freeBytes)} GiB free memory < ${t.minFreeMemoryGiB} GiB`);
      if (lacks.length === 0) continue;
      if (node.node === cfg.node) problems.push(`node ${node.node}: ${lacks.join(', ')}`);
      else elsewhere.push(`node ${node.node}: ${lacks.join(', ')}`);
    }

    const storage = await client.storageStatus(cfg.node, cfg.storage);
    metrics['storage.availGiB'] = gib(storage.avail);
    details.push(`storage ${cfg.storage} on ${cfg.node}: ${gib(storage.avail)} GiB of ${gib(storage.total)} GiB available`);
    if ((storage.avail ?? 0) < t.minFreeStorageGiB * GiB) {
      problems.push(`storage ${cfg.storage}: ${gib(storage.avail)} GiB available < ${t.minFreeStorageGiB} GiB`);
    }

    if (problems.length > 0) {
      throw checkFailed(
        `not enough headroom for test VMs: ${problems.join('; ')}: free resources or lower proxmox.thresholds`,
        [...problems, ...elsewhere, ...details],
      );
    }
    return {
      status: elsewhere.length > 0 ? 'warning' : 'passed',
      message:
        elsewhere.length > 0
          ? `node ${cfg.node} has headroom; other nodes lack it: ${elsewhere.join('; ')}`
          : `node ${cfg.node} has headroom: >= ${t.minCpuCores} CPUs, >= ${t.minFreeMemoryGiB} GiB memory, >= ${t.minFreeStorageGiB} GiB on ${cfg.storage}`,
      details,
      metrics,
    };
  });
}

export const proxmoxResourcesStep = defineStep({
  id: 'proxmox.resources',
  phase: 'preparation',
  title: 'Proxmox nodes have CPU, memory and storage headroom',
  dependsOn: ['proxmox.version'],
  blocking: true,
  run: proxmoxResources,
});
