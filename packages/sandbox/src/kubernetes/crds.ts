// Loads upstream CRDs from the folders scripts/tools/crds.sh found in the Go module cache, applies CRDs and waits
// until the apiserver serves them (condition Established).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { toolPath } from '../../../../src/tools/tool-paths';
import { waitForCondition } from '../../../../src/kubernetes/wait';
import { type KubeClient } from '../../../../src/kubernetes/client';
import { type KubeObject } from '../../../../src/kubernetes/types';

/** tools.env keys of the CRD folders, and the `npm run tools` target that installs each (scripts/tools/crds.sh; cert-manager's come with its programs). */
export const CRD_SOURCES = {
  /** Cluster API core v1.10: clusters, machines, ... and ipaddresses/ipaddressclaims. */
  capi: { key: 'CRDS_CAPI', tool: 'crds' },
  /** cluster-api-operator: coreproviders, infrastructureproviders, ipamproviders, ... */
  capiOperator: { key: 'CRDS_CAPI_OPERATOR', tool: 'crds' },
  /** external-snapshotter: volumesnapshots, volumesnapshotclasses, volumesnapshotcontents. */
  volumeSnapshot: { key: 'CRDS_VOLUME_SNAPSHOT', tool: 'crds' },
  /** CAPMOX v0.7: proxmoxclusters, proxmoxmachines, proxmoxmachinetemplates, proxmoxclustertemplates. */
  capmox: { key: 'CRDS_CAPMOX', tool: 'crds' },
  /** The in-cluster IPAM provider: inclusterippools, globalinclusterippools. */
  capiIpam: { key: 'CRDS_CAPI_IPAM', tool: 'crds' },
  /** Cilium's cilium.io/v2 kinds (its folder also holds endpoints, identities, nodes, ...: see ciliumPolicyCrds). */
  cilium: { key: 'CRDS_CILIUM', tool: 'crds' },
  /** The Prometheus operator: servicemonitors, podmonitors, prometheuses, ... */
  prometheusOperator: { key: 'CRDS_PROMETHEUS_OPERATOR', tool: 'crds' },
  /** cert-manager: certificates, issuers, clusterissuers, certificaterequests, orders, challenges. */
  certManager: { key: 'CRDS_CERT_MANAGER', tool: 'capi-operator' },
} as const;

export type CrdSource = keyof typeof CRD_SOURCES;

/** Every CustomResourceDefinition in the YAML files of a folder (other documents, e.g. kustomization.yaml, skipped). */
export function readCrdDir(dir: string): KubeObject[] {
  const crds: KubeObject[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  return crds;
}

export function upstreamCrds(source: CrdSource): KubeObject[] {
  const dir = toolPath(CRD_SOURCES[source].key, CRD_SOURCES[source].tool);
  const labels = kustomizeCommonLabels(join(dir, '..', 'kustomization.yaml'));
  return readCrdDir(dir).map((crd) => ({ ...crd, metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, ...labels } } }));
}

/**
 * Cilium's two policy kinds, CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy: what CozyStack isolates tenants
 * with and what step6.cilium-policies applies. The agent's own kinds (endpoints, identities, nodes, ...) are left out:
 * no agent runs here to fill them.
 */
export function ciliumPolicyCrds(): KubeObject[] {
  return upstreamCrds('cilium').filter((crd) => ['ciliumnetworkpolicies.cilium.io', 'ciliumclusterwidenetworkpolicies.cilium.io'].includes(crd.metadata.name));
}

/** The folder of the Go module a CRD source was found in (its config/crd/bases is three levels down). */
export function upstreamModuleDir(source: CrdSource): string {
  return join(toolPath(CRD_SOURCES[source].key, CRD_SOURCES[source].tool), '..', '..', '..');
}

/**
 * The `commonLabels` of the module's config/crd kustomization, which its release adds to every CRD: for a provider,
 * the Cluster API contract label (e.g. cluster.x-k8s.io/v1beta1: v1alpha1) by which Cluster API finds the version
 * of a referenced kind.
 */
function kustomizeCommonLabels(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const doc = parse(readFileSync(file, 'utf8')) as { commonLabels?: Record<string, string> } | null;
  return doc?.commonLabels ?? {};
}

/**
 * Applies the CRDs (with the given labels) and resolves once each is Established. `replace` creates or replaces
 * them whole (as `kubectl create`/`replace` do) instead of server-side apply, which refuses schemas that list one
 * x-kubernetes-validations rule twice (CAPMOX v0.7's machine CRDs do).
 */
export async function applyCrds(client: KubeClient, crds: KubeObject[], labels: Record<string, string> = {}, how: 'apply' | 'replace' = 'apply'): Promise<void> {
  for (const crd of crds) {
    const labelled = { ...crd, metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, ...labels } } };
    if (how === 'apply') await client.apply(labelled);
    else await client.createOrReplace(labelled);
  }
  for (const crd of crds) {
    await waitForCondition(client, { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: crd.metadata.name }, 'Established', { timeoutMs: 60_000 });
  }
}
