// What the VM steps observe: the Machines of the test MachineDeployment with their ProxmoxMachines (phase, the
// provider's VMProvisioned reason and message, VMID, node) and the matching VMs in Proxmox.
import type { StepInput } from '../../catalogue/types';
import { findCondition } from '../../kubernetes/conditions';
import { type KubeClient } from '../../kubernetes/client';
import { type KubeObject } from '../../kubernetes/types';
import type { ProxmoxClient } from '../../proxmox/client';
import { fail, FailureType } from '../common/failures';
import { CAPMOX_API, CLUSTER_API, DEPLOYMENT_NAME_LABEL, type Step3Names } from './names';

export interface MachineView {
  name: string;
  deleting: boolean;
  phase: string;
  nodeRef?: string;
  ready: boolean;
  vmid?: number;
  node?: string;
  reason?: string;
  message?: string;
  failureMessage?: string;
}

export async function machinesOf(client: KubeClient, n: Step3Names): Promise<MachineView[]> {
  const machines = await client.list(CLUSTER_API, 'Machine', n.namespace, `${DEPLOYMENT_NAME_LABEL}=${n.machineDeployment}`);
  const views: MachineView[] = [];
  for (const m of machines.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const infraName = (m.spec as { infrastructureRef?: { name: string } }).infrastructureRef?.name ?? m.metadata.name;
    const pm = await client.find<KubeObject>({ apiVersion: CAPMOX_API, kind: 'ProxmoxMachine', name: infraName, namespace: n.namespace });
    const status = (m.status ?? {}) as { phase?: string; nodeRef?: { name: string } };
    const pmStatus = (pm?.status ?? {}) as { ready?: boolean; proxmoxNode?: string; failureMessage?: string };
    const provisioned = findCondition(pm, 'VMProvisioned');
    views.push({
      name: m.metadata.name,
      deleting: Boolean(m.metadata.deletionTimestamp),
      phase: status.phase ?? 'Pending',
      nodeRef: status.nodeRef?.name,
      ready: pmStatus.ready === true,
      vmid: (pm?.spec as { virtualMachineID?: number } | undefined)?.virtualMachineID,
      node: pmStatus.proxmoxNode,
      reason: provisioned?.reason,
      message: provisioned?.message,
      failureMessage: pmStatus.failureMessage,
    });
  }
  return views;
}

export function describeMachines(views: MachineView[]): string {
  if (views.length === 0) return 'no Machines';
  return views
    .map((v) => {
      const provider = v.ready ? 'VM ready' : `VMProvisioned ${v.reason ?? 'not reported yet'}${v.message ? `: ${v.message}` : ''}`;
      return `Machine ${v.name} ${v.deleting ? 'Deleting' : v.phase}${v.vmid !== undefined ? ` (VM ${v.vmid})` : ''}, ${provider}`;
    })
    .join('; ');
}

export function isRunning(v: MachineView): boolean {
  return !v.deleting && v.phase === 'Running' && v.ready && Boolean(v.nodeRef);
}

/** How long a TaskFailure seen at the start of an attempt (left from before it) is given for the provider's retry. */
export const STALE_TASK_FAILURE_GRACE_MS = 30_000;

/**
 * Fails the step on what the provider reports as failed: a template that does not exist (the clone is refused; no
 * retry helps until the config names an existing template), a terminal failureMessage, or a failed Proxmox task
 * (retryable: CAPMOX clones again after a failed task). A TaskFailure on a Machine that existed before the attempt
 * began may be the previous attempt's: it fails this one only if the provider has not moved on within the grace
 * period. A Machine made during this attempt has no past, so its TaskFailure counts at once — however fast the
 * provider reported it.
 */
export class ProviderFailureWatch {
  private readonly progressed = new Set<string>();
  private readonly firstSeen = new Map<string, number>();
  private readonly preexisting: Set<string>;

  /** `before`: the Machines listed before this attempt applied anything. */
  constructor(
    private readonly input: StepInput,
    before: MachineView[],
    private readonly graceMs = STALE_TASK_FAILURE_GRACE_MS,
  ) {
    this.preexisting = new Set(before.map((v) => v.name));
  }

  check(views: MachineView[]): void {
    const { templateId, node } = this.input.config.proxmox;
    for (const v of views) {
      if (v.deleting) continue;
      const where = `ProxmoxMachine ${v.name}`;
      if (v.failureMessage) throw fail(FailureType.CheckFailed, `${where} failed: ${v.failureMessage}`);
      if (v.reason === 'CloningFailed' && /does not exist|not found/i.test(v.message ?? '')) {
        throw fail(
          FailureType.NotFound,
          `${where}: the provider cannot clone template ${templateId} on ${node}: ${v.message}. Set proxmox.templateId to an existing template (check it with the proxmox.template step) and run the step again`,
        );
      }
      if (v.reason !== 'TaskFailure') {
        this.progressed.add(v.name);
        this.firstSeen.delete(v.name);
        continue;
      }
      const first = this.firstSeen.get(v.name) ?? Date.now();
      this.firstSeen.set(v.name, first);
      if (!this.preexisting.has(v.name) || this.progressed.has(v.name) || Date.now() - first >= this.graceMs) {
        throw fail(
          FailureType.Transient,
          `${where}: VMProvisioned False (TaskFailure: ${v.message}); the provider retries the clone; if it keeps failing, read the task log in Proxmox (Datacenter > Tasks) for template ${templateId}`,
        );
      }
    }
  }
}

/** VMIDs of the VMs on the node whose names start with the prefix (the Machines' names). */
export async function vmsNamed(proxmox: ProxmoxClient, node: string, prefix: string): Promise<Array<{ vmid: number; name: string; status: string }>> {
  const list = await proxmox.qemuList(node);
  return list
    .filter((vm) => (vm.name ?? '').startsWith(prefix))
    .map((vm) => ({ vmid: Number(vm.vmid), name: vm.name ?? '', status: String(vm.status ?? '') }));
}
