// Compensation of step6.policies (always): the policies and pods in the test namespace and the second tenant's
// namespace go. Safe when nothing was made and when run twice; a kept run (keepTestResources) leaves everything.
import type { StepInput } from '../../catalogue/types';
import { runKubernetesStep } from '../kubernetes/step-context';
import { podRef, policyRef } from './manifests';
import { netpolNames } from './names';
import { waitForValue } from '../common/wait';

const GONE_TIMEOUT_MS = 90_000;

export async function networkDeletePolicyTest(input: StepInput): Promise<void> {
  if (input.config.keepTestResources) return;
  const n = netpolNames(input.config);
  await runKubernetesStep(input, `remove the NetworkPolicy test objects from ${n.namespace} and ${n.tenantNamespace}`, async (kube) => {
    const refs = [
      ...[n.denyAll, n.allowClient, n.tenantIsolation].map((p) => policyRef(p, n.namespace)),
      podRef(n.server, n.namespace),
      podRef(n.client, n.namespace),
      { apiVersion: 'v1', kind: 'Namespace', name: n.tenantNamespace },
    ];
    for (const ref of refs) await kube.delete(ref);
    await waitForValue(`NetworkPolicy test objects gone (${n.tenantNamespace} included)`, GONE_TIMEOUT_MS, async () => {
      for (const ref of refs) if (await kube.find(ref)) return undefined;
      return true;
    });
    return { status: 'passed', message: `NetworkPolicy test objects removed` };
  });
}
