// The Events about one object (what a controller, the scheduler or a provisioner reported of it), filtered by the
// API server by the object's uid, oldest first.
import type { KubeClient } from './client';
import type { KubeObject } from './types';

export type EventObject = KubeObject & { reason?: string; message?: string; type?: string; count?: number; lastTimestamp?: string; eventTime?: string };

export async function eventsAbout(kube: KubeClient, obj: KubeObject | undefined): Promise<EventObject[]> {
  if (!obj?.metadata.uid) return [];
  const events = await kube.list<EventObject>('v1', 'Event', obj.metadata.namespace, undefined, `involvedObject.uid=${obj.metadata.uid}`);
  const when = (e: EventObject) => String(e.lastTimestamp ?? e.eventTime ?? '');
  return events.sort((a, b) => when(a).localeCompare(when(b)));
}
