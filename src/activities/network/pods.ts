// Test pods: created once (check, then create), then waited for until they run with an address. A pod that does not
// get there fails with what the cluster said about it (its phase, conditions and latest Event).
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject, ObjectRef } from '../../kubernetes/types';
import { describeRef } from '../../kubernetes/types';
import { eventsAbout } from '../../kubernetes/events';
import { checkFailed } from '../common/failures';
import { waitForValue, WaitTimedOut } from '../common/wait';

export type PodObject = KubeObject & {
  spec: { nodeName?: string };
  status?: { phase?: string; podIP?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
};

export async function createIfAbsent(kube: KubeClient, obj: KubeObject): Promise<KubeObject> {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
  const existing = await kube.find(ref);
  if (existing?.metadata.deletionTimestamp) {
    // Still going from an earlier cleanup: a conflict is retried, and by then it is gone.
    throw Object.assign(new Error(`${describeRef(ref)} is still being deleted`), { code: 409 });
  }
  return existing ?? kube.apply(obj, { force: false });
}

export function podIsReady(pod: PodObject | undefined): boolean {
  return pod?.status?.phase === 'Running' && Boolean(pod.status.podIP) && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The latest Event about the object, e.g. "FailedScheduling: 0/3 nodes are available ...". */
export async function latestEvent(kube: KubeClient, obj: KubeObject | undefined): Promise<string | undefined> {
  const last = (await eventsAbout(kube, obj)).pop();
  return last ? `${last.reason ?? ''}: ${last.message ?? ''}` : undefined;
}

export function describePod(pod: PodObject | undefined): string {
  if (!pod) return 'missing';
  const conditions = (pod.status?.conditions ?? []).filter((c) => c.status !== 'True').map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`);
  return `${pod.status?.phase ?? 'no phase'}${pod.spec.nodeName ? ` on ${pod.spec.nodeName}` : ', not scheduled'}${conditions.length ? `, ${conditions.join(', ')}` : ''}`;
}

/** Waits until every pod runs, is Ready and has an address; returns them by name. */
export async function waitForPods(kube: KubeClient, refs: ObjectRef[], timeoutMs: number): Promise<Map<string, PodObject>> {
  const seen = new Map<string, PodObject | undefined>();
  try {
    return await waitForValue(`pods ${refs.map((r) => r.name).join(', ')} Running`, timeoutMs, async () => {
      for (const ref of refs) seen.set(ref.name, await kube.find<PodObject>(ref));
      return refs.every((r) => podIsReady(seen.get(r.name))) ? new Map([...seen].map(([k, v]) => [k, v!])) : undefined;
    });
  } catch (err) {
    if (!(err instanceof WaitTimedOut)) throw err;
    const stuck = refs.filter((r) => !podIsReady(seen.get(r.name)));
    const why = await Promise.all(
      stuck.map(async (r) => {
        const pod = seen.get(r.name);
        const event = await latestEvent(kube, pod);
        return `${describeRef(r)} is ${describePod(pod)}${event ? `; last event ${event}` : ''}`;
      }),
    );
    throw checkFailed(`test pods did not run within ${Math.round(timeoutMs / 1000)} s: ${why.join('; ')}; check that the image can be pulled and a node has room (kubectl describe pod)`, why);
  }
}
