// step8.workload: a workload with persistent storage on Proxmox-backed nodes. A Deployment of one replica mounts a
// claim of the CSI StorageClass and is pinned to nodes whose providerID names a running VM (the CSI driver cannot
// serve a bare-metal host). Passes when the claim is Bound and the pod Running on such a node; on a real cluster a
// file is written to the volume and read back through the exec API. Where pods cannot be exec'd into
// (kubernetes.podExec false) that proof is not run and the step is a warning, not verified.
import { z } from 'zod';
import { defineStep } from '../../catalogue/define-step';
import { WAIT_RETRY } from '../../catalogue/retry-policies';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject } from '../../kubernetes/types';
import { checkFailed, fail, FailureType } from '../common/failures';
import { heartbeat } from '../common/activity-context';
import { execInPod } from '../network/pod-exec';
import { createIfAbsent, describePod, latestEvent, podIsReady, type PodObject } from '../network/pods';
import { waitForValue, WaitTimedOut } from '../common/wait';
import { claim, DATA_PATH, refs, workloadDeployment } from './manifests';
import { APP_LABEL, e2eNames, type E2eNames } from './names';
import { proxmoxBackedNodes } from './nodes';
import { e2eDeleteTestResources } from './cleanup';
import { runE2eStep } from './step-context';

const READY_TIMEOUT_MS = 240_000;
const outputs = z.object({
  namespace: z.string(),
  deployment: z.string(),
  claim: z.string(),
  pod: z.string(),
  node: z.string(),
  vmid: z.number(),
  proxmoxNode: z.string(),
});

/** After the network and monitoring checks: the reliability check restarts a node, which they must not see. */
export const NETWORK_AND_MONITORING = ['step6.cni-ready', 'step6.policies', 'step6.cilium-policies', 'step7.prometheus-targets', 'step7.pve-metrics', 'step7.grafana-dashboards'];

export const PROOF_NOT_VERIFIED = 'the write/read proof on the volume was not run: it execs into the pod, and kubernetes.podExec is false';

type Claim = KubeObject & { spec: { volumeName?: string }; status?: { phase?: string } };

export async function workloadPod(kube: KubeClient, n: E2eNames): Promise<PodObject | undefined> {
  const pods = await kube.list<PodObject>('v1', 'Pod', n.namespace, `${APP_LABEL}=${n.deployment}`);
  return pods.find((p) => !p.metadata.deletionTimestamp);
}

async function waitForWorkload(kube: KubeClient, n: E2eNames, timeoutMs: number): Promise<{ pod: PodObject; claim: Claim }> {
  let c: Claim | undefined;
  let pod: PodObject | undefined;
  try {
    return await waitForValue(`claim ${n.claim} Bound and the pod of ${n.deployment} Running`, timeoutMs, async () => {
      c = await kube.find<Claim>(refs.claim(n.claim, n));
      pod = await workloadPod(kube, n);
      return c?.status?.phase === 'Bound' && podIsReady(pod) ? { pod: pod!, claim: c } : undefined;
    });
  } catch (err) {
    if (!(err instanceof WaitTimedOut)) throw err;
    const claimEvent = await latestEvent(kube, c);
    const podEvent = await latestEvent(kube, pod);
    throw checkFailed(
      `workload ${n.namespace}/${n.deployment} not up after ${Math.round(timeoutMs / 1000)} s: PVC ${n.claim} is ${c?.status?.phase ?? 'missing'}${claimEvent ? ` (${claimEvent})` : ''}, ` +
        `pod ${pod?.metadata.name ?? '(none)'} ${describePod(pod)}${podEvent ? ` (${podEvent})` : ''}; check the CSI driver (step5) and that a Proxmox-backed node has room`,
    );
  }
}

