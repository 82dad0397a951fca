// The objects of step6.policies: an HTTP server pod and client pods (agnhost, the Kubernetes e2e test image, which
// serves with `netexec` and probes with `connect`), and the NetworkPolicies under test. Pure.
import type { KubeObject } from '../../kubernetes/types';
import { CREATED_BY_ANNOTATION } from '../kubernetes/test-namespace';
import { ROLE_LABEL, SERVER_PORT, TEST_LABEL, TEST_LABEL_VALUE, type NetpolNames } from './names';

export const AGNHOST_IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.53';
const MANAGED = { 'app.kubernetes.io/managed-by': 'cozy-proxmox', [TEST_LABEL]: TEST_LABEL_VALUE };
const NETWORK_POLICY_API = 'networking.k8s.io/v1';

export type Role = 'server' | 'client';

export function testPod(name: string, namespace: string, role: Role): KubeObject {
  const container =
    role === 'server'
      ? { name: 'server', image: AGNHOST_IMAGE, args: ['netexec', `--http-port=${SERVER_PORT}`], ports: [{ containerPort: SERVER_PORT, protocol: 'TCP' }] }
      : { name: 'client', image: AGNHOST_IMAGE, args: ['pause'] };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { ...MANAGED, [ROLE_LABEL]: role } },
    spec: { containers: [container], terminationGracePeriodSeconds: 1 },
  };
}

/** Made by the run when absent, and then deleted by its cleanup; one that exists already (the worker chart makes it, so
 * that the worker holds rights inside it) is kept. */
export function tenantNamespace(n: NetpolNames, workflowId: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.tenantNamespace, labels: { ...MANAGED }, annotations: { [CREATED_BY_ANNOTATION]: workflowId } } };
}

function policy(name: string, namespace: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: NETWORK_POLICY_API, kind: 'NetworkPolicy', metadata: { name, namespace, labels: { ...MANAGED } }, spec };
}

/** Every pod of the test namespace accepts no ingress unless another policy allows it. */
export function denyAllPolicy(n: NetpolNames): KubeObject {
  return policy(n.denyAll, n.namespace, { podSelector: {}, policyTypes: ['Ingress'] });
}

/** The server accepts the client role of its own namespace on its port (a podSelector without namespaceSelector). */
export function allowClientPolicy(n: NetpolNames): KubeObject {
  return policy(n.allowClient, n.namespace, {
    podSelector: { matchLabels: { [ROLE_LABEL]: 'server' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { [ROLE_LABEL]: 'client' } } }], ports: [{ protocol: 'TCP', port: SERVER_PORT }] }],
  });
}

/** Tenant isolation: pods of the namespace accept traffic only from the same namespace. */
export function tenantIsolationPolicy(n: NetpolNames): KubeObject {
  return policy(n.tenantIsolation, n.namespace, { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] });
}

export function policyRef(name: string, namespace: string) {
  return { apiVersion: NETWORK_POLICY_API, kind: 'NetworkPolicy', name, namespace };
}

export function podRef(name: string, namespace: string) {
  return { apiVersion: 'v1', kind: 'Pod', name, namespace };
}
