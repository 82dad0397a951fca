// Machines CAPMOX v0.7 will not finish: a clone task failed, Proxmox removed the half-made VM (as qemu-server does
// when a clone fails), and the ProxmoxMachine keeps the VMID it was given, so every later reconcile looks for that
// VM, does not find it and never clones again. Upstream's way out is a MachineHealthCheck remediating the Machine;
// step 3's own test machines are replaced by the step instead: the Machine is deleted and its MachineSet makes a new
// one, which clones afresh.
import type { StepInput } from '../../catalogue/types';
import type { KubeClient } from '../../kubernetes/client';
import type { MachineView } from './machines';
import { CLUSTER_API, type Step3Names } from './names';
import { withProxmox } from './proxmox-side';

/** Names of the Machines whose clone failed and whose VM no longer exists in Proxmox. */
export async function machinesWithoutVm(input: StepInput, views: MachineView[]): Promise<Set<string>> {
  const failed = views.filter((v) => !v.deleting && v.reason === 'TaskFailure' && v.vmid !== undefined);
  if (failed.length === 0) return new Set();
  const node = input.config.proxmox.node;
  const vmids = new Set((await withProxmox(input, (p) => p.qemuList(node))).map((vm) => Number(vm.vmid)));
  return new Set(failed.filter((v) => !vmids.has(v.vmid!)).map((v) => v.name));
}

/** Deletes those Machines (the step's own); returns what it replaced, for the step's details. */
export async function replaceStuckMachines(input: StepInput, client: KubeClient, n: Step3Names, views: MachineView[]): Promise<string[]> {
  const stuck = await machinesWithoutVm(input, views);
  const replaced: string[] = [];
  for (const v of views.filter((x) => stuck.has(x.name))) {
    await client.delete({ apiVersion: CLUSTER_API, kind: 'Machine', name: v.name, namespace: n.namespace });
    replaced.push(`replaced Machine ${v.name}: its clone into VM ${v.vmid} failed (${v.message ?? 'TaskFailure'}) and the VM is gone, which CAPMOX v0.7 does not recover from`);
  }
  return replaced;
}
