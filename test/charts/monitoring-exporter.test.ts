// The monitoring chart's prometheus-pve-exporter: rendered with the real helm for each monitoring stack (the
// VictoriaMetrics operator's VMServiceScrape, the Prometheus operator's ServiceMonitor, or a plain scrape job), its
// refusals naming the value, the same login file and scrape job as the sandbox's exporter and Prometheus use, and
// installed on the shared control plane, where helm picks the scrape object by what the cluster serves and the
// Prometheus operator's own CRD (from its module) validates the ServiceMonitor.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { HelmClient } from '../../src/helm/client';
import { KubeClient } from '../../src/kubernetes/client';
import type { KubeObject } from '../../src/kubernetes/types';
import { applyCrds, upstreamCrds } from '../../packages/sandbox/src/kubernetes/crds';
import { VM_SERVICE_SCRAPE_CRD } from '../../packages/sandbox/src/kubernetes/crds-local';
import { pveExporterConfigYaml } from '../../packages/sandbox/src/monitoring/exporter-config';
import { prometheusConfigYaml } from '../../packages/sandbox/src/monitoring/prometheus-config';
import { REPO_ROOT } from '../helpers/cli';
import { sharedControlPlane } from '../helpers/control-plane';

const CHART = join(REPO_ROOT, 'charts', 'cozy-proxmox-monitoring');
const TOKEN = { user: 'monitoring@pve', name: 'exporter', value: 'exporter-secret-value' };
const EXPORTER = { enabled: true, target: 'pve.example.com:8006', token: TOKEN };
const VM_SCRAPE_API = 'operator.victoriametrics.com/v1beta1/VMServiceScrape';
const SERVICE_MONITOR_API = 'monitoring.coreos.com/v1/ServiceMonitor';

type Obj = KubeObject & { spec?: Record<string, unknown>; data?: Record<string, string>; stringData?: Record<string, string> };

async function render(exporter: Record<string, unknown>, apiVersions: string[] = []): Promise<Obj[]> {
  const text = await new HelmClient().template({ release: 'mon', chart: CHART, namespace: 'tenant-root', values: { exporter }, apiVersions });
  return parseAllDocuments(text).map((d) => d.toJS() as Obj).filter((o) => o?.metadata?.labels?.['app.kubernetes.io/name'] === 'prometheus-pve-exporter');
}

const kinds = (objs: Obj[]) => objs.map((o) => o.kind).sort();
type Endpoint = { port: string; path: string; interval: string; scrapeTimeout: string; params: Record<string, string[]> };

