// What the step6 suites share: the shared control plane seeded like CozyStack (kwok pods, so no pod exec), a config
// whose test namespace exists, and a client.
import { integrationConfigSchema, type IntegrationConfig } from '../../src/config/schema';
import { KubeClient } from '../../src/kubernetes/client';
import { seedCozyStack } from '../../packages/sandbox/src/kubernetes/seed';
import { sharedControlPlane } from '../helpers/control-plane';

export async function networkSuite(clusterName: string, testNamespace: string): Promise<{ config: IntegrationConfig; kube: KubeClient }> {
  const shared = sharedControlPlane();
  await seedCozyStack(shared.kubeconfigPath);
  const kube = await KubeClient.connect({ kubeconfig: shared.kubeconfigPath });
  const config = integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: clusterName },
    proxmox: { url: 'https://127.0.0.1:8006', node: 'pve1', token: { id: 'root@pam!cozy', secret: 'env:UNUSED_HERE' }, templateId: 9000 },
    kubernetes: { kubeconfig: shared.kubeconfigPath, testNamespace, podExec: false },
  });
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: testNamespace } });
  return { config, kube };
}
