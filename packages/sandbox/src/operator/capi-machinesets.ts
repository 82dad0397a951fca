// Cluster API core's MachineDeployment and MachineSet reconcilers. A MachineDeployment owns one MachineSet per
// machine template (named after a hash of it) and keeps its replicas; a MachineSet creates Machines, each with its
// infrastructure machine cloned from the template's infrastructureRef, and deletes the newest ones when scaled down.
// Machine names are the MachineSet's name and the lowest free index, so a restarted controller counts what is there
// instead of adding to it.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../../../src/kubernetes/types';
import type { OperatorContext } from './context';
import { CLUSTER_API, CLUSTER_NAME_LABEL, controllerReference, createIfAbsent, differs, ensureOwner, isDeleting, mergePatch, ownerReference, ownerReferencesOf, patchStatus, refOfObject, setCondition } from './kube-ops';

const LOG = 'capi-core';
export const DEPLOYMENT_NAME_LABEL = 'cluster.x-k8s.io/deployment-name';
export const SET_NAME_LABEL = 'cluster.x-k8s.io/set-name';
const HASH_LABEL = 'machine-template-hash';

interface MachineTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    clusterName: string;
    bootstrap: { dataSecretName?: string; configRef?: unknown };
    infrastructureRef: { apiVersion: string; kind: string; name: string; namespace?: string };
    version?: string;
  };
}

interface ReplicaSpec {
  clusterName: string;
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  template: MachineTemplate;
}

const specOf = (obj: KubeObject) => obj.spec as ReplicaSpec;
const ownedBy = (obj: KubeObject, owner: KubeObject) => ownerReferencesOf(obj).some((o) => o.uid === owner.metadata.uid);
const statusOf = (obj: KubeObject) => (obj.status ?? {}) as Record<string, unknown>;

function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function templateHash(template: MachineTemplate): string {
  return createHash('sha256').update(JSON.stringify(template.spec)).digest('hex').slice(0, 8);
}

function machineIsReady(machine: KubeObject): boolean {
  const status = statusOf(machine);
  return status.phase === 'Running' && Boolean(status.nodeRef);
}

export async function reconcileMachineDeployment(ctx: OperatorContext, md: KubeObject): Promise<void> {
  if (isDeleting(md)) return;
  const { kube } = ctx;
  const spec = specOf(md);
  const ns = md.metadata.namespace;
  const cluster = await kube.find({ apiVersion: CLUSTER_API, kind: 'Cluster', name: spec.clusterName, namespace: ns });
  if (cluster) await ensureOwner(kube, md, cluster);
  if (md.metadata.labels?.[CLUSTER_NAME_LABEL] !== spec.clusterName) {
    await mergePatch(kube, refOfObject(md), { metadata: { labels: { [CLUSTER_NAME_LABEL]: spec.clusterName } } });
  }
  const hash = templateHash(spec.template);
  const replicas = spec.replicas ?? 1;
  const sets = (await kube.list(CLUSTER_API, 'MachineSet', ns, `${DEPLOYMENT_NAME_LABEL}=${md.metadata.name}`)).filter((s) => ownedBy(s, md));
  const name = `${md.metadata.name}-${hash}`;
  const labels = { ...(spec.selector?.matchLabels ?? {}), [HASH_LABEL]: hash, [DEPLOYMENT_NAME_LABEL]: md.metadata.name, [CLUSTER_NAME_LABEL]: spec.clusterName };
  let current = sets.find((s) => s.metadata.name === name);
  if (!current) {
    current = await createIfAbsent(kube, {
      apiVersion: CLUSTER_API,
      kind: 'MachineSet',
      metadata: { name, namespace: ns, labels, ownerReferences: [controllerReference(md)] } as KubeObject['metadata'],
      spec: {
        clusterName: spec.clusterName,
        replicas,
        selector: { matchLabels: labels },
        template: { metadata: { labels: { ...(spec.template.metadata?.labels ?? {}), ...labels } }, spec: spec.template.spec },
      },
    });
    ctx.log(LOG, `MachineDeployment ${ns}/${md.metadata.name}: MachineSet ${name} created (${replicas} replicas)`);
  } else if ((specOf(current).replicas ?? 1) !== replicas) {
    await mergePatch(kube, refOfObject(current), { spec: { replicas } });
    ctx.log(LOG, `MachineDeployment ${ns}/${md.metadata.name}: scaled to ${replicas}`);
  }
  // A changed template replaces the machines: the old MachineSets go once the new one exists.
  for (const old of sets) if (old.metadata.name !== name && !isDeleting(old)) await kube.delete(refOfObject(old));

  const all = sets.length > 0 ? sets : [current];
  const sum = (key: string) => all.reduce((acc, s) => acc + Number(statusOf(s)[key] ?? 0), 0);
  const ready = sum('readyReplicas');
  const total = sum('replicas');
  const phase = total < replicas ? 'ScalingUp' : total > replicas ? 'ScalingDown' : ready === replicas ? 'Running' : 'ScalingUp';
  const available = ready >= replicas;
  let conditions = statusOf(md).conditions;
  conditions = setCondition(conditions, available ? { type: 'Available', status: 'True' } : { type: 'Available', status: 'False', reason: 'WaitingForAvailableMachines', severity: 'Warning', message: `${ready} of ${replicas} machines ready` });
  conditions = setCondition(conditions, available ? { type: 'Ready', status: 'True' } : { type: 'Ready', status: 'False', reason: 'WaitingForAvailableMachines', severity: 'Warning', message: `${ready} of ${replicas} machines ready` });
  const next = {
    replicas: total,
    readyReplicas: ready,
    availableReplicas: ready,
    updatedReplicas: Number(statusOf(current).replicas ?? 0),
    unavailableReplicas: Math.max(0, replicas - ready),
    selector: selectorString(spec.selector?.matchLabels ?? {}),
    phase,
    observedGeneration: md.metadata.generation,
    conditions,
  };
  const status = statusOf(md);
  if (differs(Object.fromEntries(Object.keys(next).map((k) => [k, status[k]])), next)) await patchStatus(kube, md, next);
}

