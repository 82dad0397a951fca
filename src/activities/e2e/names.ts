// Deterministic names of what the step-8 steps create, from the cluster name: a retried or re-run step finds and
// reuses (or replaces) what an earlier attempt made, and the compensation knows what to remove.
import type { IntegrationConfig } from '../../config/schema';

export const E2E_LABEL = 'cozy-proxmox.io/test';
export const E2E_LABEL_VALUE = 'e2e';
export const APP_LABEL = 'app.kubernetes.io/name';

export interface E2eNames {
  namespace: string;
  deployment: string;
  claim: string;
  benchClaim: string;
  benchPod: string;
  /** The VM the clone benchmark makes: found again by this name. */
  benchVmName: string;
  /** The VMID it asks for first (another one only when this one is taken by a VM of another name). */
  benchVmid: number;
}

/** FNV-1a: a stable small hash, so that the VMID follows from the cluster name alone. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(text, 'utf8')) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** 990000-999999: far above the VMIDs Proxmox hands out by default, below the API's limit. */
export function benchVmidFor(cluster: string): number {
  return 990_000 + (fnv1a(cluster) % 10_000);
}

export function e2eNames(config: Pick<IntegrationConfig, 'cluster' | 'kubernetes'>): E2eNames {
  const base = `${config.cluster.name}-e2e`.slice(0, 40);
  return {
    namespace: config.kubernetes.testNamespace,
    deployment: `${base}-workload`,
    claim: `${base}-data`,
    benchClaim: `${base}-bench-volume`,
    benchPod: `${base}-bench-consumer`,
    benchVmName: `${base}-bench-clone`,
    benchVmid: benchVmidFor(config.cluster.name),
  };
}

export function e2eLabels(extra: Record<string, string> = {}): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'cozy-proxmox', [E2E_LABEL]: E2E_LABEL_VALUE, ...extra };
}
