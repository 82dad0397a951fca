// Step 7 against real servers: the in-process Proxmox simulator, the real prometheus-pve-exporter collecting from it
// and the real Prometheus scraping the exporter (startSandboxMonitoring), a Grafana HTTP API stand-in, and the run's
// shared Kubernetes control plane with the cozy-proxmox-monitoring chart installed through the real helm.
import type { ActiveTarget } from '../../src/monitoring/prometheus';
import { isPveExporterTarget } from '../../src/activities/monitoring/prometheus-targets';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import axios from 'axios';
import { catalogueSteps, runOf } from '../helpers/steps';
import { DASHBOARD_TITLE, DASHBOARD_UID, DASHBOARD_UID_LABEL, GRAFANA_DASHBOARD_API } from '../../src/activities/monitoring/dashboard-identity';
import type { StepInput, StepOutcome } from '../../src/catalogue/types';
import { integrationConfigSchema, type IntegrationConfig, type IntegrationConfigInput } from '../../src/config/schema';
import { HelmClient } from '../../src/helm/client';
import { KubeClient } from '../../src/kubernetes/client';
import { type KubeObject } from '../../src/kubernetes/types';
import { waitForPrometheusSeries, type SandboxMonitoring } from '../../packages/sandbox/src/monitoring';
import { startExporterMonitoring } from '../helpers/exporter-monitoring';
import { repoRoot } from '../../packages/sandbox/src/processes';
import { DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { sharedControlPlane } from '../helpers/control-plane';

const NODE = 'pve1';
const GRAFANA_TOKEN = 'glsa_monitoring-test-token';
const DASHBOARD_FILE = join(repoRoot(), 'dashboards', 'proxmox-ve.json');
const CHART_DIR = join(repoRoot(), 'charts', 'cozy-proxmox-monitoring');

let sim: RunningSimulator;
let dir: string;
let monitoring: SandboxMonitoring;
let badMonitoring: SandboxMonitoring | undefined;

function config(monitoringSettings: IntegrationConfigInput['monitoring'], kubeconfig?: string): IntegrationConfig {
  return integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: 'monitoring-test' },
    proxmox: { url: sim.url, node: NODE, token: { id: DEFAULT_TOKEN_ID, secret: 'env:UNUSED_BY_STEP7' }, templateId: 9000, storage: 'local-lvm' },
    kubernetes: kubeconfig ? { kubeconfig } : {},
    monitoring: monitoringSettings,
  });
}

const input = (stepId: string, cfg: IntegrationConfig): StepInput => ({ stepId, workflowId: 'integrate-cluster-monitoring-test', config: cfg, outputs: {} });

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    return err as ApplicationFailure;
  }
  throw new Error('the step was expected to fail');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cozy-monitoring-'));
  sim = await startProxmoxSimulator({ dataDir: join(dir, 'proxmox') });
  monitoring = await startExporterMonitoring(join(dir, 'sandbox'), sim, { id: DEFAULT_TOKEN_ID, secret: DEFAULT_TOKEN_SECRET });
  await waitForPrometheusSeries(monitoring.prometheusUrl, `pve_up{id="node/${NODE}"}`, 30_000);
}, 60_000);

