// The step catalogue: every step the product runs, and the plan of one run chosen from it by the config.
import type { IntegrationConfig } from '../config/schema';
import { CHART_STEPS, chartSteps } from './chart-steps';
import { ALL_KUBERNETES_STEPS, kubernetesSteps } from './kubernetes-steps';
import { ALL_PROXMOX_STEPS, proxmoxSteps } from './proxmox-steps';
import type { StepDefinition } from './types';

/** Every step there is (for docs, the runbook check and `config validate --json`). */
export const CATALOGUE: StepDefinition[] = [...ALL_PROXMOX_STEPS, ...ALL_KUBERNETES_STEPS, ...CHART_STEPS];

/** The steps of one run, in catalogue order. */
export function buildPlan(config: IntegrationConfig): StepDefinition[] {
  return [...proxmoxSteps(config), ...kubernetesSteps(config), ...chartSteps(config)];
}
