// Small Kubernetes reads and writes the CSI steps share: merge patches, the Events of an object (what the
// provisioner, resizer and scheduler reported), and a polling wait that heartbeats what it waits for and stops when
// the activity is cancelled.
import { eventsAbout, type KubeClient, type KubeObject, type ObjectRef } from '../../kubernetes';
import { rawRequest } from '../../kubernetes/raw-request';
import { cancellationSignal, heartbeat } from '../common/activity-context';

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

export class PollTimeout extends Error {}

/**
 * Calls `check` every second until it returns a value, heartbeating `waitingFor`; throws PollTimeout after
 * `timeoutMs` and the activity's cancellation when it is cancelled.
 */
export async function poll<T>(waitingFor: string, timeoutMs: number, check: (elapsedMs: number) => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  for (;;) {
    const signal = cancellationSignal();
    if (signal?.aborted) throw signal.reason ?? new Error(`cancelled while waiting for ${waitingFor}`);
    const elapsedMs = Date.now() - started;
    const value = await check(elapsedMs);
    if (value !== undefined) return value;
    if (elapsedMs >= timeoutMs) throw new PollTimeout(`${waitingFor}: not within ${Math.round(timeoutMs / 1000)} s`);
    heartbeat({ waitingFor, elapsedMs });
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
