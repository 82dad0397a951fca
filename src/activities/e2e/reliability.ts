// step8.reliability: restarting the VM behind the workload's node recovers. Through the Proxmox API the VM is
// stopped and started again; the node must go NotReady (the kubelet in the VM stops posting its status) and come
// back Ready, and the workload must be Ready again, within bounds; the times are the step's metrics.
// A control-plane node is restarted only in the sandbox: on a real cluster the step asks for a worker instead.
// A retried attempt that finds the VM stopped (an earlier attempt died mid-restart) starts it and waits for the
// node first, then runs the whole cycle; if the step fails while the VM is stopped, it starts it before failing.
import { defineStep, outputsOf } from '../../catalogue/define-step';
import { WAIT_RETRY } from '../../catalogue/retry-policies';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject } from '../../kubernetes/types';
import type { ProxmoxClient } from '../../proxmox/client';
import { heartbeat } from '../common/activity-context';
import { checkFailed } from '../common/failures';
import { waitForValue, WaitTimedOut } from '../common/wait';
import { podIsReady } from '../network/pods';
import { refs } from './manifests';
import { e2eNames, type E2eNames } from './names';
import { nodeReady, proxmoxNode, type NodeObject, type ProxmoxNode } from './nodes';
import { clientFor } from '../proxmox/step-context';
import { runE2eStep } from './step-context';
import { e2eWorkloadStep, workloadPod } from './workload';

// A kubelet's silence shows after kube-controller-manager's node-monitor-grace-period (40-50 s by default).
export const NOT_READY_TIMEOUT_MS = 120_000;
/** The recovery bound: from the VM's start to the node Ready and the workload Ready again. */
export const RECOVERY_BOUND_MS = 300_000;
const TASK_TIMEOUT_MS = 300_000;

const seconds = (ms: number) => Math.round(ms / 100) / 10;

async function powerAction(px: ProxmoxClient, vm: Pick<ProxmoxNode['vm'], 'node' | 'vmid'>, action: 'start' | 'stop'): Promise<void> {
  const current = (await px.qemuStatus(vm.node, vm.vmid)).status;
  if ((action === 'start') === (current === 'running')) return;
  const upid = action === 'start' ? await px.startVm(vm.node, vm.vmid) : await px.stopVm(vm.node, vm.vmid);
  await px.waitTask(upid, { timeoutMs: TASK_TIMEOUT_MS, onProgress: (p) => heartbeat({ waitingFor: `${action} of VM ${vm.vmid}`, elapsedMs: p.elapsedMs }) });
}

async function waitNode(kube: KubeClient, name: string, ready: boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await waitForValue(`node ${name} ${ready ? 'Ready' : 'NotReady'}`, timeoutMs, async () => (nodeReady(await kube.find({ apiVersion: 'v1', kind: 'Node', name })) === ready ? true : undefined), 500);
  return Date.now() - started;
}

async function waitWorkload(kube: KubeClient, n: E2eNames, timeoutMs: number): Promise<string> {
  return waitForValue(`workload ${n.deployment} Ready again`, timeoutMs, async () => {
    const deployment = await kube.find<KubeObject & { status?: { readyReplicas?: number } }>(refs.deployment(n));
    const pod = await workloadPod(kube, n);
    return (deployment?.status?.readyReplicas ?? 0) >= 1 && podIsReady(pod) ? pod!.metadata.name : undefined;
  }, 500);
}

async function workloadNode(kube: KubeClient, px: ProxmoxClient, input: StepInput, n: E2eNames): Promise<ProxmoxNode> {
  const recorded = outputsOf(input, e2eWorkloadStep)?.node ?? '';
  const name = recorded || (await workloadPod(kube, n))?.spec.nodeName;
  if (!name) throw checkFailed(`workload ${n.namespace}/${n.deployment} has no pod on a node: step8.workload must pass first`);
  const node = await kube.find<NodeObject>({ apiVersion: 'v1', kind: 'Node', name });
  const found = node && (await proxmoxNode(px, input.config.proxmox.region, node));
  if (!found) throw checkFailed(`node ${name} of the workload has no VM behind it in Proxmox cluster ${input.config.proxmox.region} (providerID ${node?.spec?.providerID ?? 'none'}): only a VM node can be restarted through the Proxmox API`);
  return found;
}

