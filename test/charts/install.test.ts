// The four chart steps against a real control plane (kube-apiserver, controllers, kwok) with the upstream CRDs of
// cluster-api-operator and external-snapshotter, through the real helm binary: installs, upgrades, the atomic
// rollback of an install whose wait cannot succeed, compensation, an absent release, an unreachable cluster, and the
// Flux HelmRelease mode.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_RELEASES, CREATED_BY_LABEL } from '../../src/activities/charts/chart-step';
import { runOf, undoOf } from '../helpers/steps';
import { settlePendingRelease } from '../../src/activities/charts/chart-step';
import { toolPath } from '../../src/tools/tool-paths';
import { processesMentioning } from '../helpers/processes';
import { waitFor } from '../helpers/wait';
import { cancelMidStepThenUndo } from '../helpers/activity-run';
import type { StepInput } from '../../src/catalogue/types';
import { integrationConfigSchema } from '../../src/config/schema';
import { applyHelmRelease, helmReleaseManifest } from '../../src/helm/flux';
import { chartPath } from '../../src/helm/charts';
import { HelmClient } from '../../src/helm/client';
import { HelmTransientError } from '../../src/helm/errors';
import { releaseLabels } from '../../src/helm/release-labels';
import { KubeClient } from '../../src/kubernetes/client';
import { fetchComponents, fetchSelector } from '../helpers/provider-components';
import { type KubeObject } from '../../src/kubernetes/types';
import { sharedControlPlane, type SharedControlPlane } from '../helpers/control-plane';
import { applyCrds, upstreamCrds } from '../../packages/sandbox/src/kubernetes/crds';
import { HELM_RELEASE_CRD } from '../../packages/sandbox/src/kubernetes/crds-local';
import { CSI_VALUES, PROXMOX_URL, TOKEN_ID, TOKEN_SECRET } from './values';

const TOKEN_ENV = 'COZY_CHARTS_TEST_TOKEN';
const NEEDED_CRDS = ['infrastructureproviders.operator.cluster.x-k8s.io', 'ipamproviders.operator.cluster.x-k8s.io', 'volumesnapshotclasses.snapshot.storage.k8s.io'];

let plane: SharedControlPlane;
let kube: KubeClient;
const setAside: KubeObject[] = [];
let helm: HelmClient;

function stepInput(workflowId: string, overrides: Record<string, unknown> = {}): StepInput {
  const config = integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: 'charts' },
    proxmox: { url: PROXMOX_URL, node: 'pve1', templateId: 9000, storage: 'data', token: { id: TOKEN_ID, secret: `env:${TOKEN_ENV}` }, ...overrides },
    kubernetes: { kubeconfig: plane.kubeconfigPath, csiStorageClass: 'proxmox-rehearsal' },
  });
  return { stepId: 'charts', workflowId, config, outputs: {} };
}

function get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
  return kube.find({ apiVersion, kind, name, namespace });
}

beforeAll(async () => {
  process.env[TOKEN_ENV] = TOKEN_SECRET;
  plane = sharedControlPlane();
  await plane.addFakeNode('pve-vm-1', { 'topology.kubernetes.io/region': 'cluster-1', 'topology.kubernetes.io/zone': 'pve1' });
  kube = await KubeClient.connect({ kubeconfig: plane.kubeconfigPath });
  const upstream = [...upstreamCrds('capiOperator'), ...upstreamCrds('volumeSnapshot')];
  await applyCrds(kube, upstream.filter((crd) => NEEDED_CRDS.includes(crd.metadata.name)));
  helm = new HelmClient({ kubeconfig: plane.kubeconfigPath });
  // A suite before may have seeded the cluster's own IPAMProvider in-cluster, which capi.provider-chart would use
  // instead of the chart's: set aside while this suite runs, put back after.
  const seeded = (await kube.list('operator.cluster.x-k8s.io/v1alpha2', 'IPAMProvider')).filter((p) => p.metadata.name === 'in-cluster' && p.metadata.namespace !== 'cozy-cluster-api');
  for (const p of seeded) {
    setAside.push(p);
    await kube.delete({ apiVersion: p.apiVersion, kind: p.kind, name: p.metadata.name, namespace: p.metadata.namespace });
  }
}, 300_000);

