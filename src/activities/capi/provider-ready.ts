// capi.provider-ready: cluster-api-operator installed the Proxmox InfrastructureProvider the chart created (condition
// Ready True) and CAPMOX's CRDs are served (Established). Waits up to PROVIDER_WAIT_MS, heartbeating what it sees.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { CAPI_OPERATOR_API, crdRef } from '../../kubernetes/cozystack';
import { conditionIsTrue, describeConditions } from '../../kubernetes/conditions';
import { type KubeObject } from '../../kubernetes/types';
import { CHART_RELEASES } from '../charts/chart-step';
import { CAPMOX_CRD_NAMES } from './names';
import { runKubernetesStep } from '../kubernetes/step-context';
import { waitUntil } from '../common/wait';
import { defineStep } from '../../catalogue/define-step';
import { WAIT_RETRY } from '../../catalogue/retry-policies';

export const PROVIDER_WAIT_MS = 120_000;
const PROVIDER = { apiVersion: CAPI_OPERATOR_API, kind: 'InfrastructureProvider', name: 'proxmox', namespace: CHART_RELEASES.capiProvider.namespace };

export function capiProviderReady(input: StepInput): Promise<StepOutcome> {
  return runKubernetesStep(input, 'read the Proxmox InfrastructureProvider', async (client) => {
    const { value } = await waitUntil<KubeObject>(
      `InfrastructureProvider ${PROVIDER.namespace}/${PROVIDER.name} Ready and CRDs ${CAPMOX_CRD_NAMES.join(', ')} Established`,
      async () => {
        const provider = await client.find(PROVIDER);
        if (!provider) return { done: false, seen: `InfrastructureProvider ${PROVIDER.namespace}/${PROVIDER.name} does not exist` };
        if (!conditionIsTrue(provider, 'Ready')) return { done: false, seen: `InfrastructureProvider: ${describeConditions(provider)}` };
        const pending: string[] = [];
        for (const name of CAPMOX_CRD_NAMES) {
          const crd = await client.find(crdRef(name));
          if (!conditionIsTrue(crd, 'Established')) pending.push(`${name} ${crd ? 'not Established' : 'missing'}`);
        }
        if (pending.length > 0) return { done: false, seen: `provider Ready; ${pending.join(', ')}` };
        return { done: true, value: provider, seen: 'provider Ready, CRDs Established' };
      },
      {
        timeoutMs: PROVIDER_WAIT_MS,
        intervalMs: 2000,
        hint: `check the capi.provider-chart step, then cluster-api-operator's logs and \`kubectl describe infrastructureprovider -n ${PROVIDER.namespace} ${PROVIDER.name}\``,
      },
    );
    const provider = value!;
    const version = String((provider.status as { installedVersion?: string } | undefined)?.installedVersion ?? (provider.spec as { version?: string } | undefined)?.version ?? 'unknown');
    // Cluster API core stays at the v1beta1 contract in CozyStack, which CAPMOX serves up to v0.7.x.
    const compatible = /^v0\.[0-7]\./.test(version);
    return {
      status: compatible ? 'passed' : 'warning',
      message: `CAPMOX ${version} installed by cluster-api-operator; proxmoxclusters, proxmoxmachines and proxmoxmachinetemplates served`,
      details: compatible ? undefined : [`CAPMOX ${version} may need the Cluster API v1beta2 contract; CozyStack's Cluster API serves v1beta1 (CAPMOX up to v0.7.x)`],
      outputs: { provider: `${PROVIDER.namespace}/${PROVIDER.name}`, capmoxVersion: version },
    };
  });
}

export const capiProviderReadyStep = defineStep({
  id: 'capi.provider-ready',
  phase: 'basic-integration',
  title: 'Cluster API provider Proxmox Ready (InfrastructureProvider, CRDs established)',
  dependsOn: ['capi.provider-chart'],
  blocking: true,
  startToCloseSeconds: 180,
  retry: WAIT_RETRY,
  component: 'Cluster API provider Proxmox',
  run: capiProviderReady,
});
