// VMs of the step's own test machines that no ProxmoxMachine holds any more. CAPMOX v0.7 can clone twice for one
// machine: a reconcile that starts on a cache which has not yet seen the previous reconcile's write of
// spec.virtualMachineID clones again, and the first VM is left behind, named after the machine (upstream reports
// "lots of VMs created for a single machine"). Nothing in Cluster API will ever delete such a VM. The steps find
// them by the name CAPMOX gives a clone — the machine's, which starts with the step's own MachineDeployment name
// (the tags come later, with the configuration such a VM never gets) — and by no ProxmoxMachine of that name
// holding their VMID, destroy them and say so.
import type { StepInput } from '../../catalogue/types';
import type { KubeClient } from '../../kubernetes/client';
import type { ProxmoxClient } from '../../proxmox/client';
import { machinesOf } from './machines';
import type { Step3Names } from './names';
import { withProxmox } from './proxmox-side';

/** VMID and name of each left-behind VM: no ProxmoxMachine of its name, or one that holds another VMID. */
async function orphans(client: KubeClient, proxmox: ProxmoxClient, input: StepInput, n: Step3Names): Promise<Array<{ vmid: number; name: string }>> {
  const views = await machinesOf(client, n);
  const held = new Map(views.map((v) => [v.name, v.vmid]));
  const vms = await proxmox.qemuList(input.config.proxmox.node);
  return vms
    .filter((vm) => (vm.name ?? '').startsWith(`${n.machineDeployment}-`) && !vm.lock)
    .filter((vm) => {
      if (!held.has(vm.name ?? '')) return true;
      const vmid = held.get(vm.name ?? '');
      return vmid !== undefined && vmid !== Number(vm.vmid);
    })
    .map((vm) => ({ vmid: Number(vm.vmid), name: vm.name ?? '' }));
}

/** Destroys the step's left-behind VMs; returns one line per VM for the step's details. */
export async function removeOrphanVms(input: StepInput, client: KubeClient, n: Step3Names): Promise<string[]> {
  return withProxmox(input, async (proxmox) => {
    const lines: string[] = [];
    for (const vm of await orphans(client, proxmox, input, n)) {
      await proxmox.deleteIfPresent(input.config.proxmox.node, vm.vmid);
      lines.push(`destroyed VM ${vm.vmid} (${vm.name}): CAPMOX cloned it for a machine that holds another VM or none (a reconcile on a stale cache clones twice), and nothing else would delete it`);
    }
    return lines;
  });
}
