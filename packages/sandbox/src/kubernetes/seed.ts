// Seeds a running control plane with what a CozyStack cluster has that the phase-1 Kubernetes steps look at:
// namespace cozy-system; Flux's HelmRelease CRD and CozyStack's HelmReleases, Ready; Cluster API core CRDs;
// cluster-api-operator's CRDs with the CoreProvider `cluster-api`; the in-cluster IPAM provider (an IPAMProvider, its
// pool CRDs and a pool); the VolumeSnapshot CRDs; and the Cilium and Kube-OVN workloads running on a kwok node. The
// providers come with their components for a real cluster-api-operator to install (realCapiOperator), or Ready where
// none runs. Status is written through the status subresource, as the controllers would. Applying is idempotent.
import { fakeNodeManifest, nodeIsReady } from './fake-node';
import { KUBERNETES_VERSION } from './control-plane';
import { applyCrds, ciliumPolicyCrds, upstreamCrds } from './crds';
import { HELM_RELEASE_CRD } from './crds-local';
import {
  CNI_WORKLOADS,
  coreProvider,
  cozystackReleases,
  helmRelease,
  helmReleaseStatus,
  ipamProvider,
  machineIpPool,
  namespace,
  providerComponentsConfigMap,
  ROOT_TENANT,
  type SeededComponents,
  SANDBOX_LABELS,
  tenantIsolationPolicy,
  vmBackedNode,
  workload,
} from './seed-objects';
import { COMPONENT_SOURCES, componentsOf } from '../../../../src/activities/charts/provider-components';
import { COZY_SYSTEM_NAMESPACE, CORE_PROVIDER, IN_CLUSTER_IPAM_PROVIDER } from '../../../../src/kubernetes/cozystack';
import { KubeClient } from '../../../../src/kubernetes/client';
import { waitForObject } from '../../../../src/kubernetes/wait';
import { type KubeObject, type ObjectRef } from '../../../../src/kubernetes/types';

export interface SeedOptions {
  /** Install the in-cluster IPAM provider (default true). */
  ipam?: boolean;
  /** Install cluster-api-operator's CRDs, its release and a Ready CoreProvider (default true). */
  capiOperator?: boolean;
  /**
   * A real cluster-api-operator runs (the sandbox): the CoreProvider and IPAMProvider come with their components in
   * ConfigMaps, as CozyStack ships them, and their status is the operator's to write. Otherwise (default) nothing
   * installs them and the seed writes the status the operator reports once it has.
   */
  realCapiOperator?: boolean;
  /** Name of the kwok node the CNI pods run on (default cozy-sandbox-node-1). */
  nodeName?: string;
  onProgress?: (message: string) => void;
}

export interface SeedResult {
  namespaces: string[];
  /** The cluster-api-operator providers seeded (with realCapiOperator: for the operator to install). */
  capiProviders: ObjectRef[];
  helmReleases: string[];
  crds: number;
  node: string;
  ms: number;
}

const SEED_NODE = 'cozy-sandbox-node-1';

/**
 * The kwok node the seed makes: a worker (the control plane runs as processes, with no node of its own); the default
 * one is the node the simulator's VM cozy-sandbox-node-1 backs (CSI volumes attach to it, step8 restarts it).
 */
export function seedNodeManifest(node = SEED_NODE): KubeObject {
  const manifest = fakeNodeManifest(node, { ...SANDBOX_LABELS }, { kubeletVersion: KUBERNETES_VERSION, cpu: '8', memory: '32Gi' }) as KubeObject;
  return node === SEED_NODE ? vmBackedNode(manifest) : manifest;
}

