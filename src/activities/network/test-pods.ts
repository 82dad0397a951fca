// The pods of the step6 traffic probes, shared by step6.policies and step6.cilium-policies: an agnhost server and a
// client in the test namespace, a client in the second tenant's namespace (made when absent). Made once, found again
// by a retried or later step.
import type { KubeClient } from '../../kubernetes/client';
import { fail, FailureType } from '../common/failures';
import { heartbeat } from '../kubernetes/step-context';
import { podRef, tenantNamespace, testPod } from './manifests';
import type { NetpolNames } from './names';
import { createIfAbsent, waitForPods } from './pods';

const PODS_TIMEOUT_MS = 180_000;

/** Makes what is missing, waits until the three pods run, and returns the server's pod IP. */
export async function preparePods(kube: KubeClient, n: NetpolNames, workflowId: string): Promise<string> {
  if (!(await kube.find({ apiVersion: 'v1', kind: 'Namespace', name: n.namespace }))) {
    throw fail(FailureType.NotFound, `test namespace ${n.namespace} does not exist (step kubernetes.test-namespace makes it)`);
  }
  await createIfAbsent(kube, tenantNamespace(n, workflowId));
  await createIfAbsent(kube, testPod(n.server, n.namespace, 'server'));
  await createIfAbsent(kube, testPod(n.client, n.namespace, 'client'));
  await createIfAbsent(kube, testPod(n.tenantClient, n.tenantNamespace, 'client'));
  heartbeat({ waitingFor: 'test pods Running' });
  const pods = await waitForPods(kube, [podRef(n.server, n.namespace), podRef(n.client, n.namespace), podRef(n.tenantClient, n.tenantNamespace)], PODS_TIMEOUT_MS);
  return pods.get(n.server)!.status!.podIP!;
}
