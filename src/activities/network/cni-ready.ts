// step6.cni-ready: the two CNIs CozyStack runs are installed and ready: Cilium (network policies) and Kube-OVN
// (tenant networks). For each: its HelmRelease Ready, its agent DaemonSet present, and every DaemonSet and
// Deployment in its namespace ready.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { describeConditions, findCondition } from '../../kubernetes/conditions';
import { HELM_RELEASE_API, REQUIRED_COZYSTACK_RELEASES } from '../../kubernetes/cozystack';
import { type KubeClient } from '../../kubernetes/client';
import { type KubeObject } from '../../kubernetes/types';
import { isMissingResourceType } from '../../kubernetes/errors';
import { checkFailed } from '../common/failures';
import { waitUntil } from '../common/wait';
import { runKubernetesStep } from '../kubernetes/step-context';
import { defineStep } from '../../catalogue/define-step';

export interface CniComponent {
  role: string;
  namespace: string;
  release: string;
  /** The DaemonSet whose pods enforce the datapath on every node. */
  agent: string;
}

function releaseIn(namespace: string): string {
  return REQUIRED_COZYSTACK_RELEASES.find((r) => r.namespace === namespace)?.name ?? '';
}

export const CNI_COMPONENTS: CniComponent[] = [
  { role: 'Cilium', namespace: 'cozy-cilium', release: releaseIn('cozy-cilium'), agent: 'cilium' },
  { role: 'Kube-OVN', namespace: 'cozy-kubeovn', release: releaseIn('cozy-kubeovn'), agent: 'kube-ovn-cni' },
];

type Workload = KubeObject & { spec?: { replicas?: number }; status?: Record<string, number | undefined> };

/** "ready" or what is missing, e.g. "1/3 ready". */
export function workloadState(w: Workload): { ready: boolean; summary: string } {
  const s = w.status ?? {};
  if (w.kind === 'Deployment') {
    const want = w.spec?.replicas ?? 1;
    const ready = s.readyReplicas ?? 0;
    return { ready: ready >= want, summary: `${ready}/${want} ready` };
  }
  const desired = s.desiredNumberScheduled ?? 0;
  const ready = s.numberReady ?? 0;
  return { ready: desired > 0 && ready === desired, summary: desired === 0 ? 'scheduled on no node' : `${ready}/${desired} ready` };
}

async function checkComponent(kube: KubeClient, c: CniComponent): Promise<{ problems: string[]; facts: string[] }> {
  const problems: string[] = [];
  const facts: string[] = [];
  try {
    const release = await kube.find({ apiVersion: HELM_RELEASE_API, kind: 'HelmRelease', namespace: c.namespace, name: c.release });
    if (!release) problems.push(`${c.role}: HelmRelease ${c.namespace}/${c.release} not found`);
    else if (findCondition(release, 'Ready')?.status !== 'True') problems.push(`${c.role}: HelmRelease ${c.namespace}/${c.release} not Ready (${describeConditions(release)})`);
    else facts.push(`HelmRelease ${c.namespace}/${c.release} Ready`);
  } catch (err) {
    if (!isMissingResourceType(err)) throw err;
    problems.push(`${c.role}: Flux's HelmRelease CRD is not installed, so CozyStack's release ${c.namespace}/${c.release} cannot be checked`);
  }
  // List items come without kind: set it, since readiness is read differently for each.
  const listed = async (kind: 'DaemonSet' | 'Deployment') => (await kube.list<Workload>('apps/v1', kind, c.namespace)).map((w) => ({ ...w, kind }));
  const workloads = [...(await listed('DaemonSet')), ...(await listed('Deployment'))];
  if (!workloads.some((w) => w.kind === 'DaemonSet' && w.metadata.name === c.agent)) {
    problems.push(`${c.role}: DaemonSet ${c.namespace}/${c.agent} (the agent on every node) not found`);
  }
  for (const w of workloads) {
    const state = workloadState(w);
    const line = `${w.kind} ${c.namespace}/${w.metadata.name}: ${state.summary}`;
    if (state.ready) facts.push(line);
    else problems.push(`${c.role}: ${line}`);
  }
  return { problems, facts };
}

const CNI_SETTLE_MS = 60_000;

export function networkCniReady(input: StepInput): Promise<StepOutcome> {
  return runKubernetesStep(input, 'check the Cilium and Kube-OVN workloads', async (kube) => {
    // Agents follow nodes: right after nodes came or went (the VM and worker steps), the DaemonSet counts lag behind
    // for a few seconds. Look again for a while before calling the CNI not ready.
    const { value } = await waitUntil('the Cilium and Kube-OVN workloads ready', async () => {
      const state = { problems: [] as string[], facts: [] as string[], workloads: 0 };
      for (const c of CNI_COMPONENTS) {
        const r = await checkComponent(kube, c);
        state.problems.push(...r.problems);
        state.facts.push(...r.facts);
        state.workloads += r.facts.filter((f) => !f.startsWith('HelmRelease')).length;
      }
      return { done: state.problems.length === 0, value: state, seen: state.problems[0] };
    }, { timeoutMs: CNI_SETTLE_MS, intervalMs: 2_000, returnOnTimeout: true });
    const { problems, facts, workloads } = value!;
    if (problems.length > 0) {
      throw checkFailed(
        `CNI not ready: ${problems.join('; ')}; see the pods (kubectl -n cozy-cilium get pods; kubectl -n cozy-kubeovn get pods) and the HelmReleases (kubectl get hr -A)`,
        [...problems, ...facts],
      );
    }
    return {
      status: 'passed',
      message: `Cilium and Kube-OVN ready: ${CNI_COMPONENTS.map((c) => `${c.namespace}/${c.release}`).join(', ')} Ready, ${workloads} workloads ready`,
      details: facts,
      metrics: { cniWorkloadsReady: workloads },
    };
  });
}

export const networkCniReadyStep = defineStep({
  id: 'step6.cni-ready',
  phase: 'monitoring-security',
  group: 'step6-network-policies',
  title: 'Cilium and Kube-OVN ready (HelmReleases, agents and controllers)',
  blocking: true,
  startToCloseSeconds: 120,
  component: 'Network policies (Cilium, Kube-OVN)',
  run: networkCniReady,
});