export async function seedCozyStack(kubeconfigPath: string, opts: SeedOptions = {}): Promise<SeedResult> {
  const started = Date.now();
  const withIpam = opts.ipam ?? true;
  const withOperator = opts.capiOperator ?? true;
  const say = opts.onProgress ?? (() => undefined);
  const client = await KubeClient.connect({ kubeconfig: kubeconfigPath });

  const releases = cozystackReleases(withOperator);
  const namespaces = [
    ...new Set([
      COZY_SYSTEM_NAMESPACE,
      ROOT_TENANT,
      ...releases.map((r) => r.namespace),
      ...(withOperator ? [CORE_PROVIDER.namespace as string] : []),
      ...(withIpam && withOperator ? [IN_CLUSTER_IPAM_PROVIDER.namespace as string] : []),
    ]),
  ];
  for (const ns of namespaces) await client.apply(namespace(ns));

  say('applying CRDs: HelmRelease, Cluster API core, VolumeSnapshot, Cilium policies' + (withOperator ? ', cluster-api-operator' : '') + (withIpam ? ', in-cluster IPAM' : ''));
  // CozyStack runs Cilium, and isolates its tenants with Cilium's policy kinds.
  const crds: KubeObject[] = [HELM_RELEASE_CRD, ...upstreamCrds('capi'), ...upstreamCrds('volumeSnapshot'), ...ciliumPolicyCrds()];
  if (withOperator) crds.push(...upstreamCrds('capiOperator'));
  if (withIpam) crds.push(...upstreamCrds('capiIpam'));
  await applyCrds(client, crds, SANDBOX_LABELS);
  await client.apply(tenantIsolationPolicy(ROOT_TENANT));

  say(`applying ${releases.length} CozyStack HelmReleases (Ready)`);
  for (const release of releases) {
    await client.apply(helmRelease(release));
    await client.applyStatus(helmReleaseStatus(release));
  }
  const capiProviders: ObjectRef[] = [];
  const seedProvider = async (of: (withStatus: boolean, from?: SeededComponents) => KubeObject, key: string, what: string) => {
    const { apiVersion, kind, metadata } = of(false);
    capiProviders.push({ apiVersion, kind, namespace: metadata.namespace, name: metadata.name });
    if (!opts.realCapiOperator) {
      await client.apply(of(false));
      await client.applyStatus(of(true));
      return;
    }
    const from = componentsOf(key, what);
    if ('missing' in from) throw new Error(`cannot seed the ${what} provider for cluster-api-operator: ${from.missing}`);
    const provider = of(false, from);
    await client.apply(providerComponentsConfigMap(provider, from));
    await client.apply(provider);
  };
  if (withOperator) await seedProvider(coreProvider, 'COMPONENTS_CAPI', 'Cluster API core');
  if (withIpam) {
    if (withOperator) await seedProvider(ipamProvider, COMPONENT_SOURCES.ipamProvider.key, COMPONENT_SOURCES.ipamProvider.what);
    // Before the IPAM provider's webhooks exist (the operator registers them with its components).
    await client.apply(machineIpPool());
  }

  const node = opts.nodeName ?? SEED_NODE;
  say(`starting the CNI workloads (Cilium, Kube-OVN) on the kwok node ${node}`);
  await client.apply(seedNodeManifest(node));
  await waitForObject(client, { apiVersion: 'v1', kind: 'Node', name: node }, (n) => n !== undefined && nodeIsReady(n as never), { timeoutMs: 60_000 });
  for (const w of CNI_WORKLOADS) await client.apply(workload(w));
  for (const w of CNI_WORKLOADS) {
    await waitForObject(client, { apiVersion: 'apps/v1', kind: w.kind, namespace: w.namespace, name: w.name }, workloadReady, { timeoutMs: 90_000 });
  }
  return {
    namespaces,
    capiProviders,
    helmReleases: releases.map((r) => `${r.namespace}/${r.name}`),
    crds: crds.length,
    node,
    ms: Date.now() - started,
  };
}

/** A Deployment with all replicas ready, or a DaemonSet with at least one pod scheduled and every scheduled one ready. */
export function workloadReady(obj: KubeObject | undefined): boolean {
  const status = (obj?.status ?? {}) as Record<string, number | undefined>;
  if (!obj) return false;
  if (obj.kind === 'Deployment') return (status.readyReplicas ?? 0) >= (((obj.spec as { replicas?: number })?.replicas) ?? 1);
  return (status.desiredNumberScheduled ?? 0) > 0 && status.numberReady === status.desiredNumberScheduled;
}

