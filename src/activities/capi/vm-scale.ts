// step3.vm-scale: the MachineDeployment scaled to 2 makes a second VM in Proxmox; back to 1 removes one Machine and
// its VM is gone from Proxmox.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeClient } from '../../kubernetes/client';
import { checkFailed } from '../common/failures';
import { runKubernetesStep } from '../kubernetes/step-context';
import { describeMachines, isProvisioned, machinesOf, ProviderFailureWatch, vmsNamed, type MachineView } from './machines';
import { step3Names, vmSettings, type Step3Names } from './names';
import { machinesWithoutVm, replaceStuckMachines } from './stuck-machines';
import { removeOrphanVms } from './orphan-vms';
import { machineDeployment } from './objects';
import { waitUntil } from '../common/wait';
import { withProxmox } from './proxmox-side';
import { defineStep } from '../../catalogue/define-step';
import { WAIT_RETRY } from '../../catalogue/retry-policies';

/** Scales and waits; returns the running Machines and what stuck Machines were replaced first (stuck-machines.ts). */
async function scaleTo(input: StepInput, client: KubeClient, n: Step3Names, replicas: number): Promise<{ running: MachineView[]; replaced: string[] }> {
  const watch = new ProviderFailureWatch(input);
  const replaced = await replaceStuckMachines(input, client, n, await machinesOf(client, n));
  await client.apply(machineDeployment(n, replicas));
  const { value } = await waitUntil<MachineView[]>(
    `${replicas} Machine(s) of ${n.machineDeployment} Running and no other left`,
    async () => {
      const views = await machinesOf(client, n);
      watch.check(views, await machinesWithoutVm(input, views));
      const running = views.filter(isProvisioned);
      return { done: running.length === replicas && views.length === replicas, value: running, seen: describeMachines(views) };
    },
    { timeoutMs: vmSettings(input.config).provisionTimeoutSeconds * 1000 },
  );
  return { running: value!, replaced };
}

export function capiVmScale(input: StepInput): Promise<StepOutcome> {
  const n = step3Names(input.config);
  const node = input.config.proxmox.node;
  return runKubernetesStep(input, `scale the MachineDeployment ${n.namespace}/${n.machineDeployment}`, async (client) => {
    const started = Date.now();
    const { running: two, replaced } = await scaleTo(input, client, n, 2);
    const notes = [...replaced, ...(await removeOrphanVms(input, client, n))];
    const vmsAtTwo = await withProxmox(input, (p) => vmsNamed(p, node, n.machineDeployment));
    const expected = two.map((m) => m.vmid);
    const runningVms = vmsAtTwo.filter((vm) => expected.includes(vm.vmid) && vm.status === 'running');
    if (runningVms.length !== 2) {
      throw checkFailed(`scaled to 2 but Proxmox runs ${runningVms.length} of the Machines' VMs (${expected.join(', ')}); VMs seen: ${vmsAtTwo.map((v) => `${v.vmid} ${v.name} ${v.status}`).join(', ') || 'none'}`);
    }
    const { running: one, replaced: replacedAtOne } = await scaleTo(input, client, n, 1);
    notes.push(...replacedAtOne, ...(await removeOrphanVms(input, client, n)));
    const removed = expected.filter((vmid) => vmid !== one[0].vmid);
    const { value: left } = await waitUntil(
      `VM ${removed.join(', ')} gone from Proxmox after scaling down`,
      async () => {
        const vms = await withProxmox(input, (p) => vmsNamed(p, node, n.machineDeployment));
        return { done: !vms.some((vm) => removed.includes(vm.vmid)), value: vms, seen: `VMs: ${vms.map((v) => `${v.vmid} ${v.name}`).join(', ') || 'none'}` };
      },
      { timeoutMs: 120_000 },
    );
    if ((left ?? []).length !== 1) throw checkFailed(`after scaling to 1, Proxmox holds ${left?.length ?? 0} VMs of ${n.machineDeployment}: ${(left ?? []).map((v) => v.vmid).join(', ')}`);
    return {
      status: notes.length > 0 ? 'warning' : 'passed',
      details: notes,
      message: `scaled ${n.machineDeployment} to 2 (VMs ${expected.join(', ')} running) and back to 1 (VM ${removed.join(', ')} destroyed) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      outputs: { vmid: one[0].vmid ?? 0, removedVmid: removed[0] ?? 0 },
      metrics: { scaleSeconds: Math.round((Date.now() - started) / 100) / 10 },
    };
  });
}

export const step3VmScaleStep = defineStep({
  id: 'step3.vm-scale',
  phase: 'basic-integration',
  group: 'step3-vm-management',
  title: 'Scaling the MachineDeployment to 2 and back to 1 adds and removes a VM',
  dependsOn: ['step3.vm-provisioned'],
  blocking: true,
  startToCloseSeconds: 1500,
  retry: WAIT_RETRY,
  component: 'Cluster API provider Proxmox',
  run: capiVmScale,
});
