// What the VM steps observe: the Machines of the test MachineDeployment with their ProxmoxMachines (phase, the
// provider's VMProvisioned reason and message, VMID, node, providerID, addresses) and the matching VMs in Proxmox.
// Step 3 proves the infrastructure: a Machine is done when Cluster API reports it Provisioned (its ProxmoxMachine
// ready, its providerID set) — the test machines carry bootstrap data that joins no cluster, so no nodeRef comes
// (docs/capi.md says why).
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
  providerID?: string;
  addresses: string[];
  ready: boolean;
  vmid?: number;
  node?: string;
  reason?: string;
  message?: string;
  failureMessage?: string;
  /** CAPMOX's status.retryAfter: when it tries a failed task again. */
  retryAfter?: string;
}

export async function machinesOf(client: KubeClient, n: Step3Names): Promise<MachineView[]> {
  const machines = await client.list(CLUSTER_API, 'Machine', n.namespace, `${DEPLOYMENT_NAME_LABEL}=${n.machineDeployment}`);
  const views: MachineView[] = [];
  for (const m of machines.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const infraName = (m.spec as { infrastructureRef?: { name: string } }).infrastructureRef?.name ?? m.metadata.name;
    const pm = await client.find<KubeObject>({ apiVersion: CAPMOX_API, kind: 'ProxmoxMachine', name: infraName, namespace: n.namespace });
    const status = (m.status ?? {}) as { phase?: string; nodeRef?: { name: string }; addresses?: Array<{ type: string; address: string }> };
    const pmStatus = (pm?.status ?? {}) as { ready?: boolean; proxmoxNode?: string; failureMessage?: string; retryAfter?: string };
    const provisioned = findCondition(pm, 'VMProvisioned');
    views.push({
      name: m.metadata.name,
      deleting: Boolean(m.metadata.deletionTimestamp),
      phase: status.phase ?? 'Pending',
      nodeRef: status.nodeRef?.name,
      providerID: (m.spec as { providerID?: string } | undefined)?.providerID,
      addresses: (status.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address),
      ready: pmStatus.ready === true,
      vmid: (pm?.spec as { virtualMachineID?: number } | undefined)?.virtualMachineID,
      node: pmStatus.proxmoxNode,
      reason: provisioned?.reason,
      message: provisioned?.message,
      failureMessage: pmStatus.failureMessage,
      retryAfter: pmStatus.retryAfter,
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

/** Cluster API's Provisioned (or Running, where a node joined): the VM exists, runs and is known by its providerID. */
export function isProvisioned(v: MachineView): boolean {
  return !v.deleting && (v.phase === 'Provisioned' || v.phase === 'Running') && v.ready && Boolean(v.providerID);
}

/**
 * Reasons of a VMProvisioned False that CAPMOX retries by itself: a failed Proxmox task, a failed provisioning call
 * (e.g. the cloud-init ISO upload refused), a start that failed.
 */
const RETRIED_FAILURES = ['TaskFailure', 'VMProvisionFailed', 'PoweringOnFailed'];

/** CAPMOX v0.7 retries a failed task once its status.retryAfter (one minute after the failure) has passed. */
export const CAPMOX_TASK_RETRY_MS = 60_000;
/** How long the provider is given past its own retry time (or, for other failures, past the first sight). */
export const PROVIDER_RETRY_GRACE_MS = 30_000;

interface FailureEpisode {
  since: number;
  retryAfter?: string;
}

/**
 * Fails the step on what the provider reports as failed: a template that does not exist (the clone is refused; no
 * retry helps until the config names an existing template), a terminal failureMessage, or a failure CAPMOX retries
 * that does not heal. CAPMOX reports a failed task (TaskFailure, e.g. a clone out of space, or a start that raced
 * another start: "VM 100 already running") and tries again after its retryAfter; the attempt fails when a second
 * task fails after that retry, or when the failure outlasts the retry time by the grace period; at once when the
 * failed task was the clone and the VM is gone (CAPMOX v0.7 never clones again: stuck-machines.ts). Other retried
 * failures get the grace period from their first sight. A failure that gives way to another reason ends its episode.
 */
export class ProviderFailureWatch {
  private readonly episodes = new Map<string, FailureEpisode>();

  constructor(
    private readonly input: StepInput,
    private readonly graceMs = PROVIDER_RETRY_GRACE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** `withoutVm`: Machines whose clone failed and whose VM is gone (stuck-machines.ts): CAPMOX will not retry them. */
  check(views: MachineView[], withoutVm: ReadonlySet<string> = new Set()): void {
    const { templateId, node } = this.input.config.proxmox;
    for (const v of views) {
      if (v.deleting) continue;
      const where = `ProxmoxMachine ${v.name}`;
      if (v.failureMessage) {
        const hint = /vmIDRange/i.test(v.failureMessage) ? ': every VMID of vms.vmIdRange is taken; widen the range or free its VMIDs' : '';
        throw fail(FailureType.CheckFailed, `${where} failed: ${v.failureMessage}${hint}`);
      }
      if (v.reason === 'CloningFailed' && /does not exist|not found/i.test(v.message ?? '')) {
        throw fail(
          FailureType.NotFound,
          `${where}: the provider cannot clone template ${templateId} on ${node}: ${v.message}. Set proxmox.templateId to an existing template (check it with the proxmox.template step) and run the step again`,
        );
      }
      if (withoutVm.has(v.name)) {
        throw fail(
          FailureType.Transient,
          `${where}: the clone into VM ${v.vmid ?? '?'} failed (${v.message}) and Proxmox removed the VM; CAPMOX v0.7 does not clone again, so the step's next attempt replaces the Machine (its MachineSet makes a new one)`,
        );
      }
      if (!RETRIED_FAILURES.includes(v.reason ?? '')) {
        this.episodes.delete(v.name);
        continue;
      }
      const now = this.now();
      const episode = this.episodes.get(v.name) ?? { since: now, retryAfter: v.retryAfter };
      this.episodes.set(v.name, episode);
      const isTask = v.reason === 'TaskFailure';
      const retryAt = isTask ? Math.max(episode.since, Date.parse(episode.retryAfter ?? '') || episode.since + CAPMOX_TASK_RETRY_MS) : episode.since;
      const failedAgain = isTask && episode.retryAfter !== undefined && v.retryAfter !== undefined && v.retryAfter !== episode.retryAfter;
      if (!failedAgain && now < retryAt + this.graceMs) continue;
      const advice =
        isTask
          ? `the provider retried${failedAgain ? ' and the task failed again' : ''}; read the task log in Proxmox (Datacenter > Tasks) for VM ${v.vmid ?? '?'} and template ${templateId}`
          : `the provider keeps retrying; the CAPMOX manager's log shows the Proxmox call that failed`;
      throw fail(FailureType.Transient, `${where}: VMProvisioned False (${v.reason}: ${v.message}); ${advice}`);
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
