// kubernetes.ipam: an IPAM provider is present. The Proxmox provider (CAPMOX) has no DHCP: every machine's address
// comes from an IPAM pool, so without a provider no machine ever gets an address and provisioning hangs.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { CAPI_OPERATOR_API, crdRef, IP_ADDRESS_CLAIM_CRD, IPAM_POOL_CRDS, IPAM_PROVIDER_CRD } from '../../kubernetes/cozystack';
import { conditionIsTrue, describeConditions } from '../../kubernetes/conditions';
import { type KubeObject } from '../../kubernetes/types';
import { checkFailed } from '../common/failures';
import { runKubernetesStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';

export const IPAM_KNOWN_CAUSE = 'CAPMOX has no DHCP: without an IPAM provider no machine gets an address';

const FIX =
  'install the in-cluster IPAM provider (an IPAMProvider `in-cluster` through cluster-api-operator, or its release) and create an InClusterIPPool for the machine network';

export function kubernetesIpam(input: StepInput): Promise<StepOutcome> {
  return runKubernetesStep(input, 'look for an IPAM provider', async (client) => {
    const details: string[] = [];
    let providers: KubeObject[] = [];
    if (await client.find(crdRef(IPAM_PROVIDER_CRD))) providers = await client.list(CAPI_OPERATOR_API, 'IPAMProvider');
    const readyProviders = providers.filter((p) => conditionIsTrue(p, 'Ready'));
    for (const p of providers) details.push(`IPAMProvider ${p.metadata.namespace}/${p.metadata.name}: ${describeConditions(p)}`);
    const poolCrds: string[] = [];
    for (const name of IPAM_POOL_CRDS) if (await client.find(crdRef(name))) poolCrds.push(name);
    const claimCrd = Boolean(await client.find(crdRef(IP_ADDRESS_CLAIM_CRD)));

    if (readyProviders.length === 0 && poolCrds.length === 0) {
      const seen = providers.length > 0 ? ` (found, not Ready: ${details.join('; ')})` : '';
      throw checkFailed(`no IPAM provider is installed${seen}. ${IPAM_KNOWN_CAUSE}; ${FIX}`, details);
    }
    if (!claimCrd) {
      throw checkFailed(`Cluster API core's IPAddressClaim CRD (${IP_ADDRESS_CLAIM_CRD}) is missing, so no provider can hand out addresses: check the CoreProvider. ${IPAM_KNOWN_CAUSE}`);
    }
    const pools = poolCrds.includes(IPAM_POOL_CRDS[0]) ? await client.list('ipam.cluster.x-k8s.io/v1alpha2', 'InClusterIPPool') : [];
    const names = readyProviders.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    const what = names.length > 0 ? `IPAMProvider ${names.join(', ')} Ready` : `IPAM pool CRDs served (${poolCrds.join(', ')})`;
    if (readyProviders.length === 0 && providers.length > 0) {
      return { status: 'warning', message: `${what}, but no IPAMProvider is Ready`, details, metrics: { pools: pools.length } };
    }
    return {
      status: 'passed',
      message: `IPAM provider present: ${what}; ${pools.length} InClusterIPPool(s)`,
      details: details.length > 0 ? details : undefined,
      metrics: { pools: pools.length },
      outputs: { ipamProviders: names.join(','), pools: pools.length },
    };
  });
}

export const kubernetesIpamStep = defineStep({
  id: 'kubernetes.ipam',
  phase: 'preparation',
  title: 'IPAM provider present (CAPMOX has no DHCP)',
  dependsOn: ['kubernetes.version'],
  blocking: true,
  run: kubernetesIpam,
});
