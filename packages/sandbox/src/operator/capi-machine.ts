// Cluster API core's Machine reconciler: claims the infrastructure machine, reports bootstrap and infrastructure
// readiness, copies providerID and addresses, and once the VM runs registers its Node (a kwok node here, named after
// the machine, with the topology labels the Proxmox cloud controller manager sets) and sets nodeRef. Phases:
// Pending, Provisioning, Provisioned, Running; Deleting while the infrastructure machine (and so the VM) goes, after
// which the Node is deleted and the finalizer removed.
import type { KubeObject, ObjectRef } from '../../../../src/kubernetes/types';
import { KUBERNETES_VERSION } from '../kubernetes/control-plane';
import { fakeNodeManifest, nodeIsReady } from '../kubernetes/fake-node';
import type { OperatorContext } from './context';
import { addFinalizer, CLUSTER_NAME_LABEL, differs, ensureOwner, isDeleting, mergePatch, patchStatus, refOfObject, removeFinalizer, setCondition } from './kube-ops';

export const MACHINE_FINALIZER = 'machine.cluster.x-k8s.io';
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
const LOG = 'capi-core';

interface MachineSpec {
  clusterName: string;
  bootstrap: { dataSecretName?: string };
  infrastructureRef: { apiVersion: string; kind: string; name: string; namespace?: string };
  providerID?: string;
}

interface InfraStatus {
  ready?: boolean;
  addresses?: Array<{ type: string; address: string }>;
  proxmoxNode?: string;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string; severity?: string }>;
  failureReason?: string;
  failureMessage?: string;
}

const nodeRef = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Node', name });

function infraRefOf(machine: KubeObject): ObjectRef {
  const ref = (machine.spec as MachineSpec).infrastructureRef;
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, namespace: ref.namespace ?? machine.metadata.namespace };
}

async function reconcileDelete(ctx: OperatorContext, machine: KubeObject): Promise<void> {
  const infra = await ctx.kube.find(infraRefOf(machine));
  if (infra) {
    if (!isDeleting(infra)) {
      await ctx.kube.delete(infraRefOf(machine));
      ctx.log(LOG, `Machine ${machine.metadata.namespace}/${machine.metadata.name}: deleting ${infra.kind} ${infra.metadata.name}`);
    }
    return;
  }
  const node = (machine.status as { nodeRef?: { name: string } } | undefined)?.nodeRef?.name;
  if (node && (await ctx.kube.delete(nodeRef(node)))) ctx.log(LOG, `Machine ${machine.metadata.namespace}/${machine.metadata.name}: Node ${node} deleted`);
  await removeFinalizer(ctx.kube, machine, MACHINE_FINALIZER);
}

/** The Node of a running machine, created once; resolves to the Node when it is Ready. */
async function ensureNode(ctx: OperatorContext, machine: KubeObject, providerID: string, zone: string): Promise<KubeObject | undefined> {
  const name = machine.metadata.name;
  let node = await ctx.kube.find(nodeRef(name));
  if (!node) {
    const manifest = fakeNodeManifest(name, { [REGION_LABEL]: zone, [ZONE_LABEL]: zone, [CLUSTER_NAME_LABEL]: (machine.spec as MachineSpec).clusterName }, { kubeletVersion: KUBERNETES_VERSION, cpu: '2', memory: '4Gi' }) as KubeObject;
    node = await ctx.kube.apply({ ...manifest, spec: { ...(manifest.spec as object), providerID } }, { force: false });
    ctx.log(LOG, `Machine ${machine.metadata.namespace}/${name}: Node ${name} registered (${providerID})`);
  }
  return nodeIsReady(node as never) ? node : undefined;
}

