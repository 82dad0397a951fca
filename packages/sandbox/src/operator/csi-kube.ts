// Kubernetes writes of the sandbox's CSI controller: merge patches (of an object or its status subresource) that
// touch only the fields a CSI sidecar owns, finalizers, and Events recorded the way client-go's recorder does
// (one Event per object, reason and message; a repeat raises its count).
import { createHash } from 'node:crypto';
import { rawRequest } from '../../../../src/kubernetes/raw-request';
import type { KubeClient } from '../../../../src/kubernetes/client';
import type { KubeObject, ObjectRef } from '../../../../src/kubernetes/types';

export async function patchObject(kube: KubeClient, ref: ObjectRef, patch: Record<string, unknown>, subresource?: 'status'): Promise<KubeObject> {
  const path = `${await kube.collectionPath(ref)}/${encodeURIComponent(ref.name)}${subresource ? `/${subresource}` : ''}`;
  const res = await rawRequest(kube.kc, path, { method: 'PATCH', body: patch, contentType: 'application/merge-patch+json' });
  return JSON.parse(res.body) as KubeObject;
}

export function refOfObject(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
}

export function finalizersOf(obj: KubeObject): string[] {
  return (obj.metadata as { finalizers?: string[] }).finalizers ?? [];
}

/** Adds or removes a finalizer; the resourceVersion makes a concurrent change fail (and the next pass retry). */
export async function setFinalizer(kube: KubeClient, obj: KubeObject, finalizer: string, present: boolean): Promise<void> {
  const list = finalizersOf(obj);
  if (list.includes(finalizer) === present) return;
  const finalizers = present ? [...list, finalizer] : list.filter((f) => f !== finalizer);
  await patchObject(kube, refOfObject(obj), { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } });
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** Records an Event on `obj` from `component`; the same reason and message again raise the count of the one Event. */
export async function recordEvent(kube: KubeClient, obj: KubeObject, component: string, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
  const namespace = obj.metadata.namespace ?? 'default';
  const digest = createHash('sha256').update(`${obj.metadata.uid}/${reason}/${message}`).digest('hex').slice(0, 16);
  const name = `${obj.metadata.name}.${digest}`;
  const ref = { apiVersion: 'v1', kind: 'Event', name, namespace };
  const existing = await kube.find<KubeObject & { count?: number }>(ref);
  if (existing) {
    await patchObject(kube, ref, { count: (existing.count ?? 1) + 1, lastTimestamp: now() });
    return;
  }
  await kube.apply(
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion },
      reason,
      message,
      type,
      source: { component },
      reportingComponent: component,
      reportingInstance: 'cozy-sandbox-operator',
      firstTimestamp: now(),
      lastTimestamp: now(),
      count: 1,
    },
    { force: true },
  );
}

/** Per-object exponential backoff of failed attempts, as the sidecars' work queues do (1 s doubling to 30 s). */
export class Backoff {
  private readonly state = new Map<string, { failures: number; next: number }>();
  ready(key: string): boolean {
    return (this.state.get(key)?.next ?? 0) <= Date.now();
  }
  failed(key: string): void {
    const failures = (this.state.get(key)?.failures ?? 0) + 1;
    this.state.set(key, { failures, next: Date.now() + Math.min(30_000, 1000 * 2 ** (failures - 1)) });
  }
  succeeded(key: string): void {
    this.state.delete(key);
  }
}

/** Lists objects with apiVersion and kind set on every item (a list's items may come without them). */
export async function listOf<T extends KubeObject = KubeObject>(kube: KubeClient, apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]> {
  return (await kube.list<T>(apiVersion, kind, namespace, labelSelector)).map((o) => ({ ...o, apiVersion, kind }));
}
