// What the kubelet does once it has its client certificate: register its Node with the labels and taints it was
// started with, as system:node:<name> (the Node authorizer and NodeRestriction apply). The kwok annotation hands
// the node's status and pods to kwok, which plays this kubelet from then on.
import { cpus, totalmem } from 'node:os';
import { KUBERNETES_VERSION } from '../../kubernetes/control-plane';
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE, type NodeTaint } from '../../kubernetes/fake-node';
import { apiCall, statusMessage } from './api';

import type { NodeCredentials } from './tls-bootstrap';

export interface Registration {
  nodeName: string;
  labels: Record<string, string>;
  taints: NodeTaint[];
  criSocket: string;
}

export function parseTaints(text: string): NodeTaint[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(t);
      if (!m) throw new Error(`invalid taint "${t}": expected key[=value]:Effect`);
      return { key: m[1], ...(m[2] ? { value: m[2] } : {}), effect: m[3] as NodeTaint['effect'] };
    });
}

/** What the host offers, as the kubelet reports it (this machine's CPUs and memory). */
function hostResources(): Record<string, string> {
  return { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110', 'ephemeral-storage': '100Gi' };
}

export async function registerNode(server: string, caPem: string, creds: NodeCredentials, reg: Registration): Promise<'created' | 'existed'> {
  const resources = hostResources();
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: reg.nodeName,
      annotations: {
        [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE,
        'kubeadm.alpha.kubernetes.io/cri-socket': reg.criSocket,
        'node.alpha.kubernetes.io/ttl': '0',
      },
      labels: { 'kubernetes.io/hostname': reg.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...reg.labels },
    },
    spec: reg.taints.length > 0 ? { taints: reg.taints } : {},
    status: {
      capacity: resources,
      allocatable: resources,
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: KUBERNETES_VERSION,
        containerRuntimeVersion: 'containerd://sandbox-stand-in',
        bootID: '',
        kernelVersion: '',
        kubeProxyVersion: '',
        machineID: '',
        osImage: 'Proxmox VE (cozy-proxmox sandbox stand-in)',
        systemUUID: '',
      },
    },
  };
  const auth = { caPem, clientCertPem: creds.certPem, clientKeyPem: creds.keyPem };
  const res = await apiCall(server, '/api/v1/nodes', { method: 'POST', body: node, ...auth });
  if (res.status === 201) return 'created';
  if (res.status === 409) return 'existed';
  throw new Error(`the kubelet could not register node ${reg.nodeName}: HTTP ${res.status}: ${statusMessage(res)}`);
}
