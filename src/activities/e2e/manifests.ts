// The step-8 objects: the workload (a Deployment of one replica with a claim of the CSI StorageClass, pinned to
// Proxmox-backed nodes) and the benchmark's claim and consumer pod. Pure.
import type { KubeObject } from '../../kubernetes/types';
import { APP_LABEL, e2eLabels, type E2eNames } from './names';

export const BUSYBOX_IMAGE = 'registry.k8s.io/e2e-test-images/busybox:1.36.1-1';
export const DATA_PATH = '/data';

export function claim(name: string, namespace: string, storageClass: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace, labels: e2eLabels() },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: storageClass, resources: { requests: { storage: '1Gi' } } },
  };
}

function onNodes(nodes: string[]): Record<string, unknown> {
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: nodes }] }] } } };
}

const container = (name: string) => ({
  name,
  image: BUSYBOX_IMAGE,
  command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 3600 & wait; done'],
  volumeMounts: [{ name: 'data', mountPath: DATA_PATH }],
});

export function workloadDeployment(n: E2eNames, nodes: string[]): KubeObject {
  const labels = e2eLabels({ [APP_LABEL]: n.deployment });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: n.deployment, namespace: n.namespace, labels },
    spec: {
      replicas: 1,
      // One writer of a ReadWriteOnce disk: the old pod goes before a new one starts.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { [APP_LABEL]: n.deployment } },
      template: {
        metadata: { labels },
        spec: {
          affinity: onNodes(nodes),
          terminationGracePeriodSeconds: 5,
          containers: [container('app')],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: n.claim } }],
        },
      },
    },
  };
}

export function benchConsumer(n: E2eNames, nodes: string[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: n.benchPod, namespace: n.namespace, labels: e2eLabels() },
    spec: {
      affinity: onNodes(nodes),
      terminationGracePeriodSeconds: 1,
      containers: [container('consumer')],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: n.benchClaim } }],
    },
  };
}

export const refs = {
  deployment: (n: E2eNames) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name: n.deployment, namespace: n.namespace }),
  claim: (name: string, n: E2eNames) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name, namespace: n.namespace }),
  pod: (name: string, n: E2eNames) => ({ apiVersion: 'v1', kind: 'Pod', name, namespace: n.namespace }),
  storageClass: (name: string) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name }),
};
