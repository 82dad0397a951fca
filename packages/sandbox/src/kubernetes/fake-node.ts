// The Node object for a fake node that kwok plays the kubelet for. kwok picks nodes up by this annotation only, so
// a real node registered in the same cluster is never touched.
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_NODE_ANNOTATION_VALUE = 'fake';

export interface NodeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface FakeNodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  taints?: NodeTaint[];
  kubeletVersion?: string;
}

export function fakeNodeManifest(name: string, labels: Record<string, string> = {}, options: FakeNodeOptions = {}): object {
  const resources = { cpu: options.cpu ?? '4', memory: options.memory ?? '8Gi', pods: options.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE, 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
        ...labels,
      },
    },
    spec: options.taints && options.taints.length > 0 ? { taints: options.taints } : {},
    status: {
      allocatable: resources,
      capacity: resources,
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: options.kubeletVersion ?? '',
        // The remaining fields are required by the schema; kwok fills in what it knows.
        bootID: '',
        containerRuntimeVersion: '',
        kernelVersion: '',
        kubeProxyVersion: '',
        machineID: '',
        osImage: '',
        systemUUID: '',
      },
    },
  };
}

interface NodeCondition {
  type: string;
  status: string;
}

/** True once the node reports condition Ready=True. */
export function nodeIsReady(node: { status?: { conditions?: NodeCondition[] } }): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
