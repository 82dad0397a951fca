// The retry policies steps choose from, by what an attempt waits on. A failure another attempt cannot fix is
// non-retryable whatever the policy (failure-types.ts); these bound the others.
import type { StepRetry } from './types';

/** A check reads a few values: transient failures clear within seconds, so a few attempts with a short backoff. */
export const CHECK_RETRY: StepRetry = { maximumAttempts: 5, initialIntervalSeconds: 2, backoffCoefficient: 2, maximumIntervalSeconds: 30 };

/** A remote service (an SSH host, Prometheus, Grafana) that does not answer is back within seconds or not at all. */
export const SERVICE_RETRY: StepRetry = { maximumAttempts: 4, initialIntervalSeconds: 5, backoffCoefficient: 2, maximumIntervalSeconds: 60 };

/** Each attempt waits minutes on controllers (a VM clone, a volume, pods starting): few attempts, a longer backoff. */
export const WAIT_RETRY: StepRetry = { maximumAttempts: 3, initialIntervalSeconds: 10, backoffCoefficient: 2, maximumIntervalSeconds: 60 };

/** A chart install meets a locked release or an unreachable cluster now and then. */
export const INSTALL_RETRY: StepRetry = { maximumAttempts: 4, initialIntervalSeconds: 10, backoffCoefficient: 2, maximumIntervalSeconds: 120 };

/** An undo waits for deletions the cluster or Proxmox finish on their own time: a resource left behind is worse than a late end. */
export const UNDO_RETRY: StepRetry = { maximumAttempts: 10, initialIntervalSeconds: 2, backoffCoefficient: 2, maximumIntervalSeconds: 60 };
