// The real cluster-api-operator installs Cluster API the way CozyStack has it installed, without internet access:
// the core from its components ConfigMap, and the chart's IPAM provider from the ConfigMap the chart ships. What
// runs is all upstream: cert-manager issues the webhook certificates and injects their CA, the operator applies the
// components (Deployments, Services, webhook configurations, CRDs), kube-controller-manager makes the pods, kwok
// schedules them, and the sandbox operator runs the managers for the pods. kube-apiserver then calls the providers'
// webhooks through their Services at the pods' addresses (the pod network): a bad pool is refused by the IPAM
// provider's own validation. CAPMOX, installed by the chart with the Proxmox CA, starts (it asks Proxmox its version
// first, over verified TLS) and refuses a bad ProxmoxCluster through its webhook.
// A control plane of its own: the operator rewrites cluster-scoped objects (the core's CRDs with their conversion
// webhooks, webhook configurations) that the other suites' played operator manages on the shared one.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelmClient } from '../../src/helm/client';
import { KubeClient } from '../../src/kubernetes/client';
import type { KubeObject } from '../../src/kubernetes/types';
import { componentsOf, providerComponents } from '../../src/activities/charts/provider-components';
import { startControlPlane, type RunningControlPlane } from '../../packages/sandbox/src/kubernetes/control-plane';
import { startCapiPlatform, type RunningCapiPlatform } from '../../packages/sandbox/src/kubernetes/capi-platform';
import { REFUSED_BY } from '../../packages/sandbox/src/kubernetes/provider-readiness';
import { coreProvider as seededCoreProvider, providerComponentsConfigMap } from '../../packages/sandbox/src/kubernetes/seed-objects';
import { startOperator, type RunningOperator } from '../../packages/sandbox/src/operator';
import { CAPI_PROVIDER_PODS_CONTROLLER } from '../../packages/sandbox/src/operator/capi-provider-pods';
import { DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { REPO_ROOT } from '../helpers/cli';
import { waitFor } from '../helpers/wait';

const CHART = join(REPO_ROOT, 'charts', 'cozy-capi-providers-proxmox');
const CORE_NS = 'capi-system';
const PROVIDERS_NS = 'cozy-cluster-api';
const API = 'operator.cluster.x-k8s.io/v1alpha2';
let dir: string;
let plane: RunningControlPlane;
let kube: KubeClient;
let sim: RunningSimulator;
let platform: RunningCapiPlatform | undefined;
let operator: RunningOperator | undefined;
const operatorLog: string[] = [];

type Conditions = { status?: { conditions?: Array<{ type: string; status: string; message?: string }>; installedVersion?: string } };
const condition = (p: (KubeObject & Conditions) | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type);

async function provider(kind: string, namespace: string, name: string): Promise<(KubeObject & Conditions) | undefined> {
  return kube.find<KubeObject & Conditions>({ apiVersion: API, kind, namespace, name });
}

const chartProxmox = () => ({ url: sim.url, tokenId: DEFAULT_TOKEN_ID, tokenSecret: DEFAULT_TOKEN_SECRET, caCert: readFileSync(sim.caFile as string, 'utf8') });

/** What the API server answered an apply, until a webhook denies it (the webhook may not be serving yet). */
function refusal(obj: KubeObject, what: string): Promise<string | undefined> {
  return waitFor(
    () =>
      kube
        .apply(obj)
        .then(() => 'accepted')
        .catch((err: Error) => err.message),
    (m) => /admission webhook .*denied/.test(m),
    what,
    90_000,
  );
}

function componentsOrFail(found: ReturnType<typeof componentsOf>): { components: string; metadata: string } {
  if ('missing' in found) throw new Error(found.missing);
  return found;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cozy-capi-op-'));
  plane = await startControlPlane({ dir: join(dir, 'kube') });
  kube = await KubeClient.connect({ kubeconfig: plane.kubeconfigPath });
  await plane.addFakeNode('capi-operator-node');
  sim = await startProxmoxSimulator({});
  for (const name of [CORE_NS, PROVIDERS_NS]) await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  platform = await startCapiPlatform({ kube, kubeconfig: plane.kubeconfigPath, dir: join(dir, 'platform'), namespace: PROVIDERS_NS });
  operator = await startOperator({
    kubeconfig: plane.kubeconfigPath,
    proxmox: { url: sim.url, caFile: sim.caFile },
    controllers: [CAPI_PROVIDER_PODS_CONTROLLER],
    podsDir: join(dir, 'pods'),
    log: (_c, m) => operatorLog.push(m),
  });
}, 240_000);

