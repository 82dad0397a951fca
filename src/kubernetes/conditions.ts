// Status conditions as Kubernetes, Flux and Cluster API set them (status.conditions[] with type/status/reason).
import type { Condition, KubeObject } from './types';

export function conditionsOf(obj: unknown): Condition[] {
  const list = (obj as { status?: { conditions?: unknown } } | undefined)?.status?.conditions;
  return Array.isArray(list) ? (list.filter((c) => c && typeof c === 'object' && 'type' in c) as Condition[]) : [];
}

export function findCondition(obj: unknown, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

export function conditionIsTrue(obj: unknown, type: string): boolean {
  return findCondition(obj, type)?.status === 'True';
}

/**
 * "Ready=False (InstallFailed: chart not found)" for each condition; for objects whose status is counters instead
 * (DaemonSets, Deployments without conditions) those counters, e.g. "desiredNumberScheduled=2, numberReady=1".
 */
export function describeConditions(obj: KubeObject | undefined): string {
  if (!obj) return 'object not found';
  const list = conditionsOf(obj);
  if (list.length === 0) {
    const status = (obj as { status?: Record<string, unknown> }).status ?? {};
    const counters = Object.entries(status).filter(([, v]) => typeof v === 'number');
    return counters.length > 0 ? counters.map(([k, v]) => `${k}=${v as number}`).join(', ') : 'no conditions';
  }
  return list
    .map((c) => {
      const why = [c.reason, c.message].filter(Boolean).join(': ');
      return `${c.type}=${c.status}${why ? ` (${why})` : ''}`;
    })
    .join(', ');
}
