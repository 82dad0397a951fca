// What the sandbox operator's controllers share: JSON merge patches (so that a controller changes only the fields it
// owns, leaving the apply-managed fields of the object's creator untouched) and whether a status would change.
import { rawRequest } from '../../../../src/kubernetes/raw-request';
import type { KubeObject, ObjectRef } from '../../../../src/kubernetes/types';
import type { KubeClient } from '../../../../src/kubernetes/client';

export const CAPMOX_API = 'infrastructure.cluster.x-k8s.io/v1alpha1';

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
