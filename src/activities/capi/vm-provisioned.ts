// step3.vm-provisioned: a ProxmoxMachineTemplate (template, node, full clone, cores, memory, boot volume, bridge) and
// a MachineDeployment of one replica; waits for the Machine Provisioned (its ProxmoxMachine ready, providerID and
// address set), heartbeating the provider's VMProvisioned reason (Cloning, WaitingForStaticIPAllocation,
// WaitingForBootstrapData, PoweringOn, ...). Then checks in Proxmox that the VM exists, was cloned from the template,
// runs and has the asked cores, memory, disk size, bridge and the provider's tags. No nodeRef is awaited: the test
// machine's bootstrap data joins no cluster (docs/capi.md).
import { z } from 'zod';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { checkFailed } from '../common/failures';
import { runKubernetesStep } from '../kubernetes/step-context';
import { describeMachines, isProvisioned, machinesOf, ProviderFailureWatch, type MachineView } from './machines';
import { step3Names, vmSettings } from './names';
import { machinesWithoutVm, replaceStuckMachines } from './stuck-machines';
import { removeOrphanVms } from './orphan-vms';
import { bootstrapSecret, machineDeployment, machineTemplate } from './objects';
import { waitUntil } from '../common/wait';
import { vmFacts, vmMismatches, withProxmox } from './proxmox-side';
import { defineStep } from '../../catalogue/define-step';
import { WAIT_RETRY } from '../../catalogue/retry-policies';

const outputs = z.object({ vmid: z.number(), node: z.string(), machine: z.string(), providerID: z.string(), address: z.string() });

export function capiVmProvisioned(input: StepInput): Promise<StepOutcome> {
  const n = step3Names(input.config);
  const settings = vmSettings(input.config);
  return runKubernetesStep(input, `create the MachineDeployment ${n.namespace}/${n.machineDeployment}`, async (client) => {
    const watch = new ProviderFailureWatch(input);
    const replaced = await replaceStuckMachines(input, client, n, await machinesOf(client, n));
    await client.apply(bootstrapSecret(n));
    await client.apply(machineTemplate(input.config, n));
    await client.apply(machineDeployment(n, 1));
    const { value, elapsedMs } = await waitUntil<MachineView>(
      `Machine of ${n.machineDeployment} Provisioned with its VM ready`,
      async () => {
        const views = await machinesOf(client, n);
        watch.check(views, await machinesWithoutVm(input, views));
        const provisioned = views.filter(isProvisioned);
        const active = views.filter((v) => !v.deleting);
        return { done: provisioned.length === 1 && active.length === 1, value: provisioned[0], seen: describeMachines(views) };
      },
      { timeoutMs: settings.provisionTimeoutSeconds * 1000, hint: `\`kubectl describe proxmoxmachine -n ${n.namespace}\` shows the provider's conditions` },
    );
    const machine = value!;
    const orphans = await removeOrphanVms(input, client, n);
    if (machine.vmid === undefined || !machine.node) throw checkFailed(`ProxmoxMachine ${machine.name} is ready but reports no VMID or node`);
    const facts = await withProxmox(input, (proxmox) => vmFacts(input, proxmox, machine.node!, machine.vmid!));
    const problems = vmMismatches(input, facts, machine.name);
    if (problems.length > 0) {
      throw checkFailed(`VM ${facts.vmid} of Machine ${machine.name} on ${facts.node} is not what was asked: ${problems.join('; ')}`, problems);
    }
    return {
      status: orphans.length > 0 ? 'warning' : 'passed',
      message:
        `Machine ${machine.name} ${machine.phase}: VM ${facts.vmid} on ${facts.node} cloned from template ${input.config.proxmox.templateId}` +
        ` (${facts.cores} cores, ${facts.memoryMiB} MiB, ${settings.bootDisk} ${facts.diskGiB} GiB, ${facts.bridge})` +
        `, address ${machine.addresses.join(', ') || 'none reported'}, in ${(elapsedMs / 1000).toFixed(1)} s`,
      details: [...replaced, ...orphans, `clone task ${facts.cloneTask}`, `providerID ${machine.providerID}`, ...(machine.nodeRef ? [`Node ${machine.nodeRef}`] : [])],
      outputs: { vmid: facts.vmid, node: facts.node, machine: machine.name, providerID: machine.providerID ?? '', address: machine.addresses[0] ?? '' } satisfies z.infer<typeof outputs>,
      metrics: { vmCloneSeconds: facts.cloneSeconds ?? 0, vmProvisionSeconds: Math.round(elapsedMs / 100) / 10 },
    };
  });
}

export const step3VmProvisionedStep = defineStep({
  id: 'step3.vm-provisioned',
  phase: 'basic-integration',
  group: 'step3-vm-management',
  title: 'A Machine gets a VM cloned from the template (cores, memory, disk, bridge), running with its address',
  dependsOn: ['step3.cluster-ready'],
  blocking: true,
  startToCloseSeconds: 900,
  retry: WAIT_RETRY,
  component: 'Cluster API provider Proxmox',
  outputs,
  run: capiVmProvisioned,
});