export function e2eReliability(input: StepInput): Promise<StepOutcome> {
  const n = e2eNames(input.config);
  return runE2eStep(input, `restart the VM behind the workload's node`, async (kube, px) => {
    const target = await workloadNode(kube, px, input, n);
    const { vm } = target;
    if (target.controlPlane) {
      throw checkFailed(`the workload runs on ${target.name}, a control-plane node: restarting it would take the cluster's control plane down; add a Proxmox-backed worker node and run step8.workload again`);
    }
    const details: string[] = [];
    if ((await px.qemuStatus(vm.node, vm.vmid)).status !== 'running') {
      // An earlier attempt stopped it and died: bring it back before measuring a fresh cycle.
      await powerAction(px, vm, 'start');
      await waitNode(kube, target.name, true, RECOVERY_BOUND_MS);
      details.push(`VM ${vm.vmid} was found stopped (an earlier attempt) and was started first`);
    }
    let stopped = false;
    try {
      const stopStarted = Date.now();
      await powerAction(px, vm, 'stop');
      stopped = true;
      const notReadyMs = await waitNode(kube, target.name, false, NOT_READY_TIMEOUT_MS);
      details.push(`VM ${vm.vmid} on ${vm.node} stopped; node ${target.name} NotReady ${seconds(Date.now() - stopStarted)} s after the stop request`);
      const startStarted = Date.now();
      await powerAction(px, vm, 'start');
      stopped = false;
      const readyMs = await waitNode(kube, target.name, true, RECOVERY_BOUND_MS);
      const pod = await waitWorkload(kube, n, Math.max(1_000, RECOVERY_BOUND_MS - (Date.now() - startStarted)));
      const recoveryMs = Date.now() - startStarted;
      details.push(`VM ${vm.vmid} started; node ${target.name} Ready after ${seconds(readyMs)} s, workload pod ${pod} Ready after ${seconds(recoveryMs)} s`);
      return {
        status: 'passed',
        message: `VM ${vm.vmid} behind node ${target.name} restarted: the node went NotReady and back Ready, workload ${n.deployment} Ready again ${seconds(recoveryMs)} s after the start (bound ${RECOVERY_BOUND_MS / 1000} s)`,
        details,
        metrics: {
          nodeNotReadySeconds: seconds(notReadyMs),
          nodeReadySeconds: seconds(readyMs),
          workloadRecoverySeconds: seconds(recoveryMs),
          outageSeconds: seconds(Date.now() - stopStarted),
        },
        outputs: { node: target.name, vmid: vm.vmid },
      };
    } catch (err) {
      if (stopped) await powerAction(px, vm, 'start').catch(() => undefined);
      if (err instanceof WaitTimedOut) {
        throw checkFailed(
          `${err.message} after restarting VM ${vm.vmid} behind node ${target.name}; ` +
            (/NotReady/.test(err.waitingFor)
              ? 'the node kept reporting Ready while its VM was stopped: check that the node controller watches node heartbeats (kube-controller-manager) and that the providerID names this VM'
              : `check the kubelet on the VM (journalctl -u kubelet) and the workload's events (kubectl -n ${n.namespace} describe pod -l app.kubernetes.io/name=${n.deployment})`),
          details,
        );
      }
      throw err;
    }
  });
}

/**
 * The undo (on failure, abort or cancel): the VM behind the workload's node runs again. A restart cut off between
 * its stop and its start (a cancelled run, a worker that died) would otherwise leave the node's VM stopped.
 */
export async function e2eStartWorkloadVm(input: StepInput): Promise<void> {
  const recorded = outputsOf(input, e2eWorkloadStep);
  // No workload, so this step never ran and stopped nothing.
  if (!recorded) return;
  const px = await clientFor(input);
  try {
    await powerAction(px, { node: recorded.proxmoxNode, vmid: recorded.vmid }, 'start');
  } finally {
    px.close();
  }
}

export const e2eReliabilityStep = defineStep({
  id: 'step8.reliability',
  phase: 'monitoring-security',
  group: 'step8-e2e',
  title: 'Restarting the VM behind the workload\'s node: node NotReady, then Ready, workload Ready again',
  // Not while the benchmark clones and provisions: the figures would measure the restart too.
  dependsOn: ['step8.workload', 'step8.benchmark'],
  blocking: true,
  startToCloseSeconds: 900,
  retry: WAIT_RETRY,
  run: e2eReliability,
  // A start task is waited for up to 300 s (TASK_TIMEOUT_MS).
  undo: { when: 'on-failure', startToCloseSeconds: 360, run: e2eStartWorkloadVm },
});
