// Deterministic names of what step6.policies and step6.cilium-policies create, from the cluster name and the test namespace: a retried or
// re-run step finds and reuses what an earlier attempt made, and the compensation knows what to remove.
import type { IntegrationConfig } from '../../config/schema';

export const ROLE_LABEL = 'cozy-proxmox.io/netpol-role';
export const TEST_LABEL = 'cozy-proxmox.io/test';
export const TEST_LABEL_VALUE = 'netpol';
export const SERVER_PORT = 8080;

export interface NetpolNames {
  namespace: string;
  /** The second tenant: a namespace of its own, deterministic from the test namespace. */
  tenantNamespace: string;
  server: string;
  client: string;
  tenantClient: string;
  denyAll: string;
  allowClient: string;
  tenantIsolation: string;
  /** step6.cilium-policies: CozyStack's tenant isolation (same namespace only) as a CiliumNetworkPolicy. */
  ciliumTenant: string;
  /** step6.cilium-policies: the server's L4 and L7 rule (client role, its port, GET /hostname only). */
  ciliumServer: string;
}

/** A DNS label (at most 63 characters) made of `base` and `suffix`; the suffix always survives. */
function label(base: string, suffix: string): string {
  const room = 63 - suffix.length - 1;
  return `${base.slice(0, room).replace(/-+$/, '')}-${suffix}`;
}

export function netpolNames(config: Pick<IntegrationConfig, 'cluster' | 'kubernetes'>): NetpolNames {
  const base = `${config.cluster.name}-netpol`;
  return {
    namespace: config.kubernetes.testNamespace,
    tenantNamespace: label(config.kubernetes.testNamespace, 'tenant-b'),
    server: label(base, 'server'),
    client: label(base, 'client'),
    tenantClient: label(base, 'tenant-client'),
    denyAll: label(base, 'default-deny'),
    allowClient: label(base, 'allow-client'),
    tenantIsolation: label(base, 'tenant-isolation'),
    ciliumTenant: label(base, 'cilium-tenant'),
    ciliumServer: label(base, 'cilium-server'),
  };
}
