// The step catalogue: every step the product runs, and the plan of one run chosen from it by the config.
import type { IntegrationConfig } from '../config/schema';
import { CHART_STEPS, chartSteps } from './chart-steps';
import { ALL_KUBERNETES_STEPS, kubernetesSteps } from './kubernetes-steps';
import { ALL_PROXMOX_STEPS, proxmoxSteps } from './proxmox-steps';
import { VM_STEPS, vmSteps } from './vm-steps';
import { WORKER_STEPS, workerSteps } from './worker-steps';
import { CSI_STEPS, csiSteps } from './csi-steps';
import { NETWORK_STEPS, networkSteps } from './network-steps';
import { MONITORING_STEPS, monitoringSteps } from './monitoring-steps';
import { E2E_STEPS, e2eSteps } from './e2e-steps';
import type { StepDefinition } from './types';

/** Every step there is (for docs, the runbook check and `config validate --json`). */
export const CATALOGUE: StepDefinition[] = [
  ...ALL_PROXMOX_STEPS,
  ...ALL_KUBERNETES_STEPS,
  ...CHART_STEPS,
  ...VM_STEPS,
  ...WORKER_STEPS,
  ...CSI_STEPS,
  ...NETWORK_STEPS,
  ...MONITORING_STEPS,
  ...E2E_STEPS,
];

/** The steps of one run, in catalogue order. */
export function buildPlan(config: IntegrationConfig): StepDefinition[] {
  return [
    ...proxmoxSteps(config),
    ...kubernetesSteps(config),
    ...chartSteps(config),
    ...vmSteps(config),
    ...workerSteps(config),
    ...csiSteps(config),
    ...networkSteps(config),
    ...monitoringSteps(config),
    ...e2eSteps(config),
  ];
}
