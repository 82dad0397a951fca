// The step-7 (monitoring) activities, by name: the worker registers them under these names.
import { monitoringGrafanaDashboards } from './grafana-dashboards';
import { monitoringPrometheusTargets } from './prometheus-targets';
import { monitoringPveMetrics } from './pve-metrics';

export const monitoringActivities = {
  monitoringPrometheusTargets,
  monitoringPveMetrics,
  monitoringGrafanaDashboards,
};

export type MonitoringActivities = typeof monitoringActivities;
