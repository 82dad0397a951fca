// step8.benchmark: the plan's performance figures, recorded as metrics.
// - VM clone time: the template cloned (full, as the Cluster API provider clones) to the benchmark VM, timed from
//   the request to the end of the clone task, then destroyed. The VM is found by name, so a retried attempt
//   removes what an earlier one left and measures afresh.
// - PVC provision time: a claim of the CSI StorageClass and a consumer pod (WaitForFirstConsumer), timed to Bound,
//   then deleted.
// - Proxmox and Kubernetes API latency: p50/p95 of 20 reads each, after a warm-up read.
// A figure that cannot be taken (no StorageClass, no Proxmox-backed node) makes the step a warning that says why.
import { defineStep, outputsOf } from '../../catalogue/define-step';
import { WAIT_RETRY } from '../../catalogue/retry-policies';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject } from '../../kubernetes/types';
import type { ProxmoxClient } from '../../proxmox/client';
import { heartbeat } from '../common/activity-context';
import { checkFailed } from '../common/failures';
import { percentile } from '../kubernetes/api-latency';
import { createIfAbsent } from '../network/pods';
import { waitForValue, WaitTimedOut } from '../common/wait';
import { csiVolumeStep } from '../csi/volume';
import { step3VmProvisionedStep } from '../capi/vm-provisioned';
import { e2eDeleteTestResources, removeBenchVms } from './cleanup';
import { runE2eStep } from './step-context';
import { NETWORK_AND_MONITORING } from './workload';
import { benchConsumer, claim, refs } from './manifests';
import { e2eNames, type E2eNames } from './names';
import { proxmoxBackedNodes } from './nodes';

export const LATENCY_SAMPLES = 20;
const BIND_TIMEOUT_MS = 180_000;
const CLONE_TIMEOUT_MS = 600_000;

const round1 = (n: number) => Math.round(n * 10) / 10;
const elapsedMs = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

export async function latency(samples: number, read: () => Promise<unknown>): Promise<{ p50Ms: number; p95Ms: number }> {
  await read();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = process.hrtime.bigint();
    await read();
    times.push(elapsedMs(t));
  }
  times.sort((a, b) => a - b);
  return { p50Ms: round1(percentile(times, 50)), p95Ms: round1(percentile(times, 95)) };
}

/** The VMID to clone to: the deterministic one, unless a VM of another name holds it. */
async function cloneTarget(px: ProxmoxClient, n: E2eNames): Promise<number> {
  const vms = await px.clusterResources('vm');
  const holder = vms.find((v) => v.vmid === n.benchVmid);
  return holder && holder.name !== n.benchVmName ? px.nextId() : n.benchVmid;
}

async function measureClone(input: StepInput, px: ProxmoxClient, n: E2eNames): Promise<{ metrics: Record<string, number>; detail: string }> {
  const templateId = input.config.proxmox.templateId;
  const template = (await px.clusterResources('vm')).find((v) => v.vmid === templateId);
  if (!template?.node) throw checkFailed(`template ${templateId} not found in Proxmox: the clone benchmark needs it (see step proxmox.template)`);
  const leftovers = await removeBenchVms(px, n);
  const vmid = await cloneTarget(px, n);
  const started = process.hrtime.bigint();
  const cloned = await px.cloneIfAbsent({
    node: template.node,
    templateId,
    vmid,
    name: n.benchVmName,
    full: true,
    storage: input.config.proxmox.storage,
    description: 'cozy-proxmox clone benchmark (removed after the measurement)',
    wait: { timeoutMs: CLONE_TIMEOUT_MS, onProgress: (p) => heartbeat({ waitingFor: `clone of template ${templateId} to VM ${vmid}`, elapsedMs: p.elapsedMs }) },
  });
  const cloneSeconds = round1(elapsedMs(started) / 1000);
  const destroyStarted = process.hrtime.bigint();
  await px.deleteIfPresent(cloned.node, cloned.vmid, { timeoutMs: CLONE_TIMEOUT_MS });
  const destroySeconds = round1(elapsedMs(destroyStarted) / 1000);
  return {
    metrics: { vmCloneSeconds: cloneSeconds, vmDestroySeconds: destroySeconds },
    detail: `VM clone: template ${templateId} -> VM ${cloned.vmid} (${n.benchVmName}) full clone on ${template.node} in ${cloneSeconds} s, destroyed in ${destroySeconds} s${leftovers ? ` (${leftovers} left by an earlier attempt removed first)` : ''}`,
  };
}

type Claim = KubeObject & { status?: { phase?: string } };

const GONE_TIMEOUT_MS = 60_000;

/** Deletes the consumer pod and the claim, and waits until the claim is gone (its protection finalizer waits for the pod). */
async function deleteBenchVolume(kube: KubeClient, n: E2eNames): Promise<void> {
  await kube.delete(refs.pod(n.benchPod, n));
  await kube.delete(refs.claim(n.benchClaim, n));
  await waitForValue(`the benchmark claim ${n.benchClaim} gone`, GONE_TIMEOUT_MS, async () => ((await kube.find(refs.claim(n.benchClaim, n))) ? undefined : true), 250);
}

