// capi.provider-chart: installs cozy-capi-providers-proxmox (CAPMOX InfrastructureProvider, in-cluster IPAMProvider,
// the credentials Secret and the providers' components for cluster-api-operator). The token secret is resolved here
// and travels only in helm's values file.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { fail, FailureType } from '../common/failures';
import { resolveSecret } from '../common/secrets';
import { CHART_RELEASES, helmFor, installChart, installedOutcome, uninstallIfOurs } from './chart-step';
import { defineStep } from '../../catalogue/define-step';
import { INSTALL_RETRY } from '../../catalogue/retry-policies';
import { proxmoxCaBundle } from './ca-bundle';
import { connect } from '../kubernetes/step-context';
import { CAPI_OPERATOR_API, crdRef, IPAM_PROVIDER_CRD } from '../../kubernetes/cozystack';
import { COMPONENT_SOURCES, providerComponents, type ProviderComponents, type ProviderValuesKey } from './provider-components';

const API_SUFFIX = /\/api2\/json\/?$/;

export async function chartsInstallCapiProvider(input: StepInput): Promise<StepOutcome> {
  const { proxmox, kubernetes } = input.config;
  if (!proxmox.token) {
    throw fail(FailureType.Validation, 'proxmox.token is required: the Cluster API provider authenticates with an API token');
  }
  const secret = await resolveSecret(proxmox.token.secret, { kubeconfig: kubernetes.kubeconfig, context: kubernetes.context });
  const notes: string[] = [];
  let url = proxmox.url.replace(/\/+$/, '');
  if (API_SUFFIX.test(url)) {
    url = url.replace(API_SUFFIX, '');
    notes.push(`proxmox.url ends in /api2/json; the provider was given the API root ${url} (with the suffix it never provisions a VM)`);
  }
  // The providers' components go in the chart (fetchConfig ConfigMaps); without them the operator downloads the
  // releases, which an installation without internet access cannot.
  const providers: Record<string, ProviderComponents> = {};
  for (const key of Object.keys(COMPONENT_SOURCES) as ProviderValuesKey[]) {
    const found = providerComponents(key);
    if ('missing' in found) notes.push(`${key} ships no components (${found.missing}): cluster-api-operator will download the release, which needs internet access`);
    else providers[key] = found;
  }
  // CAPMOX checks Proxmox's certificate against this CA (or its image's system roots); it has no pinning.
  const { tls, caBundle } = await proxmoxCaBundle(proxmox, 'CAPMOX');
  if (tls.kind === 'insecure') notes.push('proxmox.tls.verify is false, but CAPMOX always checks the certificate: give proxmox.tls.caFile or it will not reach Proxmox');
  // cluster-api-operator allows one provider of a kind and name in the whole cluster: where the cluster already has
  // an IPAMProvider `in-cluster` (CozyStack's own), a second one from this chart would fail its preflight check
  // ("There is already a IPAMProvider with name in-cluster in the cluster"). That one serves CAPMOX's claims too.
  const inCluster = await existingIpamProvider(input);
  const reuse = inCluster ? [`the cluster's IPAMProvider ${inCluster} is used: the chart's own is not rendered (cluster-api-operator allows one IPAMProvider named in-cluster per cluster)`] : [];
  const helm = helmFor(input, [secret]);
  const { info, created } = await installChart(input, helm, {
    target: CHART_RELEASES.capiProvider,
    values: { proxmox: { url, tokenId: proxmox.token.id, tokenSecret: secret, caCert: caBundle ?? '' }, ...providers, ...(inCluster ? { ipamProvider: { enabled: false } } : {}) },
    // The chart holds a Secret and two operator resources: nothing helm can wait for. The operator's work (provider
    // Ready, CRDs established) is checked by the provider readiness step.
    wait: false,
    timeoutSeconds: 120,
    notes,
  });
  return installedOutcome(info, created, `cozy-capi-providers-proxmox installed (revision ${info.revision})`, [
    ...notes,
    ...reuse,
    'not waited for here: the InfrastructureProvider and IPAMProvider becoming Ready (cluster-api-operator reconciles them)',
  ], notes.length > 0 ? 'warning' : 'passed');
}

/** `<namespace>/in-cluster` of an IPAMProvider outside the chart's release namespace, if the cluster has one. */
async function existingIpamProvider(input: StepInput): Promise<string | undefined> {
  const client = await connect(input);
  if (!(await client.find(crdRef(IPAM_PROVIDER_CRD)))) return undefined;
  const found = (await client.list(CAPI_OPERATOR_API, 'IPAMProvider')).find(
    (p) => p.metadata.name === 'in-cluster' && p.metadata.namespace !== CHART_RELEASES.capiProvider.namespace && !p.metadata.deletionTimestamp,
  );
  return found ? `${found.metadata.namespace}/${found.metadata.name}` : undefined;
}

export function chartsUninstallCapiProvider(input: StepInput): Promise<void> {
  return uninstallIfOurs(input, CHART_RELEASES.capiProvider);
}

export const capiProviderChartStep = defineStep({
  id: 'capi.provider-chart',
  phase: 'basic-integration',
  title: 'Install the cozy-capi-providers-proxmox chart (InfrastructureProvider, IPAM provider, credentials)',
  // The provider gets the token: install it only once the token is known to authenticate with enough privileges.
  dependsOn: ['step1.token-privileges'],
  blocking: true,
  startToCloseSeconds: 300,
  retry: INSTALL_RETRY,
  component: 'Cluster API provider Proxmox',
  run: chartsInstallCapiProvider,
  // helm uninstall --wait is given 300 s; the undo a minute more.
  undo: { when: 'on-failure', startToCloseSeconds: 360, run: chartsUninstallCapiProvider },
});