afterAll(async () => {
  // Other suites share this cluster: what this one installed goes (a CSI cloud config left behind would point the
  // sandbox operator of a later suite at this suite's Proxmox URL).
  await undoOf('csi.chart')(stepInput('wf-charts')).catch(() => undefined);
  await undoOf('capi.provider-chart')(stepInput('wf-charts')).catch(() => undefined);
  await undoOf('worker.chart')(stepInput('wf-charts')).catch(() => undefined);
  await kube?.delete({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', name: 'proxmox-csi', namespace: 'default' }).catch(() => undefined);
  await kube?.delete({ apiVersion: 'v1', kind: 'Node', name: 'pve-vm-1' });
  for (const p of setAside) {
    const { apiVersion, kind, metadata, spec, status } = p;
    const again = { apiVersion, kind, metadata: { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels }, spec };
    await kube.apply(again);
    if (status) await kube.applyStatus({ ...again, status });
  }
  delete process.env[TOKEN_ENV];
}, 120_000);

describe('a failed install', () => {
  it('is rolled back by --atomic: no release and none of its objects remain', async () => {
    const values = { ...CSI_VALUES, storageClass: { ...CSI_VALUES.storageClass, name: 'doomed' }, controller: { nodeSelector: { 'no-such-node': 'true' } } };
    const error = await helm
      .upgradeInstall({ release: 'doomed-csi', chart: chartPath('cozy-proxmox-csi-operator'), namespace: 'doomed', values, wait: true, atomic: true, timeoutSeconds: 6 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelmTransientError);
    expect((error as Error).message).toMatch(/uninstalled due to atomic being set/);
    expect((error as Error).message).not.toContain(TOKEN_SECRET);
    expect(await helm.status('doomed-csi', 'doomed')).toBeUndefined();
    expect(await get('storage.k8s.io/v1', 'CSIDriver', 'csi.proxmox.sinextra.dev')).toBeUndefined();
    expect(await get('storage.k8s.io/v1', 'StorageClass', 'doomed')).toBeUndefined();
    expect(await kube.list('apps/v1', 'Deployment', 'doomed')).toEqual([]);
  });

  it('an object the apiserver refuses fails as a ValidationError and the release is uninstalled', async () => {
    const values = { commonLabels: { team: 'not a label value!' } };
    const error = await helm
      .upgradeInstall({ release: 'refused-worker', chart: chartPath('proxmox-worker'), namespace: 'refused', values, atomic: true, timeoutSeconds: 30 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'validation', message: expect.stringMatching(/Invalid value: "not a label value!"/) });
    expect(await helm.status('refused-worker', 'refused')).toBeUndefined();
    expect(await kube.list('v1', 'ConfigMap', 'refused', 'app.kubernetes.io/instance=refused-worker')).toEqual([]);
  });
});

describe('a helm that was stopped', () => {
  // The CSI chart with a controller that can never be scheduled: helm --wait waits until it is stopped.
  const values = { ...CSI_VALUES, storageClass: { ...CSI_VALUES.storageClass, name: 'stuck' }, controller: { nodeSelector: { 'no-such-node': 'true' } } };
  const target = { release: 'stuck-csi', namespace: 'stuck' };
  const statusOf = () => helm.status(target.release, target.namespace);
  const pending = (state: string) => waitFor(statusOf, (i) => i?.status === state, `release ${target.release} ${state}`);

  /** helm upgrade --install --wait, SIGKILLed once the release is pending, as a worker killed mid-install leaves it. */
  async function killedHelm(state: string): Promise<void> {
    const file = join(mkdtempSync(join(tmpdir(), 'cozy-stuck-')), 'values.yaml');
    writeFileSync(file, JSON.stringify(values));
    const child = execFile(toolPath('HELM', 'kubernetes'), [
      'upgrade', '--install', target.release, chartPath('cozy-proxmox-csi-operator'), `--namespace=${target.namespace}`, '--create-namespace',
      `--values=${file}`, '--wait', '--timeout=2m', `--kubeconfig=${plane.kubeconfigPath}`,
    ]);
    await pending(state);
    child.kill('SIGKILL');
    await waitFor(async () => child.exitCode !== null || child.signalCode !== null, Boolean, 'helm killed');
  }

  const remove = () => helm.uninstall(target.release, target.namespace).catch(() => undefined);
  beforeEach(remove);
  afterAll(remove);

  it('a release a killed helm left pending-install is uninstalled once no live helm can still hold it', async () => {
    await killedHelm('pending-install');
    // A live helm would still be within its --timeout: the release is left alone until then.
    const started = Date.now();
    expect(await settlePendingRelease(helm, target, 1)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(await get('storage.k8s.io/v1', 'StorageClass', 'stuck')).toBeUndefined();
  });

  it('a release a killed helm left pending-upgrade is rolled back to its last deployed revision', async () => {
    await helm.upgradeInstall({ ...target, chart: chartPath('cozy-proxmox-csi-operator'), values, wait: false });
    await killedHelm('pending-upgrade');
    const info = await settlePendingRelease(helm, target, 1);
    expect(info).toMatchObject({ status: 'deployed', revision: 3 });
    expect((await helm.history(target.release, target.namespace)).map((r) => r.status)).toEqual(['superseded', 'pending-upgrade', 'deployed']);
  });

  it('an aborted helm (a cancelled step) is ended, not left running', async () => {
    const abort = new AbortController();
    const cancellable = new HelmClient({ kubeconfig: plane.kubeconfigPath, signal: abort.signal });
    const install = cancellable.upgradeInstall({ ...target, chart: chartPath('cozy-proxmox-csi-operator'), values, wait: true, timeoutSeconds: 120 }).catch((e: unknown) => e);
    await pending('pending-install');
    const stopping = Date.now();
    abort.abort();
    expect(await install).toMatchObject({ kind: 'transient', message: expect.stringContaining('was stopped: the step was cancelled') });
    // It settled once helm had exited: nothing is left running.
    expect(Date.now() - stopping).toBeLessThan(12_000);
    expect(processesMentioning(`upgrade --install ${target.release}`)).toEqual([]);
    // Whatever the SIGTERM left (helm marks it failed, or it stays pending), the release can be settled and removed.
    await settlePendingRelease(helm, target, 1);
    await helm.uninstall(target.release, target.namespace);
    expect(await statusOf()).toBeUndefined();
  });
});

describe('the chart steps', () => {
  it('capi.provider-chart installs the InfrastructureProvider, IPAMProvider and credentials, secret kept out of the outcome', async () => {
    const outcome = await runOf('capi.provider-chart')(stepInput('wf-charts'));
    expect(outcome).toMatchObject({
      status: 'passed',
      outputs: { release: 'cozy-capi-providers-proxmox', namespace: 'cozy-cluster-api', revision: 1, chartVersion: '0.1.0', appVersion: 'v0.7.2', created: true },
    });
    expect(JSON.stringify(outcome)).not.toContain(TOKEN_SECRET);
    const provider = await get('operator.cluster.x-k8s.io/v1alpha2', 'InfrastructureProvider', 'proxmox', 'cozy-cluster-api');
    expect(provider?.spec).toMatchObject({ version: 'v0.7.2', configSecret: { name: 'cozy-capi-providers-proxmox-credentials' } });
    expect(await get('operator.cluster.x-k8s.io/v1alpha2', 'IPAMProvider', 'in-cluster', 'cozy-cluster-api')).toBeDefined();
    const secret = await get('v1', 'Secret', 'cozy-capi-providers-proxmox-credentials', 'cozy-cluster-api');
    const data = (secret as KubeObject & { data: Record<string, string> }).data;
    expect(Buffer.from(data.PROXMOX_URL, 'base64').toString()).toBe(PROXMOX_URL);
    expect(Buffer.from(data.PROXMOX_SECRET, 'base64').toString()).toBe(TOKEN_SECRET);
  });

  it("capi.provider-chart ships each provider's release components where cluster-api-operator finds them without internet access", async () => {
    for (const [kind, name, crd, version] of [
      ['InfrastructureProvider', 'proxmox', 'proxmoxmachines.infrastructure.cluster.x-k8s.io', 'v0.7.2'],
      ['IPAMProvider', 'in-cluster', 'inclusterippools.ipam.cluster.x-k8s.io', 'v1.0.3'],
    ]) {
      const provider = (await get('operator.cluster.x-k8s.io/v1alpha2', kind, name, 'cozy-cluster-api'))!;
      // Read as the operator reads them: the ConfigMaps of its fetchConfig.selector, the one of its version, the
      // metadata's release series, the components gunzipped.
      const components = await fetchComponents(kube, provider, fetchSelector(provider)!);
      expect(components.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name)).toContain(crd);
      const manager = components.find((o) => o.kind === 'Deployment')!;
      const images = (manager.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers.map((c) => c.image);
      expect(images.some((i) => i.endsWith(`:${version}`))).toBe(true);
      expect(components.some((o) => o.kind === 'ValidatingWebhookConfiguration')).toBe(true);
    }
  });

  it('capi.provider-chart run again upgrades in place, and hands the provider the API root of a /api2/json URL', async () => {
    const outcome = await runOf('capi.provider-chart')(stepInput('wf-charts', { url: `${PROXMOX_URL}/api2/json` }));
    expect(outcome.status).toBe('warning');
    expect(outcome.outputs).toMatchObject({ revision: 2, created: true });
    expect(outcome.details?.join('\n')).toMatch(/ends in \/api2\/json/);
    const secret = await get('v1', 'Secret', 'cozy-capi-providers-proxmox-credentials', 'cozy-cluster-api');
    expect(Buffer.from((secret as KubeObject & { data: Record<string, string> }).data.PROXMOX_URL, 'base64').toString()).toBe(PROXMOX_URL);
  });

  it("capi.provider-chart leaves the IPAM provider to the cluster's own IPAMProvider in-cluster where there is one", async () => {
    const ns = 'cozy-ipam-of-the-cluster';
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await kube.apply({ apiVersion: 'operator.cluster.x-k8s.io/v1alpha2', kind: 'IPAMProvider', metadata: { name: 'in-cluster', namespace: ns }, spec: { version: 'v1.0.3' } });
    try {
      const outcome = await runOf('capi.provider-chart')(stepInput('wf-charts'));
      expect(outcome.status).toBe('passed');
      expect(outcome.details?.join('\n')).toContain(`the cluster's IPAMProvider ${ns}/in-cluster is used: the chart's own is not rendered`);
      expect(await get('operator.cluster.x-k8s.io/v1alpha2', 'IPAMProvider', 'in-cluster', 'cozy-cluster-api')).toBeUndefined();
      expect(await get('operator.cluster.x-k8s.io/v1alpha2', 'InfrastructureProvider', 'proxmox', 'cozy-cluster-api')).toBeDefined();
    } finally {
      await kube.delete({ apiVersion: 'operator.cluster.x-k8s.io/v1alpha2', kind: 'IPAMProvider', name: 'in-cluster', namespace: ns });
      await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
      // The next tests expect the chart's own again.
      await runOf('capi.provider-chart')(stepInput('wf-charts'));
    }
  });

  it('worker.chart installs the join settings (the region of proxmox.region) and bootstrap RBAC', async () => {
    const outcome = await runOf('worker.chart')(stepInput('wf-charts', { region: 'cluster-1' }));
    expect(outcome).toMatchObject({ status: 'passed', outputs: { release: 'proxmox-worker', revision: 1, created: true } });
    const join = await get('v1', 'ConfigMap', 'proxmox-worker-join', 'cozy-proxmox');
    const data = (join as KubeObject & { data: Record<string, string> }).data;
    expect(data.kubeletNodeLabels).toBe('node.kubernetes.io/instance-type=proxmox');
    expect(data.topologyRegion).toBe('cluster-1');
    expect(await get('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'proxmox-worker-kubelet-bootstrap')).toBeDefined();
  });

  it('csi.chart installs the driver and waits until its controller and node plugin are ready', async () => {
    const outcome = await runOf('csi.chart')(stepInput('wf-charts'));
    expect(outcome).toMatchObject({ status: 'passed', outputs: { release: 'cozy-proxmox-csi-operator', revision: 1, appVersion: 'v0.16.0' } });
    expect(JSON.stringify(outcome)).not.toContain(TOKEN_SECRET);
    const sc = await get('storage.k8s.io/v1', 'StorageClass', 'proxmox-rehearsal');
    expect(sc).toMatchObject({ provisioner: 'csi.proxmox.sinextra.dev', parameters: { storage: 'data' }, volumeBindingMode: 'WaitForFirstConsumer' });
    // The snapshot API is served here, but the plugin version makes no snapshots: no class, no snapshotter.
    expect(await get('snapshot.storage.k8s.io/v1', 'VolumeSnapshotClass', 'proxmox-snapshot')).toBeUndefined();
    const deployment = await get('apps/v1', 'Deployment', 'cozy-proxmox-csi-operator-controller', 'cozy-proxmox-csi');
    expect((deployment?.status as { readyReplicas?: number }).readyReplicas).toBe(1);
    const daemonSet = await get('apps/v1', 'DaemonSet', 'cozy-proxmox-csi-operator-node', 'cozy-proxmox-csi');
    // One node plugin per node of the shared cluster, every one of them ready.
    const ds = daemonSet?.status as { numberReady?: number; desiredNumberScheduled?: number };
    expect(ds.desiredNumberScheduled).toBeGreaterThanOrEqual(1);
    expect(ds.numberReady).toBe(ds.desiredNumberScheduled);
  });

  it('compensation removes only a release this workflow created', async () => {
    await undoOf('worker.chart')(stepInput('wf-someone-else'));
    expect((await releaseLabels(await KubeClient.connect({ kubeconfig: plane.kubeconfigPath }), 'proxmox-worker', 'cozy-proxmox'))?.[CREATED_BY_LABEL]).toBe('wf-charts');
    expect(await helm.status('proxmox-worker', 'cozy-proxmox')).toBeDefined();
    await undoOf('worker.chart')(stepInput('wf-charts'));
    expect(await helm.status('proxmox-worker', 'cozy-proxmox')).toBeUndefined();
    expect(await get('v1', 'ConfigMap', 'proxmox-worker-join', 'cozy-proxmox')).toBeUndefined();
    // Absent now: compensation run twice is still a success.
    await undoOf('worker.chart')(stepInput('wf-charts'));
  });

  it('csi.chart cancelled while helm waits: helm ends, and the undo leaves no release and no StorageClass', async () => {
    const { release, namespace } = CHART_RELEASES.csi;
    await helm.uninstall(release, namespace);
    // No pod may start in the namespace: helm --wait waits for the controller until it is stopped.
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'no-pods', namespace }, spec: { hard: { pods: '0' } } };
    await kube.apply(quota);
    try {
      await cancelMidStepThenUndo(runOf('csi.chart'), undoOf('csi.chart'), stepInput('wf-cancelled'), async () => (await helm.status(release, namespace))?.status === 'pending-install');
      expect(processesMentioning(`upgrade --install ${release}`)).toEqual([]);
      expect(await helm.status(release, namespace)).toBeUndefined();
      expect(await get('storage.k8s.io/v1', 'StorageClass', 'proxmox-rehearsal')).toBeUndefined();
    } finally {
      await kube.delete({ apiVersion: 'v1', kind: 'ResourceQuota', name: 'no-pods', namespace });
    }
  }, 120_000);
});

describe('monitoring.chart', () => {
  const namespace = `monitoring-${process.pid}`;
  const EXPORTER_ENV = 'COZY_CHARTS_TEST_EXPORTER_TOKEN';
  const EXPORTER_SECRET = '0f3e9d1c-5b7a-4e2f-8c6d-9a1b2c3d4e5f';
  const withMonitoring = (workflowId: string, monitoring: Record<string, unknown>): StepInput => {
    const base = stepInput(workflowId);
    return { ...base, config: integrationConfigSchema.parse({ ...base.config, monitoring: { namespace, ...monitoring } }) };
  };
  const exporterInput = () => withMonitoring('wf-monitoring', { exporterToken: { id: 'monitoring@pve!exporter', secret: `env:${EXPORTER_ENV}` } });

  beforeAll(async () => {
    process.env[EXPORTER_ENV] = EXPORTER_SECRET;
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  });
  afterAll(async () => {
    await undoOf('monitoring.chart')(exporterInput()).catch(() => undefined);
    await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    delete process.env[EXPORTER_ENV];
  });

  it('without an exporter token: the dashboards only, in monitoring.namespace, the release recorded in cozy-proxmox', async () => {
    const outcome = await runOf('monitoring.chart')(withMonitoring('wf-monitoring', {}));
    expect(outcome).toMatchObject({ status: 'passed', outputs: { release: 'cozy-proxmox-monitoring', namespace: 'cozy-proxmox', objectsNamespace: namespace, exporter: false, scrapeKind: 'none' } });
    expect(outcome.details?.join('\n')).toContain('no exporter deployed: monitoring.exporterToken is not set');
    const dashboards = outcome.outputs?.dashboards === 'grafana-operator'
      ? await get('grafana.integreatly.org/v1beta1', 'GrafanaDashboard', 'cozy-proxmox-pve', namespace)
      : await get('v1', 'ConfigMap', 'cozy-proxmox-pve', namespace);
    expect(dashboards).toBeDefined();
    expect(await kube.list('v1', 'Secret', namespace)).toEqual([]);
  });

  it('with monitoring.exporterToken: prometheus-pve-exporter ready, its login in a Secret of that namespace and nowhere in the outcome, and the scrape object of the cluster\'s stack', async () => {
    const outcome = await runOf('monitoring.chart')(exporterInput());
    expect(outcome).toMatchObject({ status: 'passed', outputs: { revision: 2, exporter: true } });
    expect(JSON.stringify(outcome)).not.toContain(EXPORTER_SECRET);
    const deployment = await get('apps/v1', 'Deployment', 'cozy-proxmox-monitoring-pve-exporter', namespace);
    expect((deployment?.status as { readyReplicas?: number }).readyReplicas).toBe(1);
    const secret = (await get('v1', 'Secret', 'cozy-proxmox-monitoring-pve-exporter', namespace)) as KubeObject & { data: Record<string, string> };
    expect(Buffer.from(secret.data['pve.yml'], 'base64').toString()).toContain(`token_value: "${EXPORTER_SECRET}"`);
    const scrape = { victoriametrics: ['operator.victoriametrics.com/v1beta1', 'VMServiceScrape', 'cozy-proxmox-monitoring-pve-exporter'], 'prometheus-operator': ['monitoring.coreos.com/v1', 'ServiceMonitor', 'cozy-proxmox-monitoring-pve-exporter'], config: ['v1', 'ConfigMap', 'cozy-proxmox-monitoring-pve-exporter-scrape-config'] }[outcome.outputs?.scrapeKind as string];
    expect(scrape).toBeDefined();
    expect(await get(scrape![0], scrape![1], scrape![2], namespace)).toBeDefined();
    expect(outcome.details?.join('\n')).toContain('reads pve.example.com:8006 as monitoring@pve!exporter');
  });

  it('a monitoring namespace that does not exist fails the step naming it, before helm runs', async () => {
    const err = await runOf('monitoring.chart')(withMonitoring('wf-monitoring', { namespace: 'no-such-monitoring' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'NotFoundError', message: expect.stringContaining('monitoring.namespace no-such-monitoring does not exist') });
  });

  it('its compensation removes the release and every object it put in the monitoring namespace', async () => {
    await undoOf('monitoring.chart')(exporterInput());
    expect(await helm.status('cozy-proxmox-monitoring', 'cozy-proxmox')).toBeUndefined();
    await waitFor(() => kube.list('apps/v1', 'Deployment', namespace), (l) => l.length === 0, 'the exporter Deployment gone');
    expect(await kube.list('v1', 'ConfigMap', namespace, 'app.kubernetes.io/part-of=cozy-proxmox')).toEqual([]);
  });
});

describe('the helm layer', () => {
  it('uninstall of a release that does not exist succeeds', async () => {
    expect(await helm.uninstall('never-installed', 'default')).toBe('absent');
  });

  it('refuses a release name or namespace that is not a DNS label before running helm', async () => {
    const bad = helm.upgradeInstall({ release: '--post-renderer=/bin/sh', chart: chartPath('proxmox-worker'), namespace: 'default' });
    await expect(bad).rejects.toMatchObject({ kind: 'validation', message: expect.stringMatching(/must be a DNS label/) });
    await expect(helm.status('ok', 'kube;rm')).rejects.toMatchObject({ kind: 'validation' });
  });

  it('reports an unreachable cluster as retryable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cozy-charts-unreachable-'));
    const kubeconfig = join(dir, 'kubeconfig');
    // Port 1 on loopback: nothing listens there.
    writeFileSync(kubeconfig, readFileSync(plane.kubeconfigPath, 'utf8').replace(plane.server, 'https://127.0.0.1:1'), { mode: 0o600 });
    const unreachable = new HelmClient({ kubeconfig });
    await expect(unreachable.status('anything', 'default')).rejects.toMatchObject({ kind: 'transient', message: expect.stringMatching(/unreachable|connection refused/) });
  });
});

describe('Flux mode', () => {
  beforeAll(async () => {
    await applyCrds(kube, [HELM_RELEASE_CRD]);
  });

  const release = { name: 'proxmox-csi', namespace: 'default', chart: 'cozy-proxmox-csi-operator', version: '0.1.0', source: { kind: 'HelmRepository' as const, name: 'cozystack-system', namespace: 'cozy-public' } };

  it('applies a HelmRelease and resolves once Ready is reported for its generation', async () => {
    const applied = applyHelmRelease(kube, release, { timeoutMs: 20_000, pollMs: 200 });
    // helm-controller's part: report the reconciled generation Ready.
    const current = await waitUntilPresent(release.name, release.namespace);
    await kube.applyStatus({
      ...helmReleaseManifest(release),
      status: { observedGeneration: current.metadata.generation, conditions: [{ type: 'Ready', status: 'True', reason: 'InstallSucceeded', message: 'Helm install succeeded', lastTransitionTime: new Date().toISOString(), observedGeneration: current.metadata.generation }] },
    });
    const ready = await applied;
    expect(ready.spec).toMatchObject({ chart: { spec: { chart: 'cozy-proxmox-csi-operator', sourceRef: { kind: 'HelmRepository', name: 'cozystack-system' } } } });
  });

  it('times out with what was last seen when a changed spec is not reconciled', async () => {
    const beats: string[] = [];
    const error = await applyHelmRelease(kube, { ...release, version: '0.2.0' }, { timeoutMs: 1_500, pollMs: 300, onHeartbeat: (seen) => beats.push(seen) }).catch((e: unknown) => e);
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(beats[0]).toMatch(/Ready/);
    expect(error).toBeInstanceOf(HelmTransientError);
    expect((error as Error).message).toMatch(/HelmRelease default\/proxmox-csi did not become ready within 2 s; last seen: .*Ready.*\(generation 2\)/);
  });
});

async function waitUntilPresent(name: string, namespace: string): Promise<KubeObject> {
  for (let i = 0; i < 100; i += 1) {
    const obj = await get('helm.toolkit.fluxcd.io/v2', 'HelmRelease', name, namespace);
    if (obj) return obj;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`HelmRelease ${namespace}/${name} was never created`);
}
