// step4.node-ready: the joined node is Ready, carries the labels and taints of the join settings, reports allocatable
// CPU and memory, and takes a pod: one pinned to it (nodeSelector on its hostname, tolerating its taints) in the test
// namespace must run. The pod is removed afterwards, whatever the outcome.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { conditionIsTrue } from '../../kubernetes/conditions';
import { waitForObject, WaitTimeoutError } from '../../kubernetes/wait';
import { type KubeClient } from '../../kubernetes/client';
import { type KubeObject } from '../../kubernetes/types';
import { cancellationSignal, heartbeat } from '../common/activity-context';
import { checkFailed } from '../common/failures';
import { nodeRef } from './joined-node';
import { describeTaint, readJoinSettings, type Taint } from './settings';
import { runWorkerStep } from './step';
import { daemonSetsLandingOn } from './host-daemonsets';
import { defineStep } from '../../catalogue/define-step';
import { SERVICE_RETRY } from '../../catalogue/retry-policies';

const READY_TIMEOUT_MS = 120_000;
const POD_TIMEOUT_MS = 120_000;
const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

type NodeObject = KubeObject & {
  spec?: { taints?: Taint[]; unschedulable?: boolean };
  status?: { allocatable?: Record<string, string>; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
};
type PodObject = KubeObject & { status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] }; spec?: { nodeName?: string } };

export function pinnedPodName(nodeName: string): string {
  return `step4-pinned-${nodeName}`.slice(0, 63).replace(/[-.]+$/, '');
}

/** Kubernetes quantities for cpu (cores) and memory (bytes). */
export function parseQuantity(q: string | undefined): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q ?? '');
  if (!m) return 0;
  const units: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(m[1]) * (units[m[2]] ?? NaN);
}

function readyLine(node: NodeObject | undefined): string {
  const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
  return ready ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ''})` : ''}` : 'no Ready condition yet';
}

async function runPinnedPod(client: KubeClient, namespace: string, node: NodeObject, details: string[]): Promise<number> {
  const name = pinnedPodName(node.metadata.name);
  const ref = { apiVersion: 'v1', kind: 'Pod', name, namespace };
  const started = Date.now();
  const existing = await client.find(ref);
  if (!existing) {
    const tolerations = (node.spec?.taints ?? []).map((t) => ({ key: t.key, operator: 'Exists', effect: t.effect }));
    // A namespace made moments ago may not have its default ServiceAccount yet, which pod admission needs.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.apply({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'step4-pinned', 'app.kubernetes.io/managed-by': 'cozy-proxmox' } },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': node.metadata.labels?.['kubernetes.io/hostname'] ?? node.metadata.name },
            tolerations,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 0,
            containers: [{ name: 'pause', image: PAUSE_IMAGE, resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
          },
        }, { force: false });
        break;
      } catch (err) {
        if (attempt >= 20 || !/serviceaccount/i.test(String((err as { body?: unknown }).body ?? (err as Error).message))) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
  try {
    const pod = (await waitForObject(client, ref, (p) => (p as PodObject | undefined)?.status?.phase === 'Running', {
      timeoutMs: POD_TIMEOUT_MS,
      onEvent: (e) => heartbeat({ waitingFor: `pod ${namespace}/${name} Running on ${node.metadata.name}`, phase: (e.object as PodObject | undefined)?.status?.phase, elapsedMs: e.elapsedMs }),
      signal: cancellationSignal(),
    })) as PodObject;
    if (pod.spec?.nodeName !== node.metadata.name) throw checkFailed(`pod ${namespace}/${name} runs on ${pod.spec?.nodeName}, not on ${node.metadata.name}`, details);
  } catch (err) {
    if (!(err instanceof WaitTimeoutError)) throw err;
    const pod = err.lastSeen as PodObject | undefined;
    const why = pod?.status?.conditions?.find((c) => c.status !== 'True' && c.message)?.message ?? `phase ${pod?.status?.phase ?? 'unknown'}`;
    throw checkFailed(`pod ${namespace}/${name} pinned to node ${node.metadata.name} did not run within ${POD_TIMEOUT_MS / 1000} s: ${why}`, details);
  }
  return (Date.now() - started) / 1000;
}