export async function reconcileMachine(ctx: OperatorContext, machine: KubeObject): Promise<void> {
  const { kube } = ctx;
  if (isDeleting(machine)) {
    await reconcileDelete(ctx, machine);
    const phase = (machine.status as { phase?: string } | undefined)?.phase;
    if (phase !== 'Deleting' && (await kube.find(refOfObject(machine)))) await patchStatus(kube, machine, { phase: 'Deleting' });
    return;
  }
  machine = await addFinalizer(kube, machine, MACHINE_FINALIZER);
  const spec = machine.spec as MachineSpec;
  const ns = machine.metadata.namespace;
  const status = (machine.status ?? {}) as Record<string, unknown>;
  let conditions = status.conditions;

  const dataSecret = spec.bootstrap?.dataSecretName;
  const bootstrapReady = Boolean(dataSecret && (await kube.find({ apiVersion: 'v1', kind: 'Secret', name: dataSecret, namespace: ns })));
  conditions = setCondition(conditions, bootstrapReady ? { type: 'BootstrapReady', status: 'True' } : { type: 'BootstrapReady', status: 'False', reason: 'WaitingForDataSecret', severity: 'Info', message: dataSecret ? `Secret ${dataSecret} not found` : 'no bootstrap data secret' });

  const infra = await kube.find(infraRefOf(machine));
  const infraStatus = (infra?.status ?? {}) as InfraStatus;
  if (infra) {
    await ensureOwner(kube, infra, machine);
    if (infra.metadata.labels?.[CLUSTER_NAME_LABEL] !== spec.clusterName) {
      await mergePatch(kube, refOfObject(infra), { metadata: { labels: { [CLUSTER_NAME_LABEL]: spec.clusterName } } });
    }
  }
  const infraReady = Boolean(infraStatus.ready);
  const infraCondition = (infraStatus.conditions ?? []).find((c) => c.type === 'Ready');
  conditions = setCondition(
    conditions,
    infraReady
      ? { type: 'InfrastructureReady', status: 'True' }
      : { type: 'InfrastructureReady', status: 'False', reason: infraCondition?.reason ?? 'WaitingForInfrastructure', message: infraCondition?.message, severity: (infraCondition?.severity as 'Info') ?? 'Info' },
  );

  const providerID = (infra?.spec as { providerID?: string } | undefined)?.providerID;
  if (providerID && spec.providerID !== providerID) await mergePatch(kube, refOfObject(machine), { spec: { providerID } });

  let ref = status.nodeRef as { name: string } | undefined;
  if (!ref && infraReady && providerID) {
    const node = await ensureNode(ctx, machine, providerID, infraStatus.proxmoxNode ?? 'unknown');
    if (node) ref = { apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid } as never;
  }
  conditions = setCondition(conditions, ref ? { type: 'NodeHealthy', status: 'True' } : { type: 'NodeHealthy', status: 'False', reason: 'WaitingForNodeRef', severity: 'Info' });
  const phase = ref ? 'Running' : infraReady ? 'Provisioned' : bootstrapReady ? 'Provisioning' : 'Pending';
  const notReady = (conditions as Array<{ type: string; status: string; reason?: string; message?: string; severity?: string }>).find((c) => c.type !== 'Ready' && c.status !== 'True');
  conditions = setCondition(conditions, notReady ? { type: 'Ready', status: 'False', reason: notReady.reason, message: notReady.message, severity: notReady.severity as 'Info' } : { type: 'Ready', status: 'True' });

  const next: Record<string, unknown> = {
    bootstrapReady,
    infrastructureReady: infraReady,
    phase,
    ...(ref ? { nodeRef: ref } : {}),
    ...(infraStatus.addresses ? { addresses: infraStatus.addresses } : {}),
    ...(infraStatus.failureReason ? { failureReason: infraStatus.failureReason, failureMessage: infraStatus.failureMessage } : {}),
    observedGeneration: machine.metadata.generation,
    conditions,
  };
  if (differs(Object.fromEntries(Object.keys(next).map((k) => [k, status[k]])), next)) {
    await patchStatus(kube, machine, next);
    if (status.phase !== phase) ctx.log(LOG, `Machine ${ns}/${machine.metadata.name} ${phase}`);
  }
}
