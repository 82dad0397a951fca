// `--auto-approve`: every gate's policy set to auto in the run's input, so the history shows how the gates passed, and
// a blocking step that fails for good aborts the run (with nobody to decide, waiting would never end).
import { PHASE_IDS } from '../catalogue/phases';
import type { IntegrationConfig } from './schema';

export function withAutoApprove(config: IntegrationConfig): IntegrationConfig {
  const gates = Object.fromEntries(PHASE_IDS.map((p) => [p, { policy: 'auto' as const, timeout: undefined }]));
  return { ...config, gates, onStepFailure: 'abort' };
}
