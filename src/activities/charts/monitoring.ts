// monitoring.chart: installs cozy-proxmox-monitoring into monitoring.namespace (CozyStack's tenant-root): the
// dashboards as GrafanaDashboards where grafana-operator's API is served, else as ConfigMaps for Grafana's sidecar;
// and, with monitoring.exporterToken, prometheus-pve-exporter with the scrape object of the stack the cluster runs
// (a VMServiceScrape where the VictoriaMetrics operator's API is served, else a ServiceMonitor, else a ConfigMap with
// a plain scrape job). The step7 checks then look for what it installed.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { defineStep } from '../../catalogue/define-step';
import { INSTALL_RETRY } from '../../catalogue/retry-policies';
import type { KubeClient } from '../../kubernetes/client';
import { kindServed } from '../../kubernetes/served';
import { exporterTarget } from '../../monitoring/exporter-target';
import { fail, FailureType } from '../common/failures';
import { resolveSecret } from '../common/secrets';
import { connect } from '../kubernetes/step-context';
import { proxmoxCaBundle } from './ca-bundle';
import { CHART_RELEASES, helmFor, installChart, installedOutcome, uninstallIfOurs } from './chart-step';

export type ScrapeKind = 'victoriametrics' | 'prometheus-operator' | 'config';

const SCRAPE_APIS: Array<{ kind: ScrapeKind; apiVersion: string; resource: string; says: string }> = [
  { kind: 'victoriametrics', apiVersion: 'operator.victoriametrics.com/v1beta1', resource: 'VMServiceScrape', says: 'a VMServiceScrape (VictoriaMetrics operator)' },
  { kind: 'prometheus-operator', apiVersion: 'monitoring.coreos.com/v1', resource: 'ServiceMonitor', says: 'a ServiceMonitor (Prometheus operator)' },
];

/** The scrape object of the stack the cluster runs, as the chart's `auto` would pick it. */
export async function scrapeKindOf(kube: KubeClient, namespace: string): Promise<{ kind: ScrapeKind; says: string }> {
  for (const api of SCRAPE_APIS) if (await kindServed(kube, api.apiVersion, api.resource, namespace)) return api;
  return { kind: 'config', says: 'no scrape operator: the plain scrape job in ConfigMap cozy-proxmox-monitoring-pve-exporter-scrape-config' };
}

async function exporterValues(input: StepInput): Promise<{ values: Record<string, unknown>; secret: string; target: string }> {
  const { proxmox, monitoring, kubernetes } = input.config;
  const token = monitoring.exporterToken!;
  if (!proxmox.url.startsWith('https://')) throw fail(FailureType.Validation, `proxmox.url ${proxmox.url} is not https://: prometheus-pve-exporter speaks HTTPS only`);
  const secret = await resolveSecret(token.secret, { kubeconfig: kubernetes.kubeconfig, context: kubernetes.context });
  const target = exporterTarget(proxmox.url);
  const { tls, caBundle } = await proxmoxCaBundle(proxmox, 'the exporter');
  const bang = token.id.indexOf('!');
  return {
    secret,
    target,
    values: {
      enabled: true,
      target,
      token: { user: token.id.slice(0, bang), name: token.id.slice(bang + 1), value: secret },
      verifySsl: tls.kind !== 'insecure',
      caBundle: caBundle ?? '',
    },
  };
}

export async function chartsInstallMonitoring(input: StepInput): Promise<StepOutcome> {
  const { monitoring } = input.config;
  const kube = await connect(input);
  if (!(await kube.find({ apiVersion: 'v1', kind: 'Namespace', name: monitoring.namespace }))) {
    throw fail(FailureType.NotFound, `monitoring.namespace ${monitoring.namespace} does not exist: set it to the namespace of the cluster's Grafana and monitoring stack (CozyStack: tenant-root)`);
  }
  const operatorDashboards = await kindServed(kube, 'grafana.integreatly.org/v1beta1', 'GrafanaDashboard', monitoring.namespace);
  const scrape = await scrapeKindOf(kube, monitoring.namespace);
  const exporter = monitoring.exporterToken ? await exporterValues(input) : undefined;
  const { info, created } = await installChart(input, helmFor(input, exporter ? [exporter.secret] : []), {
    target: CHART_RELEASES.monitoring,
    values: {
      namespaceOverride: monitoring.namespace,
      grafanaOperator: { enabled: operatorDashboards },
      sidecar: { enabled: !operatorDashboards },
      exporter: exporter ? { ...exporter.values, scrape: { kind: scrape.kind, interval: '60s', timeout: '30s' } } : { enabled: false },
    },
    // The exporter's Deployment becomes ready under the cluster's controllers.
    wait: exporter !== undefined,
    timeoutSeconds: 300,
    notes: [],
  });
  const dashboards = operatorDashboards ? 'GrafanaDashboards (grafana-operator)' : "ConfigMaps for Grafana's dashboard sidecar (grafana-operator's API is not served)";
  const details = [`dashboards in ${monitoring.namespace}: ${dashboards}`];
  if (exporter) {
    details.push(`prometheus-pve-exporter in ${monitoring.namespace} reads ${exporter.target} as ${monitoring.exporterToken!.id}; scraped through ${scrape.says}`, 'waited for: the exporter Deployment to be ready');
  } else {
    details.push('no exporter deployed: monitoring.exporterToken is not set (a token whose user has only PVEAuditor on /); step7 checks the exporter the cluster scrapes already');
  }
  const outcome = installedOutcome(info, created, `cozy-proxmox-monitoring installed (revision ${info.revision}) in ${monitoring.namespace}${exporter ? `, with prometheus-pve-exporter scraped through ${scrape.kind}` : ', dashboards only'}`, details);
  return { ...outcome, outputs: { ...outcome.outputs, objectsNamespace: monitoring.namespace, exporter: exporter !== undefined, scrapeKind: exporter ? scrape.kind : 'none', dashboards: operatorDashboards ? 'grafana-operator' : 'sidecar' } };
}

export function chartsUninstallMonitoring(input: StepInput): Promise<void> {
  return uninstallIfOurs(input, CHART_RELEASES.monitoring);
}

export const monitoringChartStep = defineStep({
  id: 'monitoring.chart',
  phase: 'monitoring-security',
  // Not counted as the plan's step7-monitoring by itself: a chart proves nothing about metrics arriving.
  title: 'Install the cozy-proxmox-monitoring chart (dashboards, prometheus-pve-exporter and its scrape object)',
  blocking: true,
  startToCloseSeconds: 420,
  retry: INSTALL_RETRY,
  run: chartsInstallMonitoring,
  // helm uninstall --wait is given 300 s; the undo a minute more.
  undo: { when: 'on-failure', startToCloseSeconds: 360, run: chartsUninstallMonitoring },
});
