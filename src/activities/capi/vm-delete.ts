// step3.vm-delete: deleting the MachineDeployment removes its Machines, their ProxmoxMachines and Nodes, and the VMs
// in Proxmox.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { runKubernetesStep } from '../kubernetes/step-context';
import { describeMachines, machinesOf, vmsNamed } from './machines';
import { CAPMOX_API, CLUSTER_NAME_LABEL, refs, step3Names } from './names';
import { waitUntil } from '../common/wait';
import { withProxmox } from './proxmox-side';
import { removeOrphanVms } from './orphan-vms';
import { defineStep } from '../../catalogue/define-step';
import { WAIT_RETRY } from '../../catalogue/retry-policies';

export const DELETE_WAIT_MS = 180_000;

export function capiVmDelete(input: StepInput): Promise<StepOutcome> {
  const n = step3Names(input.config);
  const node = input.config.proxmox.node;
  return runKubernetesStep(input, `delete the MachineDeployment ${n.namespace}/${n.machineDeployment}`, async (client) => {
    const before = await machinesOf(client, n);
    const started = Date.now();
    await client.delete(refs.machineDeployment(n));
    await waitUntil(
      `Machines and ProxmoxMachines of ${n.machineDeployment} gone`,
      async () => {
        const views = await machinesOf(client, n);
        const infra = await client.list(CAPMOX_API, 'ProxmoxMachine', n.namespace, `${CLUSTER_NAME_LABEL}=${n.cluster}`);
        return { done: views.length === 0 && infra.length === 0, seen: `${describeMachines(views)}; ${infra.length} ProxmoxMachine(s)` };
      },
      { timeoutMs: DELETE_WAIT_MS },
    );
    // With every Machine gone, a VM still named after one is a second clone CAPMOX left behind (orphan-vms.ts).
    const orphans = await removeOrphanVms(input, client, n);
    await waitUntil(
      `VMs of ${n.machineDeployment} gone from Proxmox`,
      async () => {
        const vms = await withProxmox(input, (p) => vmsNamed(p, node, n.machineDeployment));
        return { done: vms.length === 0, seen: `VMs: ${vms.map((v) => `${v.vmid} ${v.name} ${v.status}`).join(', ') || 'none'}` };
      },
      { timeoutMs: 60_000 },
    );
    const nodes = [];
    for (const m of before) if (m.nodeRef && (await client.find({ apiVersion: 'v1', kind: 'Node', name: m.nodeRef }))) nodes.push(m.nodeRef);
    const vmids = before.map((m) => m.vmid).filter((v) => v !== undefined);
    return {
      status: nodes.length === 0 && orphans.length === 0 ? 'passed' : 'warning',
      message: `MachineDeployment ${n.machineDeployment} deleted: ${before.length} Machine(s) and VM(s) ${vmids.join(', ') || 'none'} gone in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      details: [...orphans, ...(nodes.length > 0 ? [`Node(s) still registered: ${nodes.join(', ')}`] : [])],
      outputs: { deletedVmids: vmids.join(',') },
      metrics: { deleteSeconds: Math.round((Date.now() - started) / 100) / 10 },
    };
  });
}

export const step3VmDeleteStep = defineStep({
  id: 'step3.vm-delete',
  phase: 'basic-integration',
  group: 'step3-vm-management',
  title: 'Deleting the MachineDeployment removes its Machines and VMs',
  dependsOn: ['step3.vm-scale'],
  blocking: true,
  startToCloseSeconds: 360,
  retry: WAIT_RETRY,
  component: 'Cluster API provider Proxmox',
  run: capiVmDelete,
});