afterAll(async () => {
  await badMonitoring?.stop();
  await monitoring?.stop();
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the sandbox monitoring', () => {
  test('binds loopback only and keeps the credentials in an owner-only file', async () => {
    expect(monitoring.prometheusUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(monitoring.exporterUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { statSync } = await import('node:fs');
    expect(statSync(monitoring.files.exporterConfig).mode & 0o077).toBe(0);
    expect(readFileSync(monitoring.files.exporterConfig, 'utf8')).toContain('token_name: cozy');
    expect(readFileSync(monitoring.files.prometheusConfig, 'utf8')).toContain('metrics_path: /pve');
  });

  test('the real exporter collects every family it has from the simulator', async () => {
    const res = await axios.get<string>(`${monitoring.exporterUrl}/pve`, { params: { target: monitoring.target, module: 'default', cluster: '1', node: '1' }, responseType: 'text' });
    expect(res.status).toBe(200);
    const families = new Set(res.data.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.replace(/[{ ].*/, '')));
    for (const name of ['pve_up', 'pve_node_info', 'pve_version_info', 'pve_cpu_usage_ratio', 'pve_memory_usage_bytes', 'pve_disk_size_bytes', 'pve_guest_info', 'pve_storage_info', 'pve_not_backed_up_total', 'pve_subscription_info']) {
      expect(families).toContain(name);
    }
    expect(res.data).toContain(`pve_version_info{release="${sim.state.version.release}",repoid="${sim.state.version.repoid}",version="${sim.state.version.version}"} 1.0`);
  });

  test('every query of the shipped dashboard is valid PromQL with data in the sandbox', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    for (const panel of dashboard.panels) {
      for (const t of panel.targets) {
        const query = t.expr.replace(/\$instance/g, '.+').replace(/\$node/g, NODE);
        const res = await axios.get<{ status: string; data: { result: unknown[] } }>(`${monitoring.prometheusUrl}/api/v1/query`, { params: { query } });
        expect({ panel: panel.title, status: res.data.status }).toEqual({ panel: panel.title, status: 'success' });
        expect({ panel: panel.title, query, empty: res.data.data.result.length === 0 }).toEqual({ panel: panel.title, query, empty: false });
      }
    }
  });
});

describe('step7.prometheus-targets and step7.pve-metrics', () => {
  test('are skipped with the reason without monitoring.prometheus', async () => {
    for (const fn of [runOf('step7.prometheus-targets'), runOf('step7.pve-metrics')]) {
      const out = await fn(input('step7', config({})));
      expect(out.status).toBe('skipped');
      expect(out.message).toMatch(/monitoring\.prometheus is not set/);
    }
  });

  test('the exporter target is up', async () => {
    const env = new MockActivityEnvironment();
    const out = (await env.run(runOf('step7.prometheus-targets'), input('step7.prometheus-targets', config({ prometheus: monitoring.prometheusUrl })))) as StepOutcome;
    expect(out.status).toBe('passed');
    expect(out.metrics?.pveTargets).toBe(1);
    expect(out.details?.[0]).toMatch(new RegExp(`^pve/${monitoring.target.replace(/\./g, '\\.')}: up \\(scrapes http://127\\.0\\.0\\.1:\\d+/pve\\?`));
  });

  test('the Proxmox metrics of the node are in Prometheus, one detail line each', async () => {
    const out = await runOf('step7.pve-metrics')(input('step7.pve-metrics', config({ prometheus: monitoring.prometheusUrl })));
    expect(out.status).toBe('passed');
    const details = out.details ?? [];
    const line = (prefix: string) => details.find((d) => d.startsWith(prefix));
    expect(line(`pve_up{id="node/${NODE}"} = 1`)).toBeDefined();
    expect(line('pve_node_info: name=pve1')).toBeDefined();
    expect(line(`pve_version_info: version ${sim.state.version.version}`)).toBeDefined();
    expect(line(`pve_cpu_usage_ratio{id="node/${NODE}"} = `)).toBeDefined();
    expect(line(`pve_memory_usage_bytes{id="node/${NODE}"} = `)).toBeDefined();
    expect(line(`pve_disk_size_bytes{id="storage/${NODE}/local-lvm"} = `)).toBeDefined();
    expect(line(`pve_guest_info on ${NODE}: 2 guest(s)`)).toBeDefined();
    const storage = [...sim.state.nodes.get(NODE)!.storages.values()].find((s) => s.id === 'local-lvm')!;
    expect(out.metrics?.storageSizeBytes).toBe(storage.total);
    expect(out.metrics?.cpuUsageRatio).toBeGreaterThan(0);
    expect(out.outputs).toEqual({ node: NODE, pveVersion: sim.state.version.version });
  });

  test('a storage the exporter does not report fails, naming the missing series and the likely cause', async () => {
    const cfg = config({ prometheus: monitoring.prometheusUrl });
    cfg.proxmox.storage = 'ceph-missing';
    const err = await failure(runOf('step7.pve-metrics')(input('step7.pve-metrics', cfg)));
    expect(err.type).toBe('CheckFailed');
    expect(err.message).toContain(`Prometheus holds pve_up for ${NODE} but not: pve_disk_size_bytes for storage ceph-missing (pve_disk_size_bytes{id="storage/${NODE}/ceph-missing",`);
    expect(err.message).toContain('proxmox.storage names no storage of pve1');
  });

  test('an unreachable Prometheus is a retryable failure naming the URL', async () => {
    const err = await failure(runOf('step7.prometheus-targets')(input('step7.prometheus-targets', config({ prometheus: 'http://127.0.0.1:1' }))));
    expect(err.type).toBe('TransientError');
    expect(err.nonRetryable).toBe(false);
    expect(err.message).toMatch(/cannot reach Prometheus at http:\/\/127\.0\.0\.1:1\/api\/v1\/targets/);
  });

  test('scrapes that failed for a while make a warning naming the share of scrapes up; the metrics still pass', async () => {
    // Every Proxmox request answered 5xx for three scrape intervals: the exporter answers 500, Prometheus records up 0.
    sim.faults.set({ errorRate: 1 });
    await new Promise((r) => setTimeout(r, 7_000));
    sim.faults.clear();
    const target = async () => (await axios.get<{ data: { activeTargets: { health: string }[] } }>(`${monitoring.prometheusUrl}/api/v1/targets`)).data.data.activeTargets[0];
    while ((await target()).health !== 'up') await new Promise((r) => setTimeout(r, 500));
    const out = (await new MockActivityEnvironment().run(runOf('step7.prometheus-targets'), input('step7.prometheus-targets', config({ prometheus: monitoring.prometheusUrl })))) as StepOutcome;
    expect(out.status).toBe('warning');
    expect(out.message).toMatch(new RegExp(`not every scrape succeeds: pve/${monitoring.target.replace(/\./g, '\\.')} up in \\d+ of \\d+ scrapes over 5m`));
    expect(out.metrics?.failedScrapes).toBeGreaterThanOrEqual(2);
    const metrics = await runOf('step7.pve-metrics')(input('step7.pve-metrics', config({ prometheus: monitoring.prometheusUrl })));
    expect(metrics.status).toBe('passed');
  }, 60_000);

  test('a wrong token makes the exporter target fail, and the step names its lastError', async () => {
    badMonitoring = await startExporterMonitoring(join(dir, 'bad'), sim, { id: DEFAULT_TOKEN_ID, secret: '00000000-0000-4000-8000-000000000000' });
    const err = await failure(runOf('step7.prometheus-targets')(input('step7.prometheus-targets', config({ prometheus: badMonitoring.prometheusUrl }))));
    expect(err.type).toBe('CheckFailed');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(new RegExp(`1 of 1 pve exporter target\\(s\\) not up: pve/${monitoring.target.replace(/\./g, '\\.')} is down: lastError "server returned HTTP status 500`));
    expect(err.message).toMatch(/cannot log in to Proxmox/);
  }, 30_000);
});

describe('step7.grafana-dashboards', () => {
  let grafana: Server;
  let grafanaUrl: string;
  const searches: string[] = [];

  beforeAll(async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { uid: string; title: string };
    // Grafana's HTTP API for the two calls the step makes, with Grafana's answers for a bearer token.
    grafana = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== `Bearer ${GRAFANA_TOKEN}`) {
        res.statusCode = 401;
        res.end(JSON.stringify({ message: 'invalid API key' }));
        return;
      }
      if (url.pathname === '/api/search') {
        searches.push(url.search);
        const q = (url.searchParams.get('query') ?? '').toLowerCase();
        const hits = dashboard.title.toLowerCase().includes(q) ? [{ uid: dashboard.uid, title: dashboard.title, url: `/d/${dashboard.uid}/proxmox-ve`, type: 'dash-db', folderTitle: 'Proxmox' }] : [];
        res.end(JSON.stringify(hits));
      } else if (url.pathname === `/api/dashboards/uid/${dashboard.uid}`) {
        res.end(JSON.stringify({ dashboard, meta: { folderTitle: 'Proxmox' } }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ message: 'Not found' }));
      }
    });
    await new Promise<void>((r) => grafana.listen(0, '127.0.0.1', r));
    grafanaUrl = `http://127.0.0.1:${(grafana.address() as AddressInfo).port}`;
    process.env.MONITORING_TEST_GRAFANA_TOKEN = GRAFANA_TOKEN;
    process.env.MONITORING_TEST_WRONG_TOKEN = 'glsa_wrong';
  });

  afterAll(async () => {
    await new Promise((r) => grafana.close(r));
    delete process.env.MONITORING_TEST_GRAFANA_TOKEN;
    delete process.env.MONITORING_TEST_WRONG_TOKEN;
  });

  test('with monitoring.grafana: found through the search API with the bearer token', async () => {
    const out = await runOf('step7.grafana-dashboards')(input('step7.grafana-dashboards', config({ grafana: grafanaUrl, grafanaToken: 'env:MONITORING_TEST_GRAFANA_TOKEN' })));
    expect(out.status).toBe('passed');
    expect(out.message).toBe(`Grafana at ${grafanaUrl} serves the dashboard "${DASHBOARD_TITLE}" (12 panels)`);
    expect(out.outputs).toEqual({ dashboardUid: DASHBOARD_UID });
    expect(searches.at(-1)).toContain('type=dash-db');
  });

  test('a rejected Grafana token is an auth failure, not retried', async () => {
    const err = await failure(runOf('step7.grafana-dashboards')(input('step7.grafana-dashboards', config({ grafana: grafanaUrl, grafanaToken: 'env:MONITORING_TEST_WRONG_TOKEN' }))));
    expect(err.type).toBe('AuthError');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('rejected the credentials (HTTP 401)');
  });

  test('without monitoring.grafana: the GrafanaDashboard the chart provisions, and Grafana itself not checked', async () => {
    const plane = sharedControlPlane();
    const kube = await KubeClient.connect({ kubeconfig: plane.kubeconfigPath });
    const helm = new HelmClient({ kubeconfig: plane.kubeconfigPath });
    const crdName = 'grafanadashboards.grafana.integreatly.org';
    const crdRef = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: crdName };
    // grafana-operator's CRD (as CozyStack installs it), only the fields this test needs; removed again if made here.
    const madeCrd = !(await kube.find(crdRef));
    const namespace = `mon-test-${process.pid}`;
    const cfg = config({}, plane.kubeconfigPath);
    try {
      let err = await failure(runOf('step7.grafana-dashboards')(input('step7.grafana-dashboards', cfg)));
      if (madeCrd) expect(err.message).toContain('the GrafanaDashboard CRD of grafana-operator is not installed either');
      expect(err.type).toBe('CheckFailed');
      if (madeCrd) {
        await kube.apply({
          apiVersion: crdRef.apiVersion, kind: crdRef.kind, metadata: { name: crdName },
          spec: {
            group: 'grafana.integreatly.org', scope: 'Namespaced',
            names: { kind: 'GrafanaDashboard', listKind: 'GrafanaDashboardList', plural: 'grafanadashboards', singular: 'grafanadashboard' },
            versions: [{ name: 'v1beta1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
          },
        } as KubeObject);
        await waitForList(kube);
      }
      err = await failure(runOf('step7.grafana-dashboards')(input('step7.grafana-dashboards', cfg)));
      expect(err.message).toContain(`no GrafanaDashboard or sidecar ConfigMap labelled ${DASHBOARD_UID_LABEL}=${DASHBOARD_UID}`);
      expect(err.message).toContain('helm upgrade --install cozy-proxmox-monitoring');

      await helm.upgradeInstall({ release: 'cozy-proxmox-monitoring', chart: CHART_DIR, namespace, createNamespace: true });
      const out = await runOf('step7.grafana-dashboards')(input('step7.grafana-dashboards', cfg));
      expect(out.status).toBe('passed');
      expect(out.message).toBe(`the dashboard "${DASHBOARD_TITLE}" is provisioned (GrafanaDashboard ${namespace}/cozy-proxmox-pve); Grafana itself was not checked (monitoring.grafana is not set)`);
      const object = await kube.get<KubeObject & { spec: { json: string; instanceSelector: unknown } }>({ apiVersion: GRAFANA_DASHBOARD_API, kind: 'GrafanaDashboard', name: 'cozy-proxmox-pve', namespace });
      expect(JSON.parse(object.spec.json)).toEqual(JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')));
      expect(object.spec.instanceSelector).toEqual({ matchLabels: { dashboards: 'grafana' } });
    } finally {
      await helm.uninstall('cozy-proxmox-monitoring', namespace).catch(() => undefined);
      await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
      if (madeCrd) await kube.delete(crdRef);
    }
  }, 50_000);
});

