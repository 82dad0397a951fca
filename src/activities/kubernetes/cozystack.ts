// kubernetes.cozystack: the cluster is a CozyStack: namespace cozy-system exists and CozyStack's HelmReleases (its
// API and the two CNIs) are present and Ready. Other CozyStack system releases that are not Ready are reported as a
// warning.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { conditionIsTrue, describeConditions } from '../../kubernetes/conditions';
import { COZY_SYSTEM_NAMESPACE, COZYSTACK_SYSTEM_APP_LABEL, crdRef, HELM_RELEASE_API, HELM_RELEASE_CRD_NAME, REQUIRED_COZYSTACK_RELEASES } from '../../kubernetes/cozystack';
import { type KubeObject } from '../../kubernetes/types';
import { checkFailed } from '../common/failures';
import { runKubernetesStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';

const key = (obj: KubeObject) => `${obj.metadata.namespace}/${obj.metadata.name}`;

export function kubernetesCozystack(input: StepInput): Promise<StepOutcome> {
  return runKubernetesStep(input, 'read the CozyStack HelmReleases', async (client) => {
    if (!(await client.find({ apiVersion: 'v1', kind: 'Namespace', name: COZY_SYSTEM_NAMESPACE }))) {
      throw checkFailed(`namespace ${COZY_SYSTEM_NAMESPACE} does not exist: this cluster is not a CozyStack cluster; install CozyStack first (or point kubernetes.kubeconfig/context at the CozyStack cluster)`);
    }
    if (!(await client.find(crdRef(HELM_RELEASE_CRD_NAME)))) {
      throw checkFailed(`the HelmRelease CRD (${HELM_RELEASE_CRD_NAME}) is not installed: CozyStack deploys its components through Flux; check that CozyStack's Flux is installed`);
    }
    const releases = await client.list(HELM_RELEASE_API, 'HelmRelease');
    const byKey = new Map(releases.map((r) => [key(r), r]));
    const missing: string[] = [];
    const notReady: string[] = [];
    for (const want of REQUIRED_COZYSTACK_RELEASES) {
      const found = byKey.get(`${want.namespace}/${want.name}`);
      if (!found) missing.push(`${want.namespace}/${want.name} (${want.role})`);
      else if (!conditionIsTrue(found, 'Ready')) notReady.push(`${want.namespace}/${want.name} (${want.role}): ${describeConditions(found)}`);
    }
    if (missing.length > 0 || notReady.length > 0) {
      const parts = [
        missing.length > 0 ? `missing HelmReleases: ${missing.join(', ')}` : '',
        notReady.length > 0 ? `not Ready: ${notReady.join('; ')}` : '',
      ].filter(Boolean);
      throw checkFailed(`CozyStack is not ready: ${parts.join('; ')}; check with \`kubectl get hr -A\` and fix those releases`, [...missing, ...notReady]);
    }
    const required = new Set(REQUIRED_COZYSTACK_RELEASES.map((r) => `${r.namespace}/${r.name}`));
    const others = releases.filter((r) => !required.has(key(r)) && r.metadata.labels?.[COZYSTACK_SYSTEM_APP_LABEL] === 'true');
    const othersNotReady = others.filter((r) => !conditionIsTrue(r, 'Ready')).map((r) => `${key(r)}: ${describeConditions(r)}`);
    const metrics = { helmReleases: releases.length, ready: releases.filter((r) => conditionIsTrue(r, 'Ready')).length };
    const names = REQUIRED_COZYSTACK_RELEASES.map((r) => r.name).join(', ');
    if (othersNotReady.length > 0) {
      return { status: 'warning', message: `CozyStack core releases Ready (${names}); ${othersNotReady.length} other system release(s) not Ready`, details: othersNotReady, metrics };
    }
    return { status: 'passed', message: `CozyStack present: ${COZY_SYSTEM_NAMESPACE} exists, ${releases.length} HelmReleases Ready (${names} among them)`, metrics, outputs: { helmReleases: releases.length } };
  });
}

export const kubernetesCozystackStep = defineStep({
  id: 'kubernetes.cozystack',
  phase: 'preparation',
  title: 'CozyStack components present and Ready',
  dependsOn: ['kubernetes.version'],
  blocking: true,
  run: kubernetesCozystack,
});
