// The CiliumNetworkPolicies of step6.cilium-policies. Pure.
//
// CozyStack isolates a tenant with Cilium policies only (its tenant chart; Kube-OVN runs with its own NetworkPolicy
// support off and gives every tenant the same ovn-default subnet): in the tenant's namespace a CiliumNetworkPolicy
// `allow-internal-communication` (every endpoint accepts ingress from, and sends egress to, endpoints of the same
// namespace), beside cluster-wide policies for the system namespaces and the tenant's parents. The first policy here
// is that one, in the test namespace and for ingress (egress stays open: the probes' clients only connect out). The
// second narrows the server to the client role on its port at L4, and at L7 to `GET /hostname`: Cilium's proxy
// answers other requests with 403.
import type { KubeObject } from '../../kubernetes/types';
import { ROLE_LABEL, SERVER_PORT, TEST_LABEL, TEST_LABEL_VALUE, type NetpolNames } from './names';

export const CILIUM_API = 'cilium.io/v2';
export const CILIUM_POLICY_KIND = 'CiliumNetworkPolicy';
/** The path the L7 rule lets through; any other (e.g. /echo) is refused by Cilium's proxy. */
export const L7_ALLOWED_PATH = '/hostname';
export const L7_REFUSED_PATH = '/echo?msg=cozy-proxmox';

const MANAGED = { 'app.kubernetes.io/managed-by': 'cozy-proxmox', [TEST_LABEL]: TEST_LABEL_VALUE };

function ciliumPolicy(name: string, namespace: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: CILIUM_API, kind: CILIUM_POLICY_KIND, metadata: { name, namespace, labels: { ...MANAGED } }, spec };
}

/** CozyStack's `allow-internal-communication`, for ingress: endpoints of the namespace accept only their neighbours. */
export function ciliumTenantPolicy(n: NetpolNames): KubeObject {
  return ciliumPolicy(n.ciliumTenant, n.namespace, { endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }] });
}

/** The server accepts the client role on its port, and of HTTP only `GET /hostname`. */
export function ciliumServerPolicy(n: NetpolNames): KubeObject {
  return ciliumPolicy(n.ciliumServer, n.namespace, {
    endpointSelector: { matchLabels: { [ROLE_LABEL]: 'server' } },
    ingress: [
      {
        fromEndpoints: [{ matchLabels: { [ROLE_LABEL]: 'client' } }],
        toPorts: [{ ports: [{ port: String(SERVER_PORT), protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: L7_ALLOWED_PATH }] } }],
      },
    ],
  });
}

export function ciliumPolicyRef(name: string, namespace: string) {
  return { apiVersion: CILIUM_API, kind: CILIUM_POLICY_KIND, name, namespace };
}
