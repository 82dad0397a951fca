// What every step-7 activity shares: unclassified errors turned into
// retryable failures with the action named, and the skip when Prometheus is not configured.
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

export const NO_PROMETHEUS = 'monitoring.prometheus is not set (PROMETHEUS_ENDPOINT): Prometheus was not checked; set it to the Prometheus base URL to verify that Proxmox metrics are scraped';
