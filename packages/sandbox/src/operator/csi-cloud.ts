// The Proxmox side of the sandbox's CSI controller, reached as the real plugin reaches it: the cloud config Secret
// the cozy-proxmox-csi-operator chart made (clusters with url, token and region), one API client per region, and
// the VM behind a Kubernetes node (providerID proxmox://<region>/<vmid>, else a VM named like the node).
import { parse as parseYaml } from 'yaml';
import type { KubeClient } from '../../../../src/kubernetes/client';
import type { KubeObject } from '../../../../src/kubernetes/types';
import { ProxmoxClient } from '../../../../src/proxmox/client';
import { TOPOLOGY_REGION, TOPOLOGY_ZONE } from './csi-formats';
import { OPERATOR_USER_AGENT, type OperatorContext } from './context';
import { readVmidProviderId } from './provider-id';

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

export interface NodeVm {
  region: string;
  zone: string;
  vmid: number;
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

/**
 * The VM that backs a node: from its providerID, else (as the plugin falls back) a VM named like the node in the
 * node's region. Throws with what was looked at when there is none: a bare-metal host joined as a worker has no VM.
 */
export async function vmOfNode(kube: KubeClient, cloud: CsiCloud, nodeName: string): Promise<NodeVm> {
  const node = await kube.find({ apiVersion: 'v1', kind: 'Node', name: nodeName });
  if (!node) throw new Error(`node ${nodeName} does not exist`);
  const t = topologyOf(node);
  const fromId = readVmidProviderId(t.providerID);
  const region = fromId?.region || t.region;
  if (!region) throw new Error(`node ${nodeName} has no ${TOPOLOGY_REGION} label and no proxmox:// providerID: cannot tell which Proxmox cluster it is in`);
  const resources = await cloud.client(region).clusterResources('vm');
  const vm = fromId ? resources.find((r) => r.vmid === fromId.vmid) : resources.find((r) => r.name === nodeName && !r.template);
  if (!vm?.vmid || !vm.node) {
    throw new Error(
      `failed to find the Proxmox VM of node ${nodeName} (providerID "${t.providerID ?? ''}", no VM named ${nodeName} in cluster ${region}): ` +
        'CSI disks are hot-plugged into the VM behind a node, so a node without one (a bare-metal Proxmox host joined as a worker) cannot attach them',
    );
  }
  return { region, zone: vm.node, vmid: vm.vmid };
}
