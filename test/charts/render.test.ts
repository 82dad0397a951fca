// helm lint and helm template of the three charts with the real helm binary: defaults, realistic values, the
// /api2/json guard, the values schema, and the snapshot class that depends on the cluster's APIs.
import { gzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { chartPath, type ChartName } from '../../src/helm/charts';
import { HelmClient } from '../../src/helm/client';
import { HelmValidationError } from '../../src/helm/errors';
import { CAPI_VALUES, CSI_VALUES, TOKEN_SECRET, WORKER_VALUES } from './values';

const helm = new HelmClient();

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

async function render(chart: ChartName, values: Record<string, unknown>, apiVersions: string[] = []): Promise<Obj[]> {
  const text = await helm.template({ release: 'probe', chart: chartPath(chart), namespace: 'probe-ns', values, apiVersions });
  return parseAllDocuments(text).map((d) => d.toJS() as Obj).filter(Boolean);
}

function find(objs: Obj[], kind: string): Obj {
  const obj = objs.find((o) => o.kind === kind);
  if (!obj) throw new Error(`no ${kind} among ${objs.map((o) => o.kind).join(', ')}`);
  return obj;
}

describe('helm lint', () => {
  const cases: [ChartName, Record<string, unknown>][] = [
    ['cozy-capi-providers-proxmox', CAPI_VALUES],
    ['proxmox-worker', WORKER_VALUES],
    ['cozy-proxmox-csi-operator', CSI_VALUES],
  ];
  it.each(cases)('%s passes with its defaults and with realistic values', async (chart, values) => {
    const defaults = await helm.lint(chartPath(chart));
    expect(defaults).toEqual({ ok: true, messages: expect.not.arrayContaining([expect.stringMatching(/ERROR/)]) });
    const realistic = await helm.lint(chartPath(chart), values);
    expect(realistic.ok).toBe(true);
  });

  it('fails on values the schema refuses, naming the field', async () => {
    const badEffect = await helm.lint(chartPath('proxmox-worker'), { taints: [{ key: 'a', effect: 'Sometimes' }] });
    expect(badEffect.ok).toBe(false);
    expect(badEffect.messages.join('\n')).toMatch(/taints\/0\/effect/);
    const badVersion = await helm.lint(chartPath('cozy-capi-providers-proxmox'), { infrastructureProvider: { enabled: true, name: 'proxmox', version: 'v0.8.0' } });
    expect(badVersion.ok).toBe(false);
    expect(badVersion.messages.join('\n')).toMatch(/infrastructureProvider\/version/);
    const badCache = await helm.lint(chartPath('cozy-proxmox-csi-operator'), { storageClass: { create: true, name: 'x', storage: 'data', cache: 'fast' } });
    expect(badCache.ok).toBe(false);
    expect(badCache.messages.join('\n')).toMatch(/storageClass\/cache/);
  });
});

describe('cozy-capi-providers-proxmox', () => {
  it('renders the operator v1alpha2 InfrastructureProvider and IPAMProvider with the credentials Secret', async () => {
    const objs = await render('cozy-capi-providers-proxmox', CAPI_VALUES);
    expect(objs.map((o) => o.kind).sort()).toEqual(['IPAMProvider', 'InfrastructureProvider', 'Secret']);
    const provider = find(objs, 'InfrastructureProvider');
    expect(provider.apiVersion).toBe('operator.cluster.x-k8s.io/v1alpha2');
    expect(provider.metadata).toMatchObject({ name: 'proxmox', namespace: 'probe-ns' });
    expect(provider.spec).toMatchObject({ version: 'v0.7.2', configSecret: { name: 'probe-credentials', namespace: 'probe-ns' } });
    expect(find(objs, 'IPAMProvider')).toMatchObject({ apiVersion: 'operator.cluster.x-k8s.io/v1alpha2', metadata: { name: 'in-cluster' } });
    expect(find(objs, 'Secret').stringData).toEqual({ PROXMOX_URL: 'https://pve.example.com:8006', PROXMOX_TOKEN: 'capmox@pve!capi', PROXMOX_SECRET: TOKEN_SECRET });
  });

  it("with proxmox.caCert: a ConfigMap of the CA, CAPMOX's --proxmox-root-cert-file and a patch mounting it; a value that is no PEM is refused", async () => {
    const caCert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const objs = await render('cozy-capi-providers-proxmox', { ...CAPI_VALUES, proxmox: { ...CAPI_VALUES.proxmox, caCert } });
    expect(find(objs, 'ConfigMap')).toMatchObject({ metadata: { name: 'probe-proxmox-ca', namespace: 'probe-ns' }, data: { 'ca.crt': caCert } });
    const spec = find(objs, 'InfrastructureProvider').spec as { deployment: unknown; patches: Array<{ target: unknown; patch: string }> };
    expect(spec.deployment).toEqual({ replicas: 1, containers: [{ name: 'manager', args: { '--proxmox-root-cert-file': '/etc/proxmox-ca/ca.crt' } }] });
    expect(spec.patches[0].target).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', name: 'capmox-controller-manager' });
    const ops = parseAllDocuments(spec.patches[0].patch)[0].toJS() as Array<{ op: string; path: string; value: unknown }>;
    expect(ops).toEqual([
      { op: 'add', path: '/spec/template/spec/volumes/-', value: { name: 'proxmox-ca', configMap: { name: 'probe-proxmox-ca' } } },
      { op: 'add', path: '/spec/template/spec/containers/0/volumeMounts/-', value: { name: 'proxmox-ca', mountPath: '/etc/proxmox-ca', readOnly: true } },
    ]);
    // Without it, no CA objects and no patches.
    expect(find(await render('cozy-capi-providers-proxmox', CAPI_VALUES), 'InfrastructureProvider').spec).not.toHaveProperty('patches');
    const bad = await helm.lint(chartPath('cozy-capi-providers-proxmox'), { ...CAPI_VALUES, proxmox: { ...CAPI_VALUES.proxmox, caCert: 'not a certificate' } });
    expect(bad.ok).toBe(false);
    expect(bad.messages.join('\n')).toMatch(/proxmox\/caCert/);
  });

  it("with a provider's components: a ConfigMap as cluster-api-operator reads them, found by the provider's fetchConfig.selector", async () => {
    const components = gzipSync('kind: Namespace\n').toString('base64');
    const objs = await render('cozy-capi-providers-proxmox', { ...CAPI_VALUES, infrastructureProvider: { components, metadata: 'releaseSeries: []\n' } });
    const provider = find(objs, 'InfrastructureProvider');
    const selector = (provider.spec as { fetchConfig: { selector: { matchLabels: Record<string, string> } } }).fetchConfig.selector.matchLabels;
    const cm = find(objs, 'ConfigMap');
    expect(cm.metadata.labels).toMatchObject({ ...selector, 'provider.cluster.x-k8s.io/version': 'v0.7.2' });
    expect(cm.metadata.annotations).toEqual({ 'provider.cluster.x-k8s.io/compressed': 'true' });
    expect(cm).toMatchObject({ data: { metadata: 'releaseSeries: []\n' }, binaryData: { components } });
    // Without them, no fetchConfig: the operator downloads the release.
    expect(find(await render('cozy-capi-providers-proxmox', CAPI_VALUES), 'InfrastructureProvider').spec).not.toHaveProperty('fetchConfig');
    const noMetadata = await render('cozy-capi-providers-proxmox', { ...CAPI_VALUES, ipamProvider: { components } }).catch((e: unknown) => e);
    expect((noMetadata as Error).message).toMatch(/ipamProvider\.metadata is required with ipamProvider\.components/);
  });

  it('refuses a URL ending in /api2/json with a message that gives the API root', async () => {
    const values = { proxmox: { ...CAPI_VALUES.proxmox, url: 'https://pve.example.com:8006/api2/json' } };
    const error = await render('cozy-capi-providers-proxmox', values).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelmValidationError);
    expect((error as Error).message).toMatch(/ends in \/api2\/json: give the API root \(e\.g\. https:\/\/pve\.example\.com:8006\)/);
    expect(error).toMatchObject({ kind: 'validation' });
  });

  it('names the missing value when no URL is given', async () => {
    const error = await render('cozy-capi-providers-proxmox', { proxmox: { ...CAPI_VALUES.proxmox, url: '' } }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/proxmox\.url is required/);
  });
});

