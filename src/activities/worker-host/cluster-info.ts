// kube-public/cluster-info: the API server URL and CA a joining host discovers with its token (the bootstrapsigner
// controller signs it for every signing token). kubeadm init makes it; a cluster set up otherwise may lack it, so the
// join makes it from the kubeconfig when absent and never changes one that exists.
import { stringify, parse } from 'yaml';
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject } from '../../kubernetes/types';

const REF = { apiVersion: 'v1', kind: 'ConfigMap', name: 'cluster-info', namespace: 'kube-public' };

type ConfigMap = KubeObject & { data?: Record<string, string> };

export interface ClusterInfo {
  server: string;
  created: boolean;
}

function serverOf(kubeconfig: string | undefined): string | undefined {
  if (!kubeconfig) return undefined;
  const doc = parse(kubeconfig) as { clusters?: { cluster?: { server?: string } }[] } | null;
  return doc?.clusters?.[0]?.cluster?.server;
}

export async function ensureClusterInfo(client: KubeClient, caPem: string): Promise<ClusterInfo> {
  const existing = await client.find<ConfigMap>(REF);
  const server = serverOf(existing?.data?.kubeconfig);
  if (existing && server) return { server, created: false };
  const kubeconfig = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: '', cluster: { 'certificate-authority-data': Buffer.from(caPem).toString('base64'), server: client.server } }],
    contexts: [],
    'current-context': '',
    preferences: {},
    users: [],
  });
  await client.apply({ apiVersion: REF.apiVersion, kind: REF.kind, metadata: { name: REF.name, namespace: REF.namespace }, data: { kubeconfig } }, { force: false });
  return { server: client.server, created: true };
}

/** HOST:PORT of an https URL, the form kubeadm join takes. */
export function endpointOf(server: string): string {
  const url = new URL(server);
  // url.host keeps IPv6 brackets and omits the default port.
  return url.port ? url.host : `${url.host}:443`;
}
