// step7.grafana-dashboards: the project's Proxmox VE dashboard is provisioned.
//   - monitoring.grafana set: found through Grafana's HTTP API (/api/search, then /api/dashboards/uid/<uid> for its
//     panels), with the bearer token from monitoring.grafanaToken.
//   - otherwise: the object that provisions it exists in the cluster (CozyStack: a grafana-operator GrafanaDashboard;
//     or a ConfigMap labelled for Grafana's dashboard sidecar), and the step says Grafana itself was not checked.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { describeConditions } from '../../kubernetes/conditions';
import { isMissingResourceType } from '../../kubernetes/errors';
import { type KubeObject } from '../../kubernetes/types';
import { clientFactories } from '../common/clients';
import { checkFailed } from '../common/failures';
import { resolveSecret } from '../common/secrets';
import { runKubernetesStep } from '../kubernetes/step-context';
import {
  CHART_NAME,
  DASHBOARD_TITLE,
  DASHBOARD_UID,
  DASHBOARD_UID_LABEL,
  GRAFANA_DASHBOARD_API,
  GRAFANA_DASHBOARD_KIND,
  SIDECAR_LABEL,
} from './dashboard-identity';
import { cancellationSignal, heartbeat, runMonitoringStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';
import { SERVICE_RETRY } from '../../catalogue/retry-policies';

const INSTALL_HINT = `install it with the ${CHART_NAME} chart: \`helm upgrade --install ${CHART_NAME} charts/${CHART_NAME} -n tenant-root\` (the namespace of CozyStack's Grafana)`;

async function viaGrafana(input: StepInput, grafana: string): Promise<StepOutcome> {
  const k8s = { kubeconfig: input.config.kubernetes.kubeconfig, context: input.config.kubernetes.context };
  const token = input.config.monitoring.grafanaToken ? await resolveSecret(input.config.monitoring.grafanaToken, k8s) : undefined;
  const client = clientFactories().grafana({ baseUrl: grafana, token, signal: cancellationSignal() });
  const base = client.baseUrl;
  heartbeat(`searching Grafana at ${base} for "${DASHBOARD_TITLE}"`);
  const hits = await client.searchDashboards(DASHBOARD_TITLE);
  const hit = hits.find((h) => h.uid === DASHBOARD_UID) ?? hits.find((h) => h.title === DASHBOARD_TITLE);
  if (!hit) {
    const seen = hits.map((h) => `${h.title} (${h.uid})`).join(', ') || 'none';
    const auth = token ? '' : ' (no monitoring.grafanaToken was given: an anonymous search sees only public dashboards)';
    throw checkFailed(`Grafana at ${base} has no dashboard "${DASHBOARD_TITLE}" (uid ${DASHBOARD_UID}); search found: ${seen}${auth}. Fix: ${INSTALL_HINT}`);
  }
  const panels = await client.dashboardPanels(hit.uid);
  const details = [
    `dashboard "${hit.title}" uid ${hit.uid} in folder ${hit.folderTitle ?? 'General'}${hit.url ? ` at ${base}${hit.url}` : ''}`,
    `${panels.length} panel(s): ${panels.map((p) => p.title).filter(Boolean).join(', ')}`,
  ];
  return {
    status: 'passed',
    message: `Grafana at ${base} serves the dashboard "${hit.title}" (${panels.length} panels)`,
    details,
    metrics: { panels: panels.length },
    outputs: { dashboardUid: hit.uid },
  };
}

const where = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

function inCluster(input: StepInput): Promise<StepOutcome> {
  return runKubernetesStep(input, 'look for the Grafana dashboard objects', async (client) => {
    const selector = `${DASHBOARD_UID_LABEL}=${DASHBOARD_UID}`;
    let dashboards: KubeObject[] = [];
    let operatorInstalled = true;
    try {
      dashboards = await client.list(GRAFANA_DASHBOARD_API, GRAFANA_DASHBOARD_KIND, undefined, selector);
    } catch (err) {
      if (!isMissingResourceType(err)) throw err;
      operatorInstalled = false;
    }
    const configMaps = await client.list('v1', 'ConfigMap', undefined, `${selector},${SIDECAR_LABEL}`);
    const details = [
      ...dashboards.map((d) => `GrafanaDashboard ${where(d)}: ${d.status ? describeConditions(d) : 'no status yet (grafana-operator has not reconciled it)'}`),
      ...configMaps.map((c) => `ConfigMap ${where(c)} labelled ${SIDECAR_LABEL} for Grafana's dashboard sidecar`),
    ];
    if (dashboards.length === 0 && configMaps.length === 0) {
      const operator = operatorInstalled ? '' : ` (the ${GRAFANA_DASHBOARD_KIND} CRD of grafana-operator is not installed either: is CozyStack's monitoring enabled?)`;
      throw checkFailed(`the dashboard "${DASHBOARD_TITLE}" is not provisioned: no ${GRAFANA_DASHBOARD_KIND} or sidecar ConfigMap labelled ${selector}${operator}. Fix: ${INSTALL_HINT}`);
    }
    const first = dashboards[0] ?? configMaps[0];
    return {
      status: 'passed',
      message: `the dashboard "${DASHBOARD_TITLE}" is provisioned (${dashboards[0] ? GRAFANA_DASHBOARD_KIND : 'ConfigMap'} ${where(first)}); Grafana itself was not checked (monitoring.grafana is not set)`,
      details,
      metrics: { grafanaDashboards: dashboards.length, sidecarConfigMaps: configMaps.length },
      outputs: { dashboardObject: where(first) },
    };
  });
}

export function monitoringGrafanaDashboards(input: StepInput): Promise<StepOutcome> {
  const grafana = input.config.monitoring.grafana;
  if (grafana) return runMonitoringStep('search Grafana for the dashboard', () => viaGrafana(input, grafana));
  return inCluster(input);
}

export const monitoringGrafanaDashboardsStep = defineStep({
  id: 'step7.grafana-dashboards',
  phase: 'monitoring-security',
  group: 'step7-monitoring',
  // What monitoring.chart installs (the dashboards, the exporter) is what this step looks for.
  dependsOn: ['monitoring.chart'],
  title: 'Grafana dashboard for Proxmox VE provisioned',
  blocking: true,
  startToCloseSeconds: 150,
  retry: SERVICE_RETRY,
  component: 'Grafana dashboards',
  run: monitoringGrafanaDashboards,
});
