// The Proxmox clusters the CSI driver is configured for, read as the real plugin reads them: the cloud config Secret
// the cozy-proxmox-csi-operator chart made (clusters with url, token and region), one API client per region. The
// simulated node side registers the driver only on nodes of these regions; node-health reads VMs through them.
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../../../src/kubernetes/types';
import { ProxmoxClient } from '../../../../src/proxmox/client';
import { TOPOLOGY_REGION, TOPOLOGY_ZONE } from './csi-formats';
import { OPERATOR_USER_AGENT, type OperatorContext } from './context';

const CHART_LABEL = 'app.kubernetes.io/name=cozy-proxmox-csi-operator';
const CONFIG_KEY = 'config.yaml';

interface CloudCluster {
  url: string;
  insecure?: boolean;
  token_id?: string;
  token_secret?: string;
  username?: string;
  password?: string;
  region: string;
}

export interface CsiCloud {
  /** Namespace of the driver's release: the provisioner keeps its CSIStorageCapacity objects there. */
  namespace: string;
  regions: string[];
  client(region: string): ProxmoxClient;
  close(): void;
}

/** Reads the chart's cloud config; undefined while the chart is not installed. */
export async function loadCloud(ctx: OperatorContext): Promise<CsiCloud | undefined> {
  const secrets = await ctx.kube.list<KubeObject & { data?: Record<string, string> }>('v1', 'Secret', undefined, CHART_LABEL);
  const secret = secrets.find((s) => s.metadata.name.endsWith('-cloud-config') && s.data?.[CONFIG_KEY]);
  if (!secret) return undefined;
  const config = parseYaml(Buffer.from(secret.data![CONFIG_KEY], 'base64').toString('utf8')) as { clusters?: CloudCluster[] };
  const clusters = config.clusters ?? [];
  const clients = new Map<string, ProxmoxClient>();
  return {
    namespace: secret.metadata.namespace ?? 'default',
    regions: clusters.map((c) => c.region),
    client(region: string): ProxmoxClient {
      const existing = clients.get(region);
      if (existing) return existing;
      const c = clusters.find((x) => x.region === region);
      if (!c) throw new Error(`proxmox cluster ${region} not found in the cloud config`);
      const credentials = c.token_id
        ? { kind: 'token' as const, tokenId: c.token_id, secret: c.token_secret ?? '' }
        : { kind: 'ticket' as const, username: c.username ?? '', password: c.password ?? '' };
      const client = new ProxmoxClient({ url: c.url, credentials, tls: c.insecure ? { verify: false } : { caFile: ctx.proxmox.caFile }, userAgent: OPERATOR_USER_AGENT });
      clients.set(region, client);
      return client;
    },
    close() {
      for (const c of clients.values()) c.close();
    },
  };
}

export interface NodeTopology {
  region?: string;
  zone?: string;
  providerID?: string;
}

export function topologyOf(node: KubeObject): NodeTopology {
  const labels = node.metadata.labels ?? {};
  return { region: labels[TOPOLOGY_REGION], zone: labels[TOPOLOGY_ZONE], providerID: (node.spec as { providerID?: string } | undefined)?.providerID };
}