async function writeReadProof(kube: KubeClient, n: E2eNames, pod: PodObject, token: string): Promise<string> {
  const file = `${DATA_PATH}/cozy-proxmox-e2e`;
  const r = await execInPod(kube, { namespace: n.namespace, pod: pod.metadata.name, container: 'app' }, ['sh', '-c', `echo ${token} > ${file} && sync && cat ${file}`], 30_000);
  if (r.exitCode !== 0 || r.stdout.trim() !== token) {
    throw checkFailed(`the volume of ${n.deployment} is mounted but writing and reading ${file} failed (exit ${r.exitCode}: ${(r.stderr || r.stdout).trim()}); check the mount in the pod (kubectl exec) and the CSI node plugin`);
  }
  return `wrote and read back ${file} on the volume (${r.ms} ms)`;
}

export function e2eWorkload(input: StepInput): Promise<StepOutcome> {
  const n = e2eNames(input.config);
  const storageClass = input.config.kubernetes.csiStorageClass;
  return runE2eStep(input, `run the workload ${n.namespace}/${n.deployment}`, async (kube, px) => {
    if (!(await kube.find({ apiVersion: 'v1', kind: 'Namespace', name: n.namespace }))) {
      throw fail(FailureType.NotFound, `test namespace ${n.namespace} does not exist (step kubernetes.test-namespace makes it)`);
    }
    if (!(await kube.find(refs.storageClass(storageClass)))) {
      throw checkFailed(`StorageClass ${storageClass} does not exist: install the CSI driver (step csi.chart) or set kubernetes.csiStorageClass`);
    }
    const candidates = await proxmoxBackedNodes(kube, px, input.config.proxmox.region);
    if (candidates.length === 0) {
      throw checkFailed('no Ready node has a running Proxmox VM behind it (providerID proxmox://...): the CSI driver serves only such nodes; provision a VM node (step3) first');
    }
    const started = Date.now();
    await createIfAbsent(kube, claim(n.claim, n.namespace, storageClass));
    await createIfAbsent(kube, workloadDeployment(n, candidates.map((c) => c.name)));
    heartbeat({ waitingFor: `workload ${n.deployment} Running` });
    const { pod, claim: bound } = await waitForWorkload(kube, n, READY_TIMEOUT_MS);
    const node = candidates.find((c) => c.name === pod.spec.nodeName);
    if (!node) throw checkFailed(`pod ${pod.metadata.name} runs on ${pod.spec.nodeName}, which has no Proxmox VM behind it`);
    const proof = input.config.kubernetes.podExec ? await writeReadProof(kube, n, pod, input.workflowId.replace(/[^A-Za-z0-9._-]/g, '-')) : PROOF_NOT_VERIFIED;
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    return {
      status: input.config.kubernetes.podExec ? 'passed' : 'warning',
      ...(input.config.kubernetes.podExec ? {} : { notVerified: PROOF_NOT_VERIFIED }),
      message: `workload ${n.deployment} Running on ${node.name} (VM ${node.vm.vmid} on ${node.vm.node}) with PVC ${n.claim} Bound to ${bound.spec.volumeName}; ${proof}`,
      details: [`candidates: ${candidates.map((c) => `${c.name} (VM ${c.vm.vmid})`).join(', ')}`, proof],
      metrics: { workloadReadySeconds: seconds },
      outputs: { namespace: n.namespace, deployment: n.deployment, claim: n.claim, pod: pod.metadata.name, node: node.name, vmid: node.vm.vmid, proxmoxNode: node.vm.node } satisfies z.infer<typeof outputs>,
    };
  });
}

export const e2eWorkloadStep = defineStep({
  id: 'step8.workload',
  phase: 'monitoring-security',
  group: 'step8-e2e',
  title: 'A workload with a Proxmox CSI volume runs on a Proxmox-backed node',
  dependsOn: NETWORK_AND_MONITORING,
  blocking: true,
  startToCloseSeconds: 420,
  retry: WAIT_RETRY,
  outputs,
  run: e2eWorkload,
  // The workload, its claim and the benchmark's leftovers go at the end (unless keepTestResources); their deletion
  // is waited for up to 120 s.
  undo: { when: 'always', startToCloseSeconds: 240, run: e2eDeleteTestResources },
});