export function workerHostNodeReady(input: StepInput): Promise<StepOutcome> {
  return runWorkerStep(input, 'check the joined node', async (client, ssh) => {
    const settings = await readJoinSettings(client, input.config);
    const nodeName = ssh.nodeName;
    let node: NodeObject;
    try {
      node = (await waitForObject(client, nodeRef(nodeName), (n) => n !== undefined && conditionIsTrue(n, 'Ready'), {
        timeoutMs: READY_TIMEOUT_MS,
        onEvent: (e) => heartbeat({ waitingFor: `node ${nodeName} Ready`, seen: readyLine(e.object as NodeObject | undefined), elapsedMs: e.elapsedMs }),
        signal: cancellationSignal(),
      })) as NodeObject;
    } catch (err) {
      if (!(err instanceof WaitTimeoutError)) throw err;
      const seen = err.lastSeen ? readyLine(err.lastSeen as NodeObject) : 'the node is not registered';
      throw checkFailed(`node ${nodeName} is not Ready after ${READY_TIMEOUT_MS / 1000} s: ${seen}; check the kubelet on the host (\`journalctl -u kubelet\`) and the CNI`);
    }
    const details = [`node ${nodeName}: ${readyLine(node)}`];
    const problems: string[] = [];

    const labels = node.metadata.labels ?? {};
    const expected = { ...settings.kubeletLabels, ...settings.apiLabels };
    const wrong = Object.entries(expected).filter(([k, v]) => labels[k] !== v);
    for (const [k, v] of wrong) problems.push(`label ${k}=${v} missing (has ${k in labels ? `${k}=${labels[k]}` : 'none'})`);
    details.push(`labels: ${Object.keys(expected).length - wrong.length}/${Object.keys(expected).length} expected present`);

    const taints = node.spec?.taints ?? [];
    const missingTaints = settings.taints.filter((t) => !taints.some((n) => n.key === t.key && (n.value ?? '') === (t.value ?? '') && n.effect === t.effect));
    for (const t of missingTaints) problems.push(`taint ${describeTaint(t)} missing`);
    details.push(`taints: ${taints.map(describeTaint).join(', ') || 'none'} (expected: ${settings.taints.map(describeTaint).join(', ') || 'none'})`);

    const cpu = parseQuantity(node.status?.allocatable?.cpu);
    const memory = parseQuantity(node.status?.allocatable?.memory);
    if (!(cpu > 0)) problems.push('allocatable cpu not reported');
    if (!(memory > 0)) problems.push('allocatable memory not reported');
    details.push(`allocatable: cpu ${node.status?.allocatable?.cpu ?? '?'}, memory ${node.status?.allocatable?.memory ?? '?'}, pods ${node.status?.allocatable?.pods ?? '?'}`);
    if (problems.length > 0) {
      throw checkFailed(`node ${nodeName} is Ready but ${problems.join('; ')}; reinstall the proxmox-worker chart with the right settings and join again`, details);
    }

    const namespace = input.config.kubernetes.testNamespace;
    const podName = pinnedPodName(nodeName);
    let podSeconds: number;
    try {
      podSeconds = await runPinnedPod(client, namespace, node, details);
    } finally {
      await client.delete({ apiVersion: 'v1', kind: 'Pod', name: podName, namespace });
    }
    details.push(`pod ${namespace}/${podName} pinned to ${nodeName} ran after ${podSeconds.toFixed(1)} s, then removed`);

    // The hypervisor's protection: which DaemonSets its taints do not keep away.
    const landing = await daemonSetsLandingOn(client, labels, taints);
    if (taints.length === 0) details.push(`taints: none, so every DaemonSet the node's labels allow runs on the hypervisor (set taints in the proxmox-worker chart)`);
    for (const ds of landing) details.push(`daemonset ${ds.name} (${ds.kind}) runs on ${nodeName}: ${ds.advice}`);
    const landed = landing.length > 0 ? `; ${landing.length} DaemonSet(s) would run on the hypervisor (${landing.map((d) => d.name).join(', ')})` : '; no DaemonSet would run on the hypervisor';
    return {
      status: landing.length > 0 ? 'warning' : 'passed',
      message: `node ${nodeName} Ready with the expected labels and taints; a pinned pod ran on it${landed}`,
      details,
      metrics: { allocatableCpu: cpu, allocatableMemoryBytes: memory, pinnedPodSeconds: Number(podSeconds.toFixed(1)), daemonSetsOnHost: landing.length },
      outputs: { nodeName, allocatableCpu: node.status?.allocatable?.cpu ?? '', allocatableMemory: node.status?.allocatable?.memory ?? '' },
    };
  });
}

export const workerHostNodeReadyStep = defineStep({
  id: 'step4.node-ready',
  phase: 'advanced-integration',
  group: 'step4-worker',
  title: 'Joined node Ready with its labels, taints and resources; a pinned pod runs; DaemonSets that would land on the hypervisor listed',
  dependsOn: ['step4.join'],
  blocking: true,
  startToCloseSeconds: 360,
  retry: SERVICE_RETRY,
  run: workerHostNodeReady,
});