async function measurePvc(input: StepInput, kube: KubeClient, px: ProxmoxClient, n: E2eNames): Promise<{ metrics: Record<string, number>; detail: string; problem?: string }> {
  const storageClass = input.config.kubernetes.csiStorageClass;
  if (!(await kube.find(refs.storageClass(storageClass)))) {
    return { metrics: {}, detail: `PVC provision: not measured`, problem: `StorageClass ${storageClass} does not exist (install the CSI driver, step csi.chart)` };
  }
  const fromStep5 = outputsOf(input, csiVolumeStep)?.node ?? '';
  const nodes = (await proxmoxBackedNodes(kube, px, input.config.proxmox.region)).map((p) => p.name);
  const pinned = nodes.includes(fromStep5) ? [fromStep5] : nodes;
  if (pinned.length === 0) return { metrics: {}, detail: 'PVC provision: not measured', problem: 'no Ready node has a running Proxmox VM behind it to consume the claim' };
  // A claim left by an earlier attempt would be Bound already: start from nothing so the figure is a fresh one.
  await deleteBenchVolume(kube, n);
  const started = process.hrtime.bigint();
  await createIfAbsent(kube, claim(n.benchClaim, n.namespace, storageClass));
  await createIfAbsent(kube, benchConsumer(n, pinned));
  try {
    await waitForValue(`benchmark claim ${n.benchClaim} Bound`, BIND_TIMEOUT_MS, async () => ((await kube.find<Claim>(refs.claim(n.benchClaim, n)))?.status?.phase === 'Bound' ? true : undefined), 250);
  } catch (err) {
    if (!(err instanceof WaitTimedOut)) throw err;
    await deleteBenchVolume(kube, n);
    return { metrics: {}, detail: 'PVC provision: not measured', problem: `claim ${n.benchClaim} of ${storageClass} not Bound within ${BIND_TIMEOUT_MS / 1000} s (see step5.volume for the provisioner's events)` };
  }
  const seconds = round1(elapsedMs(started) / 1000);
  await deleteBenchVolume(kube, n);
  return { metrics: { pvcProvisionSeconds: seconds }, detail: `PVC provision: ${n.benchClaim} of ${storageClass} Bound in ${seconds} s with its consumer on ${pinned.join(', ')}` };
}

export function e2eBenchmark(input: StepInput): Promise<StepOutcome> {
  const n = e2eNames(input.config);
  return runE2eStep(input, 'run the benchmark', async (kube, px) => {
    const metrics: Record<string, number> = {};
    const details: string[] = [];
    const problems: string[] = [];

    heartbeat({ measuring: 'Proxmox API latency' });
    const pxLatency = await latency(LATENCY_SAMPLES, () => px.version());
    metrics.proxmoxApiP50Ms = pxLatency.p50Ms;
    metrics.proxmoxApiP95Ms = pxLatency.p95Ms;
    details.push(`Proxmox API latency: p50 ${pxLatency.p50Ms} ms, p95 ${pxLatency.p95Ms} ms over ${LATENCY_SAMPLES} GET /version`);

    heartbeat({ measuring: 'Kubernetes API latency' });
    const nsPath = `/api/v1/namespaces/${n.namespace}`;
    const kubeLatency = await latency(LATENCY_SAMPLES, () => kube.getPath(nsPath));
    metrics.kubernetesApiP50Ms = kubeLatency.p50Ms;
    metrics.kubernetesApiP95Ms = kubeLatency.p95Ms;
    details.push(`Kubernetes API latency: p50 ${kubeLatency.p50Ms} ms, p95 ${kubeLatency.p95Ms} ms over ${LATENCY_SAMPLES} GET ${nsPath}`);

    heartbeat({ measuring: 'VM clone time' });
    const clone = await measureClone(input, px, n);
    Object.assign(metrics, clone.metrics);
    details.push(clone.detail);
    const step3 = outputsOf(input, step3VmProvisionedStep);
    if (step3?.vmid) details.push(`step3 provisioned VM ${step3.vmid} on ${step3.node} through the Cluster API provider`);

    heartbeat({ measuring: 'PVC provision time' });
    const pvc = await measurePvc(input, kube, px, n);
    Object.assign(metrics, pvc.metrics);
    details.push(pvc.problem ? `${pvc.detail}: ${pvc.problem}` : pvc.detail);
    if (pvc.problem) problems.push(`PVC provision time not measured: ${pvc.problem}`);

    const figures =
      `VM clone ${metrics.vmCloneSeconds} s, PVC provision ${metrics.pvcProvisionSeconds ?? 'n/a'} s, ` +
      `Proxmox API p50/p95 ${metrics.proxmoxApiP50Ms}/${metrics.proxmoxApiP95Ms} ms, Kubernetes API p50/p95 ${metrics.kubernetesApiP50Ms}/${metrics.kubernetesApiP95Ms} ms`;
    return {
      status: problems.length > 0 ? 'warning' : 'passed',
      message: problems.length > 0 ? `benchmark: ${figures}; ${problems.join('; ')}` : `benchmark: ${figures}`,
      details,
      metrics,
    };
  });
}

export const e2eBenchmarkStep = defineStep({
  id: 'step8.benchmark',
  phase: 'monitoring-security',
  group: 'step8-e2e',
  title: 'Benchmark: VM clone time, PVC provision time, Proxmox and Kubernetes API latency',
  dependsOn: NETWORK_AND_MONITORING,
  blocking: false,
  startToCloseSeconds: 1200,
  retry: WAIT_RETRY,
  run: e2eBenchmark,
  // The benchmark's claim, pod and VM go at the end (unless keepTestResources); their deletion is waited for up to 120 s.
  undo: { when: 'always', startToCloseSeconds: 240, run: e2eDeleteTestResources },
});
