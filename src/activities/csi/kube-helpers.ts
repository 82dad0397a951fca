// Small Kubernetes reads and writes the CSI steps share: merge patches, the Events of an object (what the
// provisioner, resizer and scheduler reported), and a polling wait that heartbeats what it waits for and stops when
// the activity is cancelled.
import { eventsAbout } from '../../kubernetes/events';
import { type KubeClient } from '../../kubernetes/client';
import { type KubeObject, type ObjectRef } from '../../kubernetes/types';
import { rawRequest } from '../../kubernetes/raw-request';

export async function mergePatch(kube: KubeClient, ref: ObjectRef, patch: Record<string, unknown>): Promise<void> {
  const path = `${await kube.collectionPath(ref)}/${encodeURIComponent(ref.name)}`;
  await rawRequest(kube.kc, path, { method: 'PATCH', body: patch, contentType: 'application/merge-patch+json' });
}

export interface EventSummary {
  reason: string;
  message: string;
  type: string;
  count: number;
}

/** Events of one object (by uid), newest last. */
export async function eventsOf(kube: KubeClient, obj: KubeObject | undefined): Promise<EventSummary[]> {
  return (await eventsAbout(kube, obj)).map((e) => ({ reason: e.reason ?? '', message: e.message ?? '', type: e.type ?? 'Normal', count: e.count ?? 1 }));
}