describe('proxmox-worker', () => {
  it('splits labels into kubelet flags and API labels, renders taints and kubeadm bootstrap RBAC', async () => {
    const objs = await render('proxmox-worker', WORKER_VALUES);
    const join = find(objs, 'ConfigMap') as Obj & { data: Record<string, string> };
    expect(join.data.kubeletNodeLabels).toBe('node.kubernetes.io/instance-type=proxmox,topology.kubernetes.io/zone=pve1');
    expect(JSON.parse(join.data.apiNodeLabels)).toEqual({ 'node-role.kubernetes.io/worker': '' });
    expect(join.data.registerWithTaints).toBe('node.cozystack.io/proxmox=hypervisor:NoSchedule');
    const bindings = objs.filter((o) => o.kind === 'ClusterRoleBinding') as (Obj & { roleRef: { name: string }; subjects: { name: string }[] })[];
    expect(bindings.map((b) => [b.roleRef.name, b.subjects[0].name])).toEqual([
      ['system:node-bootstrapper', 'system:bootstrappers:kubeadm:default-node-token'],
      ['system:certificates.k8s.io:certificatesigningrequests:nodeclient', 'system:bootstrappers:kubeadm:default-node-token'],
      ['system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:nodes'],
    ]);
    expect(objs.filter((o) => o.metadata.namespace === 'kube-system').map((o) => o.kind)).toEqual(['Role', 'RoleBinding']);
  });
});

