// What the Cluster API and CAPMOX controllers of the sandbox operator share: JSON merge patches (so that a controller
// changes only the fields it owns, leaving the apply-managed fields of the object's creator untouched), finalizers,
// owner references and Cluster API's v1beta1 conditions.
import { rawRequest } from '../../../../src/kubernetes/raw-request';
import type { Condition, KubeObject, ObjectRef } from '../../../../src/kubernetes/types';
import type { KubeClient } from '../../../../src/kubernetes/client';

export const CLUSTER_API = 'cluster.x-k8s.io/v1beta1';
export const CAPMOX_API = 'infrastructure.cluster.x-k8s.io/v1alpha1';
export const CLUSTER_NAME_LABEL = 'cluster.x-k8s.io/cluster-name';

async function objectPath(kube: KubeClient, ref: ObjectRef): Promise<string> {
  return `${await kube.collectionPath(ref)}/${encodeURIComponent(ref.name)}`;
}

/** RFC 7386 merge patch of the object (or of its status subresource). */
export async function mergePatch(kube: KubeClient, ref: ObjectRef, patch: Record<string, unknown>, subresource?: 'status'): Promise<KubeObject> {
  const path = `${await objectPath(kube, ref)}${subresource ? `/${subresource}` : ''}`;
  const res = await rawRequest(kube.kc, path, { method: 'PATCH', body: patch, contentType: 'application/merge-patch+json' });
  return JSON.parse(res.body) as KubeObject;
}

export function patchStatus(kube: KubeClient, obj: KubeObject, status: Record<string, unknown>): Promise<KubeObject> {
  return mergePatch(kube, refOfObject(obj), { status }, 'status');
}

export function refOfObject(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
}

/** Creates the object unless one with its name exists; returns what is there. */
export async function createIfAbsent(kube: KubeClient, obj: KubeObject): Promise<KubeObject> {
  const existing = await kube.find(refOfObject(obj));
  if (existing) return existing;
  return kube.apply(obj, { force: false });
}

export function finalizersOf(obj: KubeObject): string[] {
  return ((obj.metadata as { finalizers?: string[] }).finalizers ?? []).slice();
}

export function isDeleting(obj: KubeObject): boolean {
  return Boolean(obj.metadata.deletionTimestamp);
}

/** Adds the finalizer (no-op when present). The resourceVersion makes a concurrent change fail instead of being lost. */
export async function addFinalizer(kube: KubeClient, obj: KubeObject, finalizer: string): Promise<KubeObject> {
  const list = finalizersOf(obj);
  if (list.includes(finalizer)) return obj;
  return mergePatch(kube, refOfObject(obj), { metadata: { finalizers: [...list, finalizer], resourceVersion: obj.metadata.resourceVersion } });
}

export async function removeFinalizer(kube: KubeClient, obj: KubeObject, finalizer: string): Promise<void> {
  const list = finalizersOf(obj);
  if (!list.includes(finalizer)) return;
  await mergePatch(kube, refOfObject(obj), { metadata: { finalizers: list.filter((f) => f !== finalizer), resourceVersion: obj.metadata.resourceVersion } });
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export function ownerReferencesOf(obj: KubeObject): OwnerReference[] {
  return (obj.metadata as { ownerReferences?: OwnerReference[] }).ownerReferences ?? [];
}

export function ownerOfKind(obj: KubeObject, kind: string): OwnerReference | undefined {
  return ownerReferencesOf(obj).find((o) => o.kind === kind);
}

/** An owner reference; a controller one (the default) also blocks the owner's foreground deletion. */
export function ownerReference(owner: KubeObject, controller = true): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? '', controller, blockOwnerDeletion: controller };
}

export function controllerReference(owner: KubeObject): OwnerReference {
  return ownerReference(owner);
}

/** Sets `owner` as the controller owner of `obj` unless it already is. */
export async function ensureOwner(kube: KubeClient, obj: KubeObject, owner: KubeObject): Promise<void> {
  if (ownerReferencesOf(obj).some((o) => o.uid === owner.metadata.uid)) return;
  const others = ownerReferencesOf(obj).filter((o) => !o.controller);
  await mergePatch(kube, refOfObject(obj), { metadata: { ownerReferences: [...others, controllerReference(owner)] } });
}

export interface V1Beta1Condition extends Condition {
  lastTransitionTime: string;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Sets one condition the way Cluster API's conditions helpers do: a True condition carries no severity; the
 * transition time changes only when the status does.
 */
export function setCondition(list: unknown, next: Omit<Condition, 'lastTransitionTime'>): V1Beta1Condition[] {
  const current = Array.isArray(list) ? (list as V1Beta1Condition[]) : [];
  const previous = current.find((c) => c.type === next.type);
  const condition: V1Beta1Condition = {
    type: next.type,
    status: next.status,
    ...(next.status === 'True' ? {} : { severity: next.severity ?? 'Info' }),
    ...(next.reason ? { reason: next.reason } : {}),
    ...(next.message ? { message: next.message } : {}),
    lastTransitionTime: previous && previous.status === next.status ? previous.lastTransitionTime : now(),
  };
  const others = current.filter((c) => c.type !== next.type);
  // Ready first, then the rest by type, as Cluster API orders them.
  return [condition, ...others].sort((a, b) => (a.type === 'Ready' ? -1 : b.type === 'Ready' ? 1 : a.type.localeCompare(b.type)));
}

/** Whether a status patch would change anything (so unchanged passes write nothing). */
export function differs(current: unknown, next: unknown): boolean {
  return canonical(current ?? null) !== canonical(next ?? null);
}

// The apiserver returns object keys sorted: compare with sorted keys so that key order is no difference.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
