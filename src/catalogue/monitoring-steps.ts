// The step-7 (monitoring) steps of phase 4. Pure data (workflow code imports it): activity names are strings,
// checked against the activity module at compile time only.
import type { MonitoringActivities } from '../activities/monitoring';
import type { IntegrationConfig } from '../config/schema';
import type { StepDefinition, StepRetry } from './types';

type ActivityName = keyof MonitoringActivities;

// Reads of Prometheus/Grafana: an unreachable server clears in seconds or not at all, so few attempts.
const CHECK_RETRY: StepRetry = { maximumAttempts: 4, initialIntervalSeconds: 5, backoffCoefficient: 2, maximumIntervalSeconds: 60 };

function step(def: Omit<StepDefinition, 'activity' | 'retry' | 'phase' | 'group' | 'startToCloseSeconds' | 'heartbeatSeconds'> & { activity: ActivityName }): StepDefinition {
  // The Prometheus checks wait up to 75 s for a first scrape, heartbeating every 2 s meanwhile.
  return { phase: 'monitoring-security', group: 'step7-monitoring', retry: CHECK_RETRY, startToCloseSeconds: 150, ...def };
}

const TARGETS = 'step7.prometheus-targets';

export const MONITORING_STEPS: StepDefinition[] = [
  step({
    id: TARGETS,
    title: 'Prometheus scrapes the Proxmox VE exporter (targets up)',
    activity: 'monitoringPrometheusTargets',
    blocking: true,
    component: 'Prometheus (prometheus-pve-exporter)',
  }),
  step({
    id: 'step7.pve-metrics',
    title: 'Proxmox metrics in Prometheus (pve_up, node, version, CPU, memory, guests, storage)',
    activity: 'monitoringPveMetrics',
    dependsOn: [TARGETS],
    blocking: true,
    component: 'Proxmox metrics',
  }),
  step({
    id: 'step7.grafana-dashboards',
    title: 'Grafana dashboard for Proxmox VE provisioned',
    activity: 'monitoringGrafanaDashboards',
    blocking: true,
    component: 'Grafana dashboards',
  }),
];

/** The monitoring steps of a run: always all three (without monitoring.prometheus the Prometheus ones skip with the reason). */
export function monitoringSteps(_config: Pick<IntegrationConfig, 'monitoring'>): StepDefinition[] {
  return [...MONITORING_STEPS];
}
