// Compensation of step6.policies (always): the policies and pods in the test namespace go, and the second tenant's
// namespace if this run made it (else only its pod: a namespace made beforehand, e.g. by the worker chart, stays). Safe when nothing was made and when run twice; a kept run (keepTestResources) leaves everything.
import type { StepInput } from '../../catalogue/types';
import { runKubernetesStep } from '../kubernetes/step-context';
import { CREATED_BY_ANNOTATION } from '../kubernetes/test-namespace';
import { ciliumPolicyRef } from './cilium-manifests';
import { isMissingResourceType } from '../../kubernetes/errors';
import { podRef, policyRef } from './manifests';
import { netpolNames } from './names';
import { waitForValue } from '../common/wait';

const GONE_TIMEOUT_MS = 90_000;

export async function networkDeletePolicyTest(input: StepInput): Promise<void> {
  if (input.config.keepTestResources) return;
  const n = netpolNames(input.config);
  await runKubernetesStep(input, `remove the NetworkPolicy test objects from ${n.namespace} and ${n.tenantNamespace}`, async (kube) => {
    const tenant = { apiVersion: 'v1', kind: 'Namespace', name: n.tenantNamespace };
    const ours = (await kube.find(tenant))?.metadata.annotations?.[CREATED_BY_ANNOTATION] === input.workflowId;
    const refs = [
      ...[n.denyAll, n.allowClient, n.tenantIsolation].map((p) => policyRef(p, n.namespace)),
      podRef(n.server, n.namespace),
      podRef(n.client, n.namespace),
      ours ? tenant : podRef(n.tenantClient, n.tenantNamespace),
    ];
    for (const ref of refs) await kube.delete(ref);
    await waitForValue(`NetworkPolicy test objects gone (${n.tenantNamespace} included)`, GONE_TIMEOUT_MS, async () => {
      for (const ref of refs) if (await kube.find(ref)) return undefined;
      return true;
    });
    return { status: 'passed', message: `NetworkPolicy test objects removed${ours ? '' : ` (${n.tenantNamespace} was not made by this run: kept)`}` };
  });
}

/** Compensation of step6.cilium-policies (always): its two CiliumNetworkPolicies go (nothing to do where Cilium is not served). */
export async function networkDeleteCiliumPolicies(input: StepInput): Promise<void> {
  if (input.config.keepTestResources) return;
  const n = netpolNames(input.config);
  await runKubernetesStep(input, `remove the CiliumNetworkPolicy test objects from ${n.namespace}`, async (kube) => {
    let removed = 0;
    for (const name of [n.ciliumTenant, n.ciliumServer]) {
      try {
        if (await kube.delete(ciliumPolicyRef(name, n.namespace))) removed++;
      } catch (err) {
        if (!isMissingResourceType(err)) throw err;
        return { status: 'passed', message: 'Cilium policies are not served here: nothing to remove' };
      }
    }
    return { status: 'passed', message: `${removed} CiliumNetworkPolicies removed from ${n.namespace}` };
  });
}
