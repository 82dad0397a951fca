// Waits until Cluster API providers installed by cluster-api-operator serve: the provider Ready, and its admission
// webhooks answering through their Service (kube-apiserver calls them over the pod network). kwok marks a pod Ready
// as soon as it runs, before the manager in it serves, so the operator's Ready can come first; the sandbox and the
// tests wait for the webhooks before they use a provider, as a cluster whose providers were installed long ago has
// them. Each probe is a server-side dry run of an object the provider's own validation refuses: nothing is stored.
import type { KubeClient } from '../../../../src/kubernetes/client';
import type { KubeObject, ObjectRef } from '../../../../src/kubernetes/types';
import { waitForCondition } from '../../../../src/kubernetes/wait';
import { waitFor } from './http-probe';

/** An object each provider's validating webhook refuses, by the provider's kind and name. */
export const REFUSED_BY: Record<string, KubeObject> = {
  'CoreProvider/cluster-api': {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'Cluster',
    metadata: { name: 'webhook-probe', namespace: 'default' },
    spec: { infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ProxmoxCluster', name: 'webhook-probe', namespace: 'elsewhere' } },
  },
  'IPAMProvider/in-cluster': {
    apiVersion: 'ipam.cluster.x-k8s.io/v1alpha2',
    kind: 'InClusterIPPool',
    metadata: { name: 'webhook-probe', namespace: 'default' },
    spec: { addresses: ['not-an-address'], prefix: 24 },
  },
  'InfrastructureProvider/proxmox': {
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1',
    kind: 'ProxmoxCluster',
    metadata: { name: 'webhook-probe', namespace: 'default' },
    // The control plane endpoint inside the machines' pool.
    spec: { controlPlaneEndpoint: { host: '10.10.0.50', port: 6443 }, ipv4Config: { addresses: ['10.10.0.10-10.10.0.100'], prefix: 24, gateway: '10.10.0.1' }, dnsServers: ['10.10.0.1'], allowedNodes: ['pve1'] },
  },
};

export async function waitForProviders(kube: KubeClient, providers: ObjectRef[], opts: { timeoutMs: number; say?: (m: string) => void }): Promise<void> {
  for (const ref of providers) {
    const name = `${ref.kind} ${ref.namespace}/${ref.name}`;
    await waitForCondition(kube, ref, 'Ready', { timeoutMs: opts.timeoutMs });
    const probe = REFUSED_BY[`${ref.kind}/${ref.name}`];
    if (!probe) continue;
    await waitFor(
      `${name}: its webhook answering`,
      () =>
        kube.apply(probe, { dryRun: true }).then(
          () => `${probe.kind} accepted: the webhook is not registered yet`,
          (err: Error) => /admission webhook .* denied the request/.test(err.message) || err.message,
        ),
      { timeoutMs: opts.timeoutMs, intervalMs: 500 },
    );
    opts.say?.(`${name} Ready, its webhooks answering`);
  }
}