describe('cozy-proxmox-csi-operator', () => {
  it('renders the driver, its RBAC, the cloud config and a WaitForFirstConsumer StorageClass', async () => {
    const objs = await render('cozy-proxmox-csi-operator', CSI_VALUES);
    expect(find(objs, 'CSIDriver').metadata.name).toBe('csi.proxmox.sinextra.dev');
    expect(find(objs, 'StorageClass')).toMatchObject({
      metadata: { name: 'proxmox-data' },
      provisioner: 'csi.proxmox.sinextra.dev',
      parameters: { storage: 'data', cache: 'writethrough', ssd: 'true', 'csi.storage.k8s.io/fstype': 'xfs' },
      allowVolumeExpansion: true,
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    const config = (find(objs, 'Secret').stringData as Record<string, string>)['config.yaml'];
    expect(config).toContain('url: "https://pve.example.com:8006/api2/json"');
    expect(config).toContain('region: "cluster-1"');
    const deployment = find(objs, 'Deployment') as Obj & { spec: { template: { spec: { containers: { name: string; image: string }[] } } } };
    expect(deployment.spec.template.spec.containers[0].image).toMatch(/\/proxmox-csi-controller:v0\.16\.0$/);
    expect(deployment.spec.template.spec.containers.map((c) => c.name)).not.toContain('csi-snapshotter');
    // The node plugin stays off a Proxmox host joined as a worker (no VM to hot-plug a disk into).
    expect(find(objs, 'DaemonSet')).toMatchObject({
      spec: { template: { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/proxmox-host', operator: 'DoesNotExist' }] }] } } } } } },
    });
    expect(objs.some((o) => o.kind === 'VolumeSnapshotClass')).toBe(false);
    const controllerRole = objs.find((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith('-controller')) as Obj & { rules: { resources: string[] }[] };
    const resources = controllerRole.rules.flatMap((r) => r.resources);
    for (const r of ['persistentvolumes', 'persistentvolumeclaims', 'nodes', 'storageclasses', 'volumeattachments', 'csinodes', 'events', 'volumesnapshots']) {
      expect(resources).toContain(r);
    }
  });

  it('gives the controller a CA bundle to trust through SSL_CERT_FILE only when one is set', async () => {
    type Container = { name: string; env?: { name: string; value: string }[] };
    const controller = (objs: Obj[]) => (find(objs, 'Deployment') as Obj & { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0];
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const withCa = await render('cozy-proxmox-csi-operator', { ...CSI_VALUES, proxmox: { ...(CSI_VALUES.proxmox as object), caBundle: pem } });
    expect((find(withCa, 'Secret').stringData as Record<string, string>)['ca.pem']).toBe(pem);
    expect(controller(withCa).env).toEqual([{ name: 'SSL_CERT_FILE', value: '/etc/proxmox/ca.pem' }]);
    const without = await render('cozy-proxmox-csi-operator', CSI_VALUES);
    expect((find(without, 'Secret').stringData as Record<string, string>)['ca.pem']).toBeUndefined();
    expect(controller(without).env).toBeUndefined();
  });

  it('adds no snapshotter by default, even where the snapshot API is served: the plugin makes snapshots only with root@pam', async () => {
    const objs = await render('cozy-proxmox-csi-operator', CSI_VALUES, ['snapshot.storage.k8s.io/v1']);
    expect(objs.some((o) => o.kind === 'VolumeSnapshotClass')).toBe(false);
    const deployment = find(objs, 'Deployment') as Obj & { spec: { template: { spec: { containers: { name: string }[] } } } };
    expect(deployment.spec.template.spec.containers.map((c) => c.name)).not.toContain('csi-snapshotter');
  });

  it('adds the VolumeSnapshotClass and the snapshotter, when asked, only where snapshot.storage.k8s.io/v1 is served', async () => {
    const asked = { ...CSI_VALUES, volumeSnapshotClass: { create: true, name: 'proxmox-snapshot', deletionPolicy: 'Delete' } };
    expect((await render('cozy-proxmox-csi-operator', asked)).some((o) => o.kind === 'VolumeSnapshotClass')).toBe(false);
    const objs = await render('cozy-proxmox-csi-operator', asked, ['snapshot.storage.k8s.io/v1']);
    expect(find(objs, 'VolumeSnapshotClass')).toMatchObject({ driver: 'csi.proxmox.sinextra.dev', deletionPolicy: 'Delete' });
    const deployment = find(objs, 'Deployment') as Obj & { spec: { template: { spec: { containers: { name: string }[] } } } };
    expect(deployment.spec.template.spec.containers.map((c) => c.name)).toContain('csi-snapshotter');
  });
});
