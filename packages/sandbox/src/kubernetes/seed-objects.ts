// The objects of a CozyStack-like cluster, as the sandbox seeds them: HelmReleases and cluster-api-operator
// providers with the status their controllers would report, and CNI workloads for kwok to run. Every object carries
// the sandbox label.
import { CAPI_OPERATOR_RELEASE, CORE_PROVIDER, HELM_RELEASE_API, IN_CLUSTER_IPAM_PROVIDER, REQUIRED_COZYSTACK_RELEASES, COZYSTACK_SYSTEM_APP_LABEL, type CozyRelease } from '../../../../src/kubernetes/cozystack';
import { type KubeObject } from '../../../../src/kubernetes/types';

import { SANDBOX_NODE_VM, SANDBOX_REGION } from '../proxmox-sim/default-seed';

export const SANDBOX_LABEL = 'cozy-proxmox.io/sandbox';
export const SANDBOX_LABELS: Record<string, string> = { [SANDBOX_LABEL]: 'true' };

export const CAPI_VERSION = 'v1.10.4';
// The released versions `npm run tools` builds (scripts/tools/capi.sh), so that a real cluster-api-operator can
// install the seeded providers from their components.
export const IN_CLUSTER_IPAM_VERSION = 'v1.0.3';

function meta(name: string, namespace?: string, labels: Record<string, string> = {}): KubeObject['metadata'] {
  return { name, ...(namespace ? { namespace } : {}), labels: { ...SANDBOX_LABELS, ...labels } };
}

export function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: meta(name) };
}

function readyCondition(reason: string, message: string): Record<string, unknown> {
  return { type: 'Ready', status: 'True', reason, message, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), observedGeneration: 1 };
}

export function helmRelease(release: CozyRelease): KubeObject {
  return {
    apiVersion: HELM_RELEASE_API,
    kind: 'HelmRelease',
    metadata: meta(release.name, release.namespace, { [COZYSTACK_SYSTEM_APP_LABEL]: 'true' }),
    spec: {
      interval: '5m',
      releaseName: release.name,
      chart: { spec: { chart: `cozy-${release.name}`, sourceRef: { kind: 'HelmRepository', name: 'cozystack-system', namespace: 'cozy-system' } } },
    },
  };
}

export function helmReleaseStatus(release: CozyRelease): KubeObject {
  return {
    ...helmRelease(release),
    status: {
      observedGeneration: 1,
      conditions: [readyCondition('InstallSucceeded', `Helm install succeeded for release ${release.namespace}/${release.name}`)],
    },
  };
}

export function cozystackReleases(withCapiOperator: boolean): CozyRelease[] {
  return [...REQUIRED_COZYSTACK_RELEASES, ...(withCapiOperator ? [CAPI_OPERATOR_RELEASE] : [])];
}

/** The condition set cluster-api-operator reports on a provider it installed (metav1.Condition: reason required). */
function providerStatus(version: string): Record<string, unknown> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string, reason: string) => ({ type, status: 'True', reason, message: '', lastTransitionTime: now, observedGeneration: 1 });
  return {
    installedVersion: version,
    observedGeneration: 1,
    conditions: [condition('Ready', 'Ready'), condition('PreflightCheckPassed', 'PreflightCheckPassed'), condition('ProviderInstalled', 'ProviderInstalled')],
  };
}

/** Where a seeded provider's components come from when a real cluster-api-operator installs it. */
export interface SeededComponents {
  /** components.yaml gzip-compressed, base64 (src/activities/charts/provider-components.ts). */
  components: string;
  /** clusterctl's metadata.yaml. */
  metadata: string;
}

/** The label a provider's fetchConfig.selector matches on its components ConfigMaps. */
export const COMPONENTS_SELECTOR_LABEL = 'cozy-proxmox.io/provider-components';

function seededProvider(ref: typeof CORE_PROVIDER, version: string, from: SeededComponents | undefined): KubeObject {
  // As the provider chart labels its own: <kind without Provider>-<name>, e.g. core-cluster-api.
  const selector = { [COMPONENTS_SELECTOR_LABEL]: `${ref.kind.replace(/Provider$/, '')}-${ref.name}`.toLowerCase() };
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: meta(ref.name, ref.namespace), spec: { version, ...(from ? { fetchConfig: { selector: { matchLabels: selector } } } : {}) } };
}

/**
 * A provider's components as CozyStack ships them for cluster-api-operator without internet access: one ConfigMap
 * per version, found by the provider's fetchConfig.selector, the components gzip-compressed (announced by the
 * provider.cluster.x-k8s.io/compressed annotation) and clusterctl's metadata beside them.
 */
export function providerComponentsConfigMap(provider: KubeObject, from: SeededComponents): KubeObject {
  const version = String((provider.spec as { version: string }).version);
  const selector = (provider.spec as { fetchConfig: { selector: { matchLabels: Record<string, string> } } }).fetchConfig.selector.matchLabels;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      ...meta(`${Object.values(selector)[0]}-${version}`, provider.metadata.namespace, { ...selector, 'provider.cluster.x-k8s.io/version': version }),
      annotations: { 'provider.cluster.x-k8s.io/compressed': 'true' },
    },
    data: { metadata: from.metadata },
    binaryData: { components: from.components },
  };
}

