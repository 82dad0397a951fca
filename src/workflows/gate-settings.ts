// Gate policy per phase. Defaults: the read-only assessment starts on its own; every phase that changes something
// waits for a person.
import type { PhaseId } from '../catalogue/phases';
import { durationToMs } from '../config/duration';
import type { GatePolicy, IntegrationConfig } from '../config/schema';

const DEFAULT_POLICY: Record<PhaseId, GatePolicy> = {
  preparation: 'auto',
  'basic-integration': 'manual',
  'advanced-integration': 'manual',
  'monitoring-security': 'manual',
};

export function gateSettings(config: IntegrationConfig, phase: PhaseId): { policy: GatePolicy; timeoutMs?: number } {
  const gate = config.gates[phase];
  const policy = gate?.policy ?? DEFAULT_POLICY[phase];
  return { policy, timeoutMs: gate?.timeout ? durationToMs(gate.timeout) : undefined };
}
