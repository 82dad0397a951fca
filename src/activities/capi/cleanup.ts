// Compensation of step3.cluster-ready (run at the end unless keepTestResources, and on reject/abort/cancel): removes
// everything the step-3 steps made (MachineDeployment, Cluster with its ProxmoxCluster, template, Secrets) and waits
// until their VMs are gone from Proxmox. Safe when nothing was made and when run twice.
import type { StepInput } from '../../catalogue/types';
import { runKubernetesStep } from '../kubernetes/step-context';
import { describeMachines, machinesOf, vmsNamed } from './machines';
import { refs, step3Names } from './names';
import { waitUntil } from '../common/wait';
import { withProxmox } from './proxmox-side';
import { removeOrphanVms } from './orphan-vms';

export const CLEANUP_WAIT_MS = 180_000;

export async function capiCleanupStep3(input: StepInput): Promise<void> {
  if (input.config.keepTestResources) return;
  const n = step3Names(input.config);
  const hint = 'the Cluster API and CAPMOX controllers remove their finalizers once the VMs are destroyed: check that they run';
  await runKubernetesStep(input, `remove the step-3 objects in ${n.namespace}`, async (client) => {
    await client.delete(refs.machineDeployment(n));
    await waitUntil(`Machines of ${n.machineDeployment} gone`, async () => {
      const views = await machinesOf(client, n);
      return { done: views.length === 0, seen: describeMachines(views) };
    }, { timeoutMs: CLEANUP_WAIT_MS, hint });
    // A VM still named after a Machine now is a second clone CAPMOX left behind (orphan-vms.ts).
    const orphans = await removeOrphanVms(input, client, n);
    await client.delete(refs.cluster(n));
    await waitUntil(`Cluster and ProxmoxCluster ${n.cluster} gone`, async () => {
      const [c, pxc] = await Promise.all([client.find(refs.cluster(n)), client.find(refs.proxmoxCluster(n))]);
      // A ProxmoxCluster left without its Cluster (a half-made run) is deleted directly.
      if (!c && pxc && !pxc.metadata.deletionTimestamp) await client.delete(refs.proxmoxCluster(n));
      return { done: !c && !pxc, seen: `Cluster ${c ? 'present' : 'gone'}, ProxmoxCluster ${pxc ? 'present' : 'gone'}` };
    }, { timeoutMs: CLEANUP_WAIT_MS, hint });
    await client.delete(refs.machineTemplate(n));
    await client.delete(refs.secret(n.bootstrapSecret, n));
    await client.delete(refs.secret(n.credentialsSecret, n));
    await waitUntil(`VMs of ${n.machineDeployment} gone from Proxmox`, async () => {
      const vms = await withProxmox(input, (p) => vmsNamed(p, input.config.proxmox.node, n.machineDeployment));
      return { done: vms.length === 0, seen: `VMs: ${vms.map((v) => `${v.vmid} ${v.name}`).join(', ') || 'none'}` };
    }, { timeoutMs: 60_000 });
    return { status: 'passed', message: `step-3 objects in ${n.namespace} removed${orphans.length > 0 ? `; ${orphans.join('; ')}` : ''}` };
  });
}
