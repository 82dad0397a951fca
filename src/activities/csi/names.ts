// Deterministic names of what the CSI steps create, from the cluster name: a retried or re-run step finds what an
// earlier attempt made instead of making another.
import type { IntegrationConfig } from '../../config/schema';

export interface CsiTestNames {
  namespace: string;
  claim: string;
  pod: string;
  snapshot: string;
}

export function csiTestNames(config: Pick<IntegrationConfig, 'cluster' | 'kubernetes'>): CsiTestNames {
  const base = `${config.cluster.name}-csi`;
  return { namespace: config.kubernetes.testNamespace, claim: `${base}-volume`, pod: `${base}-pod`, snapshot: `${base}-snapshot` };
}

/** What the test claim asks for first; step5.expand doubles it. */
export const TEST_VOLUME_BYTES = 1024 ** 3;
