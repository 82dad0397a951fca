// How an undo (a step's compensation) is declared. An undo waits for deletions that the cluster or Proxmox finish on
// their own time, so it gets a limit of its own, sized to the waits it makes, and retries longer than a step: a
// resource left behind is worse than a late end.
import type { Compensation, StepRetry } from './types';

export const UNDO_RETRY: StepRetry = { maximumAttempts: 10, initialIntervalSeconds: 2, backoffCoefficient: 2, maximumIntervalSeconds: 60 };

export function undo<A extends string>(activity: A, when: Compensation['when'], startToCloseSeconds: number): Compensation & { activity: A } {
  return { activity, when, startToCloseSeconds, retry: UNDO_RETRY };
}