afterAll(async () => {
  await operator?.stop();
  await platform?.stop();
  await sim?.stop();
  await plane?.stop();
  if (dir && !process.env.COZY_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
}, 120_000);

test('the core provider is installed from its components ConfigMap: its manager runs in a pod, its webhooks answer through the Service', async () => {
  // As the sandbox's seed (standing for CozyStack) ships it: the components in a ConfigMap its fetchConfig.selector finds.
  const core = componentsOrFail(componentsOf('COMPONENTS_CAPI', 'Cluster API core'));
  const coreProvider = seededCoreProvider(false, core);
  await kube.apply(providerComponentsConfigMap(coreProvider, core));
  await kube.apply(coreProvider);

  const ready = await waitFor(() => provider('CoreProvider', CORE_NS, 'cluster-api'), (p) => condition(p, 'Ready')?.status === 'True', 'CoreProvider cluster-api Ready', 180_000);
  expect(ready?.status?.installedVersion).toBe('v1.10.4');
  // cert-manager issued the webhook certificate the Deployment mounts, and the manager was started for its pod.
  expect(await kube.find({ apiVersion: 'v1', kind: 'Secret', namespace: CORE_NS, name: 'capi-webhook-service-cert' })).toBeDefined();
  await waitFor(async () => operatorLog.find((m) => m.includes(`${CORE_NS}/capi-controller-manager-`) && m.includes('started manager')), (m) => m !== undefined, 'the core manager started for its pod', 60_000);
  // Cluster API's own validation, reached through capi-webhook-service: a Cluster whose infrastructureRef is in
  // another namespace is refused.
  const refused = await refusal(
    REFUSED_BY['CoreProvider/cluster-api'],
    'the Cluster refused by the core webhook',
  );
  expect(refused).toMatch(/infrastructureRef/);
}, 300_000);

test("the chart's IPAM provider is installed by the operator from the chart's ConfigMap, and validates pools through its webhook", async () => {
  const helm = new HelmClient({ kubeconfig: plane.kubeconfigPath });
  const ipam = componentsOrFail(providerComponents('ipamProvider'));
  await helm.upgradeInstall({
    release: 'capi-proxmox',
    chart: CHART,
    namespace: PROVIDERS_NS,
    values: { proxmox: chartProxmox(), infrastructureProvider: { enabled: false }, ipamProvider: ipam },
  });
  const ready = await waitFor(() => provider('IPAMProvider', PROVIDERS_NS, 'in-cluster'), (p) => condition(p, 'Ready')?.status === 'True', 'IPAMProvider in-cluster Ready', 180_000);
  expect(ready?.status?.installedVersion).toBe('v1.0.3');
  const refused = await refusal(
    REFUSED_BY['IPAMProvider/in-cluster'],
    'the pool refused by the IPAM webhook',
  );
  expect(refused).toMatch(/not-an-address/);
}, 300_000);

test("the chart's CAPMOX is installed by the operator with the chart's Proxmox CA: it reaches Proxmox over verified TLS and validates through its webhook", async () => {
  const helm = new HelmClient({ kubeconfig: plane.kubeconfigPath });
  await helm.upgradeInstall({
    release: 'capi-proxmox',
    chart: CHART,
    namespace: PROVIDERS_NS,
    values: { proxmox: chartProxmox(), infrastructureProvider: componentsOrFail(providerComponents('infrastructureProvider')), ipamProvider: componentsOrFail(providerComponents('ipamProvider')) },
  });
  const ready = await waitFor(() => provider('InfrastructureProvider', PROVIDERS_NS, 'proxmox'), (p) => condition(p, 'Ready')?.status === 'True', 'InfrastructureProvider proxmox Ready', 180_000);
  expect(ready?.status?.installedVersion).toBe('v0.7.2');
  // The operator put the chart's CA into the Deployment: the flag, and the ConfigMap mounted where it points.
  const deployment = await kube.find<KubeObject & { spec: { template: { spec: { containers: Array<{ name: string; args?: string[] }>; volumes?: Array<{ name: string; configMap?: { name: string } }> } } } }>({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: PROVIDERS_NS,
    name: 'capmox-controller-manager',
  });
  expect(deployment?.spec.template.spec.containers.find((c) => c.name === 'manager')?.args).toContain('--proxmox-root-cert-file=/etc/proxmox-ca/ca.crt');
  expect(deployment?.spec.template.spec.volumes).toContainEqual({ name: 'proxmox-ca', configMap: expect.objectContaining({ name: 'capi-proxmox-proxmox-ca' }) });
  const refused = await refusal(
    REFUSED_BY['InfrastructureProvider/proxmox'],
    'the ProxmoxCluster refused by the CAPMOX webhook',
  );
  expect(refused).toContain('admission webhook "validation.proxmoxcluster.infrastructure.cluster.x-k8s.io" denied the request');
}, 300_000);

test('a second IPAMProvider named in-cluster is refused by the operator\'s preflight check, which is why capi.provider-chart reuses the cluster\'s', async () => {
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capi-ipam-second' } });
  await kube.apply({ apiVersion: API, kind: 'IPAMProvider', metadata: { name: 'in-cluster', namespace: 'capi-ipam-second' }, spec: { version: 'v1.0.3' } });
  const refused = await waitFor(() => provider('IPAMProvider', 'capi-ipam-second', 'in-cluster'), (p) => condition(p, 'PreflightCheckPassed')?.status === 'False', 'the second IPAMProvider refused', 60_000);
  // v0.28.0 fills its message's kind and name with the other provider's name and namespace.
  expect(condition(refused, 'PreflightCheckPassed')?.message).toBe('There is already a in-cluster with name cozy-cluster-api in the cluster. Only one is allowed.');
  await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'capi-ipam-second' });
}, 120_000);
