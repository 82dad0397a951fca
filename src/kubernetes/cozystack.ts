// What a CozyStack cluster has that the integration depends on, by API name. The phase-1 steps check these and the
// sandbox seed creates them, so both read them from here.
import type { ObjectRef } from './types';

export const COZY_SYSTEM_NAMESPACE = 'cozy-system';

export const HELM_RELEASE_API = 'helm.toolkit.fluxcd.io/v2';
export const HELM_RELEASE_CRD_NAME = 'helmreleases.helm.toolkit.fluxcd.io';

export interface CozyRelease {
  namespace: string;
  name: string;
  /** What it is, for messages. */
  role: string;
}

/** The CozyStack releases the integration relies on: its API, and the two CNIs the network-policy tests use. */
export const REQUIRED_COZYSTACK_RELEASES: CozyRelease[] = [
  { namespace: COZY_SYSTEM_NAMESPACE, name: 'cozystack-api', role: 'CozyStack API' },
  { namespace: 'cozy-cilium', name: 'cilium', role: 'Cilium CNI (network policies)' },
  { namespace: 'cozy-kubeovn', name: 'kubeovn', role: 'Kube-OVN CNI (tenant networks)' },
];

export const CAPI_OPERATOR_RELEASE: CozyRelease = { namespace: 'cozy-cluster-api', name: 'cluster-api-operator', role: 'cluster-api-operator' };

/** CozyStack labels its system releases so; any other one of them not Ready is reported as a warning. */
export const COZYSTACK_SYSTEM_APP_LABEL = 'cozystack.io/system-app';

export const CAPI_OPERATOR_API = 'operator.cluster.x-k8s.io/v1alpha2';
export const CORE_PROVIDER_CRD = 'coreproviders.operator.cluster.x-k8s.io';
export const INFRASTRUCTURE_PROVIDER_CRD = 'infrastructureproviders.operator.cluster.x-k8s.io';
export const IPAM_PROVIDER_CRD = 'ipamproviders.operator.cluster.x-k8s.io';
export const CORE_PROVIDER: ObjectRef = { apiVersion: CAPI_OPERATOR_API, kind: 'CoreProvider', namespace: 'capi-system', name: 'cluster-api' };

/** The in-cluster IPAM provider, as cluster-api-operator names it, and the pool CRDs it serves. */
export const IN_CLUSTER_IPAM_PROVIDER: ObjectRef = { apiVersion: CAPI_OPERATOR_API, kind: 'IPAMProvider', namespace: 'capi-ipam-in-cluster-system', name: 'in-cluster' };
export const IPAM_POOL_CRDS = ['inclusterippools.ipam.cluster.x-k8s.io', 'globalinclusterippools.ipam.cluster.x-k8s.io'];
/** Cluster API core's claim CRD, which an IPAM provider fulfils. */
export const IP_ADDRESS_CLAIM_CRD = 'ipaddressclaims.ipam.cluster.x-k8s.io';

export const CRD_API = 'apiextensions.k8s.io/v1';

export function crdRef(name: string): ObjectRef {
  return { apiVersion: CRD_API, kind: 'CustomResourceDefinition', name };
}