async function waitForList(kube: KubeClient): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await kube.list(GRAFANA_DASHBOARD_API, 'GrafanaDashboard');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

describe('the catalogue and the shipped dashboard', () => {
  test('a pve exporter target is one scraping /pve, or a job named for Proxmox that is not a /metrics target', () => {
    const target = (scrapeUrl: string, job: string) => ({ scrapeUrl, labels: { job }, health: 'up' }) as unknown as ActiveTarget;
    expect(isPveExporterTarget(target('http://127.0.0.1:9221/pve?target=pve1', 'anything'))).toBe(true);
    expect(isPveExporterTarget(target('http://exporter:9221/probe', 'proxmox'))).toBe(true);
    // The worker's own metrics, under the job name the runbook suggests: not an exporter.
    expect(isPveExporterTarget(target('http://127.0.0.1:9464/metrics', 'cozy-proxmox-worker'))).toBe(false);
    expect(isPveExporterTarget(target('http://127.0.0.1:9100/metrics', 'node'))).toBe(false);
  });

  test('four step-7 steps in phase 4, group step7-monitoring', () => {
    expect(catalogueSteps('step7.').map((s) => s.id)).toEqual(['step7.prometheus-targets', 'step7.pve-metrics', 'step7.grafana-dashboards', 'step7.logs']);
    for (const s of catalogueSteps('step7.')) {
      expect(s.phase).toBe('monitoring-security');
      expect(s.group).toBe('step7-monitoring');
      expect(s.startToCloseSeconds).toBeGreaterThan(75);
    }
  });

  test('the chart carries the repository dashboard unchanged, with the uid and title the step looks for', () => {
    const shipped = readFileSync(DASHBOARD_FILE, 'utf8');
    expect(readFileSync(join(CHART_DIR, 'dashboards', 'proxmox-ve.json'), 'utf8')).toBe(shipped);
    const dashboard = JSON.parse(shipped) as { uid: string; title: string; panels: { targets: { expr: string }[] }[] };
    expect(dashboard.uid).toBe(DASHBOARD_UID);
    expect(dashboard.title).toBe(DASHBOARD_TITLE);
    for (const metric of ['pve_up', 'pve_version_info', 'pve_cpu_usage_ratio', 'pve_memory_usage_bytes', 'pve_guest_info', 'pve_disk_size_bytes']) {
      expect(dashboard.panels.some((p) => p.targets.some((t) => t.expr.includes(metric)))).toBe(true);
    }
  });
});
