// What a running step is doing right now, read from its activity's last heartbeat (e.g. the provider's
// "VMProvisioned: Cloning" while a VM clones). The workflow cannot see heartbeats; the server keeps them with the
// pending activity, so the client adds them to the progress it shows. Pure: the client passes what it read.
import type { Progress } from './progress';

export interface PendingActivity {
  activityType: string;
  attempt: number;
  /** The last heartbeat's first detail, decoded. */
  detail?: unknown;
  lastFailure?: string;
}

/** One line for a heartbeat detail: its `message` when it has one, else its fields as key=value. */
export function describeDetail(detail: unknown): string | undefined {
  if (detail === undefined || detail === null) return undefined;
  if (typeof detail === 'string') return detail;
  if (typeof detail !== 'object') return String(detail);
  const record = detail as Record<string, unknown>;
  if (typeof record.message === 'string') return record.message;
  const parts = Object.entries(record)
    .filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** Progress with `live` set on each running step whose activity is pending on the server. */
export function withLiveActivity(progress: Progress, activityOfStep: Record<string, string>, pending: PendingActivity[]): Progress {
  if (pending.length === 0) return progress;
  const byType = new Map(pending.map((p) => [p.activityType, p]));
  return {
    ...progress,
    steps: progress.steps.map((step) => {
      const activity = activityOfStep[step.id];
      const p = step.state === 'running' && activity ? byType.get(activity) : undefined;
      if (!p) return step;
      const live = [describeDetail(p.detail), p.attempt > 1 && p.lastFailure ? `attempt ${p.attempt}, last failure: ${p.lastFailure}` : undefined]
        .filter(Boolean)
        .join('; ');
      return live ? { ...step, live } : step;
    }),
  };
}
