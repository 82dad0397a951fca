// The run's shared Kubernetes control plane (started once by test/setup/global-setup.ts).
import { fakeNodeManifest, nodeIsReady, type FakeNodeOptions } from '../../packages/sandbox/src/kubernetes/fake-node';
import { KubeClient } from '../../src/kubernetes/client';
import { KUBERNETES_VERSION } from '../../packages/sandbox/src/kubernetes/control-plane';
import { waitForObject } from '../../src/kubernetes/wait';

export interface SharedControlPlane {
  kubeconfigPath: string;
  server: string;
  /** Adds a node that kwok manages; resolves once it is Ready. Node names are shared by all suites. */
  addFakeNode(name: string, labels?: Record<string, string>, opts?: FakeNodeOptions): Promise<void>;
}

export function sharedControlPlane(): SharedControlPlane {
  const kubeconfigPath = process.env.TEST_KUBECONFIG;
  const server = process.env.TEST_KUBE_SERVER;
  if (!kubeconfigPath || !server) throw new Error('TEST_KUBECONFIG is not set: run the tests through jest (globalSetup starts the control plane)');
  return {
    kubeconfigPath,
    server,
    addFakeNode: async (name, labels = {}, opts = {}) => {
      const kube = await KubeClient.connect({ kubeconfig: kubeconfigPath });
      await kube.apply(fakeNodeManifest(name, labels, { kubeletVersion: KUBERNETES_VERSION, ...opts }) as never);
      await waitForObject(kube, { apiVersion: 'v1', kind: 'Node', name }, (n) => n !== undefined && nodeIsReady(n as never), { timeoutMs: 60_000 });
    },
  };
}