function indexOf(machine: KubeObject, set: KubeObject): number {
  return Number(machine.metadata.name.slice(set.metadata.name.length + 1));
}

async function createMachine(ctx: OperatorContext, set: KubeObject, name: string): Promise<void> {
  const { kube } = ctx;
  const spec = specOf(set);
  const ns = set.metadata.namespace;
  const labels = { ...(spec.template.metadata?.labels ?? {}), [SET_NAME_LABEL]: set.metadata.name, [CLUSTER_NAME_LABEL]: spec.clusterName };
  const infraRef = spec.template.spec.infrastructureRef;
  const template = await kube.find({ apiVersion: infraRef.apiVersion, kind: infraRef.kind, name: infraRef.name, namespace: infraRef.namespace ?? ns });
  if (!template) throw new Error(`${infraRef.kind} ${ns}/${infraRef.name} not found: cannot create the machines of MachineSet ${set.metadata.name}`);
  const infraKind = infraRef.kind.replace(/Template$/, '');
  const infraTemplate = (template.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: unknown } }).template ?? {};
  // Infrastructure machine first, as Cluster API does: the Machine then refers to something that exists. Owned by
  // the MachineSet until the Machine takes it over: a Machine removed before it ever ran (the set deleted meanwhile)
  // cannot leave it, and its VM, behind.
  await createIfAbsent(kube, {
    apiVersion: infraRef.apiVersion,
    kind: infraKind,
    metadata: {
      name,
      namespace: ns,
      ownerReferences: [ownerReference(set, false)],
      labels: { ...(infraTemplate.metadata?.labels ?? {}), ...labels },
      annotations: { 'cluster.x-k8s.io/cloned-from-name': infraRef.name, 'cluster.x-k8s.io/cloned-from-groupkind': `${infraKind}Template.${infraRef.apiVersion.split('/')[0]}` },
    } as KubeObject['metadata'],
    spec: infraTemplate.spec ?? {},
  });
  await createIfAbsent(kube, {
    apiVersion: CLUSTER_API,
    kind: 'Machine',
    metadata: { name, namespace: ns, labels, ownerReferences: [controllerReference(set)] } as KubeObject['metadata'],
    spec: {
      clusterName: spec.clusterName,
      bootstrap: spec.template.spec.bootstrap,
      infrastructureRef: { apiVersion: infraRef.apiVersion, kind: infraKind, name, namespace: ns },
      ...(spec.template.spec.version ? { version: spec.template.spec.version } : {}),
    },
  });
  ctx.log(LOG, `MachineSet ${ns}/${set.metadata.name}: Machine ${name} created`);
}

export async function reconcileMachineSet(ctx: OperatorContext, set: KubeObject): Promise<void> {
  if (isDeleting(set)) return;
  const { kube } = ctx;
  const spec = specOf(set);
  const ns = set.metadata.namespace;
  const replicas = spec.replicas ?? 1;
  const machines = (await kube.list(CLUSTER_API, 'Machine', ns, `${SET_NAME_LABEL}=${set.metadata.name}`)).filter((m) => ownedBy(m, set));
  const active = machines.filter((m) => !isDeleting(m)).sort((a, b) => indexOf(a, set) - indexOf(b, set));
  if (active.length < replicas) {
    const used = new Set(machines.map((m) => indexOf(m, set)));
    let created = 0;
    for (let i = 0; created < replicas - active.length; i++) {
      if (used.has(i)) continue;
      await createMachine(ctx, set, `${set.metadata.name}-${i}`);
      created++;
    }
  } else if (active.length > replicas) {
    for (const extra of active.slice(replicas).reverse()) {
      await kube.delete(refOfObject(extra));
      ctx.log(LOG, `MachineSet ${ns}/${set.metadata.name}: Machine ${extra.metadata.name} deleted (scale down to ${replicas})`);
    }
  }
  const ready = active.filter(machineIsReady).length;
  const next = {
    replicas: active.length,
    fullyLabeledReplicas: active.length,
    readyReplicas: ready,
    availableReplicas: ready,
    selector: selectorString(spec.selector?.matchLabels ?? {}),
    observedGeneration: set.metadata.generation,
  };
  const status = statusOf(set);
  if (differs(Object.fromEntries(Object.keys(next).map((k) => [k, status[k]])), next)) await patchStatus(kube, set, next);
}