/**
 * The CoreProvider `cluster-api`: with its components for a real cluster-api-operator to install, or (withStatus)
 * with the status the operator reports once it has, where no operator runs.
 */
export function coreProvider(withStatus: boolean, from?: SeededComponents): KubeObject {
  const obj = seededProvider(CORE_PROVIDER, CAPI_VERSION, from);
  return withStatus ? { ...obj, status: providerStatus(CAPI_VERSION) } : obj;
}

export function ipamProvider(withStatus: boolean, from?: SeededComponents): KubeObject {
  const obj = seededProvider(IN_CLUSTER_IPAM_PROVIDER, IN_CLUSTER_IPAM_VERSION, from);
  return withStatus ? { ...obj, status: providerStatus(IN_CLUSTER_IPAM_VERSION) } : obj;
}

/** The address pool Proxmox machines get their addresses from (CAPMOX has no DHCP). */
export function machineIpPool(): KubeObject {
  return {
    apiVersion: 'ipam.cluster.x-k8s.io/v1alpha2',
    kind: 'InClusterIPPool',
    metadata: meta('proxmox-machines', 'default'),
    spec: { addresses: ['10.10.0.10-10.10.0.100'], prefix: 24, gateway: '10.10.0.1' },
  };
}

interface Workload {
  kind: 'DaemonSet' | 'Deployment';
  namespace: string;
  name: string;
  image: string;
}

/** The CNI components a CozyStack cluster runs, as DaemonSets and Deployments whose pods kwok plays. */
export const CNI_WORKLOADS: Workload[] = [
  { kind: 'DaemonSet', namespace: 'cozy-cilium', name: 'cilium', image: 'quay.io/cilium/cilium:v1.17.4' },
  { kind: 'Deployment', namespace: 'cozy-cilium', name: 'cilium-operator', image: 'quay.io/cilium/operator-generic:v1.17.4' },
  { kind: 'DaemonSet', namespace: 'cozy-kubeovn', name: 'kube-ovn-cni', image: 'docker.io/kubeovn/kube-ovn:v1.14.4' },
  { kind: 'Deployment', namespace: 'cozy-kubeovn', name: 'kube-ovn-controller', image: 'docker.io/kubeovn/kube-ovn:v1.14.4' },
  { kind: 'Deployment', namespace: 'cozy-kubeovn', name: 'ovn-central', image: 'docker.io/kubeovn/kube-ovn:v1.14.4' },
];

export function workload(w: Workload): KubeObject {
  const labels = { 'app.kubernetes.io/name': w.name, ...SANDBOX_LABELS };
  const template = {
    metadata: { labels },
    spec: {
      containers: [{ name: w.name, image: w.image }],
      // CNI agents run everywhere, control-plane taints included.
      tolerations: [{ operator: 'Exists' }],
    },
  };
  const spec = w.kind === 'Deployment' ? { replicas: 1, selector: { matchLabels: { 'app.kubernetes.io/name': w.name } }, template } : { selector: { matchLabels: { 'app.kubernetes.io/name': w.name } }, template };
  return { apiVersion: 'apps/v1', kind: w.kind, metadata: meta(w.name, w.namespace, { 'app.kubernetes.io/name': w.name }), spec };
}

export const TOPOLOGY_REGION_LABEL = 'topology.kubernetes.io/region';
export const TOPOLOGY_ZONE_LABEL = 'topology.kubernetes.io/zone';
/** A kubelet sets it at registration; kwok does not, and without it the attach/detach controller ignores the node. */
export const CONTROLLER_MANAGED_ATTACH = 'volumes.kubernetes.io/controller-managed-attach-detach';

/**
 * What the Proxmox CCM and the kubelet put on the node that the seeded VM backs: region and zone labels, the
 * providerID proxmox://<region>/<vmid>, and attach/detach by the controller (CSI disks are hot-plugged into the VM).
 */
export function vmBackedNode(node: KubeObject, vm: { vmid: number; node: string } = SANDBOX_NODE_VM, region = SANDBOX_REGION): KubeObject {
  const metadata = node.metadata;
  return {
    ...node,
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, [TOPOLOGY_REGION_LABEL]: region, [TOPOLOGY_ZONE_LABEL]: vm.node },
      annotations: { ...metadata.annotations, [CONTROLLER_MANAGED_ATTACH]: 'true' },
    },
    spec: { ...((node.spec as Record<string, unknown> | undefined) ?? {}), providerID: `proxmox://${region}/${vm.vmid}` },
  };
}

/** CozyStack's root tenant namespace. */
export const ROOT_TENANT = 'tenant-root';

/**
 * What CozyStack's tenant chart isolates a tenant with, inside its namespace: endpoints talk to, and accept, endpoints
 * of the same namespace (its cluster-wide policies for system namespaces and parents are left out here).
 */
export function tenantIsolationPolicy(tenant: string): KubeObject {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: meta('allow-internal-communication', tenant),
    spec: { endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }], egress: [{ toEndpoints: [{}] }] },
  } as KubeObject;
}