describe('rendered', () => {
  test('off by default: no exporter object', async () => {
    expect(await render({ enabled: false })).toEqual([]);
  });

  test('auto: a VMServiceScrape where the VictoriaMetrics operator is served, else a ServiceMonitor, else a plain scrape job', async () => {
    expect(kinds(await render(EXPORTER, [VM_SCRAPE_API, SERVICE_MONITOR_API]))).toEqual(['Deployment', 'Secret', 'Service', 'VMServiceScrape']);
    expect(kinds(await render(EXPORTER, [SERVICE_MONITOR_API]))).toEqual(['Deployment', 'Secret', 'Service', 'ServiceMonitor']);
    expect(kinds(await render(EXPORTER))).toEqual(['ConfigMap', 'Deployment', 'Secret', 'Service']);
    expect(kinds(await render({ ...EXPORTER, scrape: { kind: 'prometheus-operator', interval: '60s', timeout: '30s' } }))).toContain('ServiceMonitor');
  });

  test('the scrape object asks the exporter for the Proxmox host with the cluster and node collectors, as the sandbox\'s Prometheus does', async () => {
    const vm = (await render(EXPORTER, [VM_SCRAPE_API])).find((o) => o.kind === 'VMServiceScrape')!;
    const endpoint = (vm.spec!.endpoints as Endpoint[])[0];
    expect(endpoint).toEqual({ port: 'http-metrics', path: '/pve', interval: '60s', scrapeTimeout: '30s', params: { target: ['pve.example.com:8006'], module: ['default'], cluster: ['1'], node: ['1'] } });
    const sandboxJob = (parse(prometheusConfigYaml({ exporterAddress: '127.0.0.1:9221', target: 'pve.example.com:8006', scrapeIntervalSeconds: 15 })) as { scrape_configs: Array<{ metrics_path: string; params: Record<string, string[]> }> }).scrape_configs[0];
    const { target: _target, ...collectors } = endpoint.params;
    expect(collectors).toEqual(sandboxJob.params);
    expect(endpoint.path).toBe(sandboxJob.metrics_path);

    const job = (parse((await render(EXPORTER)).find((o) => o.kind === 'ConfigMap')!.data!['scrape-config.yaml']) as Array<Record<string, unknown>>)[0];
    expect(job).toMatchObject({ metrics_path: '/pve', params: endpoint.params, static_configs: [{ targets: ['mon-pve-exporter.tenant-root.svc:9221'] }] });
  });

  test('the login file is the one the sandbox\'s exporter reads, and the Deployment runs the sandbox\'s exporter version, read-only and unprivileged', async () => {
    const objs = await render(EXPORTER);
    const secret = objs.find((o) => o.kind === 'Secret')!;
    expect(parse(secret.stringData!['pve.yml'])).toEqual(parse(pveExporterConfigYaml({ kind: 'token', tokenId: `${TOKEN.user}!${TOKEN.name}`, tokenSecret: TOKEN.value })));
    const pod = (objs.find((o) => o.kind === 'Deployment')!.spec!.template as { spec: { containers: Array<Record<string, unknown>>; securityContext: Record<string, unknown>; volumes: Array<{ projected: { sources: Array<{ secret: { name: string } }> } }> } }).spec;
    const version = /^PVE_EXPORTER_VERSION=(.+)$/m.exec(readFileSync(join(REPO_ROOT, 'scripts', 'tools', 'monitoring.sh'), 'utf8'))![1];
    expect(pod.containers[0].image).toBe(`prompve/prometheus-pve-exporter:${version}`);
    expect(pod.containers[0].args).toEqual(['--config.file=/etc/prometheus/pve.yml', '--web.listen-address=:9221']);
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.volumes[0].projected.sources[0].secret.name).toBe('mon-pve-exporter');
  });

  test('an existing Secret is mounted instead of one made from values; a missing host or login is refused naming the values', async () => {
    const objs = await render({ enabled: true, target: 'pve.example.com', existingSecret: 'pve-exporter-login' });
    expect(kinds(objs)).not.toContain('Secret');
    const pod = (objs.find((o) => o.kind === 'Deployment')!.spec!.template as { spec: { volumes: Array<{ projected: { sources: Array<{ secret: { name: string } }> } }> } }).spec;
    expect(pod.volumes[0].projected.sources[0].secret.name).toBe('pve-exporter-login');
    await expect(render({ enabled: true, token: TOKEN })).rejects.toThrow(/exporter\.enabled needs exporter\.target/);
    await expect(render({ enabled: true, target: 'pve.example.com', token: { ...TOKEN, value: '' } })).rejects.toThrow(/exporter\.existingSecret or all of exporter\.token\.user, exporter\.token\.name and exporter\.token\.value/);
    await expect(render({ ...EXPORTER, scrape: { kind: 'graphite', interval: '60s', timeout: '30s' } })).rejects.toThrow(/'\/exporter\/scrape\/kind': value must be one of 'auto'/);
  });
});

describe('installed', () => {
  const plane = sharedControlPlane();
  const namespace = `mon-exporter-${process.pid}`;
  let kube: KubeClient;
  let helm: HelmClient;
  const crdRef = (name: string) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name });
  const made: string[] = [];

  beforeAll(async () => {
    kube = await KubeClient.connect({ kubeconfig: plane.kubeconfigPath });
    helm = new HelmClient({ kubeconfig: plane.kubeconfigPath });
    const serviceMonitor = upstreamCrds('prometheusOperator').filter((crd) => crd.metadata.name === 'servicemonitors.monitoring.coreos.com');
    for (const crd of serviceMonitor) if (!(await kube.find(crdRef(crd.metadata.name)))) made.push(crd.metadata.name);
    await applyCrds(kube, serviceMonitor);
  }, 120_000);

  afterAll(async () => {
    await helm.uninstall('mon', namespace).catch(() => undefined);
    await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    for (const name of made) await kube.delete(crdRef(name));
  });

  test('on a Prometheus-operator cluster: a ServiceMonitor the operator\'s own schema accepts; once the VictoriaMetrics operator is there too, a VMServiceScrape instead', async () => {
    const values = { grafanaOperator: { enabled: false }, exporter: EXPORTER };
    await helm.upgradeInstall({ release: 'mon', chart: CHART, namespace, createNamespace: true, values });
    const monitor = await kube.find<Obj>({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', name: 'mon-pve-exporter', namespace });
    expect((monitor?.spec?.endpoints as Endpoint[])[0]).toMatchObject({ path: '/pve', params: { target: ['pve.example.com:8006'], cluster: ['1'], node: ['1'] } });
    expect(await kube.find({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'mon-pve-exporter', namespace })).toBeDefined();

    if (!(await kube.find(crdRef(VM_SERVICE_SCRAPE_CRD.metadata.name)))) made.push(VM_SERVICE_SCRAPE_CRD.metadata.name);
    await applyCrds(kube, [VM_SERVICE_SCRAPE_CRD]);
    await helm.upgradeInstall({ release: 'mon', chart: CHART, namespace, values });
    expect(await kube.find({ apiVersion: 'operator.victoriametrics.com/v1beta1', kind: 'VMServiceScrape', name: 'mon-pve-exporter', namespace })).toBeDefined();
    expect(await kube.find({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', name: 'mon-pve-exporter', namespace })).toBeUndefined();
  }, 180_000);
});
