// Cluster API core's Cluster reconciler: claims the infrastructure cluster (owner reference, cluster-name label),
// copies its controlPlaneEndpoint, reports infrastructureReady, phase and the Ready condition. Deletion removes the
// cluster's MachineDeployments, MachineSets and Machines, waits for them, then deletes the infrastructure cluster and
// waits for it before letting the Cluster go, as Cluster API does.
import type { KubeObject, ObjectRef } from '../../../../src/kubernetes/types';
import type { OperatorContext } from './context';
import { addFinalizer, CLUSTER_API, CLUSTER_NAME_LABEL, differs, ensureOwner, isDeleting, mergePatch, patchStatus, refOfObject, removeFinalizer, setCondition } from './kube-ops';

export const CLUSTER_FINALIZER = 'cluster.cluster.x-k8s.io';
const LOG = 'capi-core';

interface ClusterSpec {
  infrastructureRef?: { apiVersion: string; kind: string; name: string; namespace?: string };
  controlPlaneEndpoint?: { host?: string; port?: number };
}

export function infrastructureRefOf(cluster: KubeObject): ObjectRef | undefined {
  const ref = (cluster.spec as ClusterSpec | undefined)?.infrastructureRef;
  return ref ? { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, namespace: ref.namespace ?? cluster.metadata.namespace } : undefined;
}

async function deleteDescendants(ctx: OperatorContext, cluster: KubeObject): Promise<number> {
  const selector = `${CLUSTER_NAME_LABEL}=${cluster.metadata.name}`;
  let remaining = 0;
  for (const kind of ['MachineDeployment', 'MachineSet', 'Machine']) {
    for (const obj of await ctx.kube.list(CLUSTER_API, kind, cluster.metadata.namespace, selector)) {
      remaining++;
      if (!isDeleting(obj)) await ctx.kube.delete(refOfObject(obj));
    }
  }
  return remaining;
}

export async function reconcileCluster(ctx: OperatorContext, cluster: KubeObject): Promise<void> {
  const { kube } = ctx;
  const infraRef = infrastructureRefOf(cluster);
  const name = `${cluster.metadata.namespace}/${cluster.metadata.name}`;
  if (isDeleting(cluster)) {
    if ((await deleteDescendants(ctx, cluster)) > 0) return;
    const infra = infraRef ? await kube.find(infraRef) : undefined;
    if (infra) {
      if (!isDeleting(infra)) await kube.delete(infraRef!);
      return;
    }
    await removeFinalizer(kube, cluster, CLUSTER_FINALIZER);
    ctx.log(LOG, `Cluster ${name} deleted`);
    return;
  }
  cluster = await addFinalizer(kube, cluster, CLUSTER_FINALIZER);
  const status = (cluster.status ?? {}) as Record<string, unknown>;
  let conditions = status.conditions;
  const infra = infraRef ? await kube.find(infraRef) : undefined;
  let infraReady = false;
  if (!infra) {
    const message = infraRef ? `${infraRef.kind} ${infraRef.name} not found` : 'spec.infrastructureRef is not set';
    conditions = setCondition(conditions, { type: 'InfrastructureReady', status: 'False', reason: 'WaitingForInfrastructure', severity: 'Info', message });
  } else {
    await ensureOwner(kube, infra, cluster);
    if (infra.metadata.labels?.[CLUSTER_NAME_LABEL] !== cluster.metadata.name) {
      await mergePatch(kube, refOfObject(infra), { metadata: { labels: { [CLUSTER_NAME_LABEL]: cluster.metadata.name } } });
    }
    const endpoint = (infra.spec as ClusterSpec | undefined)?.controlPlaneEndpoint;
    if (endpoint?.host && !(cluster.spec as ClusterSpec | undefined)?.controlPlaneEndpoint?.host) {
      await mergePatch(kube, refOfObject(cluster), { spec: { controlPlaneEndpoint: endpoint } });
    }
    infraReady = Boolean((infra.status as { ready?: boolean } | undefined)?.ready);
    const infraCondition = ((infra.status as { conditions?: Array<{ type: string; reason?: string; message?: string }> } | undefined)?.conditions ?? []).find((c) => c.type === 'Ready');
    conditions = infraReady
      ? setCondition(conditions, { type: 'InfrastructureReady', status: 'True' })
      : setCondition(conditions, { type: 'InfrastructureReady', status: 'False', severity: 'Warning', reason: infraCondition?.reason ?? 'WaitingForInfrastructure', message: infraCondition?.message });
  }
  const ready = (conditions as Array<{ type: string; status: string; reason?: string; message?: string; severity?: string }>).find((c) => c.type === 'InfrastructureReady')!;
  conditions = setCondition(conditions, { type: 'Ready', status: ready.status, reason: ready.reason, message: ready.message, severity: ready.severity });
  const next = {
    infrastructureReady: infraReady,
    phase: infraReady ? 'Provisioned' : infra ? 'Provisioning' : 'Pending',
    observedGeneration: cluster.metadata.generation,
    conditions,
  };
  const current = { infrastructureReady: status.infrastructureReady, phase: status.phase, observedGeneration: status.observedGeneration, conditions: status.conditions };
  if (differs(current, next)) {
    await patchStatus(kube, cluster, next);
    if (current.phase !== next.phase) ctx.log(LOG, `Cluster ${name} ${next.phase}`);
  }
}
