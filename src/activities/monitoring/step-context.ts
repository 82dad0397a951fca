// What every step-7 activity shares: unclassified errors turned into
// retryable failures with the action named, cancellation reported as itself, and waits that heartbeat.
import type { StepOutcome } from '../../catalogue/types';
import { cancellationSignal, heartbeat } from '../common/activity-context';
import { toFailure } from '../common/to-failure';

export { cancellationSignal, heartbeat };

export async function runMonitoringStep(action: string, body: () => Promise<StepOutcome>): Promise<StepOutcome> {
  try {
    return await body();
  } catch (err) {
    throw toFailure(err, action);
  }
}

export function skipped(message: string): StepOutcome {
  return { status: 'skipped', message };
}

/** Sleeps unless the activity is cancelled (then throws the cancellation). */
export async function pause(ms: number): Promise<void> {
  const signal = cancellationSignal();
  if (signal?.aborted) throw signal.reason;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const NO_PROMETHEUS = 'monitoring.prometheus is not set (PROMETHEUS_ENDPOINT): Prometheus was not checked; set it to the Prometheus base URL to verify that Proxmox metrics are scraped';
