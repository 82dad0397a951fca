// The test run's control plane is a real Kubernetes: the real kubectl and helm talk to it, the real controllers and
// scheduler run a Deployment, and kwok plays the kubelet of a fake node.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sharedControlPlane } from '../helpers/control-plane';
import { toolPath } from '../../src/tools/tool-paths';

const run = promisify(execFile);
const KUBECTL = toolPath('KUBECTL', 'kubernetes');
const HELM = toolPath('HELM', 'kubernetes');

let scratch: string;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(KUBECTL, ['--kubeconfig', plane.kubeconfigPath, ...args], { timeout: 110_000 });
  return stdout;
}

async function helm(...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(scratch, 'helm-cache'),
    HELM_CONFIG_HOME: join(scratch, 'helm-config'),
    HELM_DATA_HOME: join(scratch, 'helm-data'),
  };
  const { stdout } = await run(HELM, ['--kubeconfig', plane.kubeconfigPath, ...args], { timeout: 110_000, env });
  return stdout;
}

/** A chart that only installs on Kubernetes 1.34, with a ConfigMap and a Deployment that --wait must see Ready. */
function writeProbeChart(): string {
  const chart = join(scratch, 'sandbox-probe');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), [
    'apiVersion: v2',
    'name: sandbox-probe',
    'version: 0.1.0',
    "kubeVersion: '>=1.34.0-0 <1.35.0-0'",
    '',
  ].join('\n'));
  writeFileSync(join(chart, 'values.yaml'), 'greeting: hello from helm\n');
  writeFileSync(join(chart, 'templates', 'configmap.yaml'), [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-settings',
    'data:',
    '  greeting: {{ .Values.greeting | quote }}',
    '  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}',
    '',
  ].join('\n'));
  writeFileSync(join(chart, 'templates', 'deployment.yaml'), [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ .Release.Name }}-app',
    'spec:',
    '  replicas: 1',
    '  selector:',
    '    matchLabels: { app: {{ .Release.Name }}-app }',
    '  template:',
    '    metadata:',
    '      labels: { app: {{ .Release.Name }}-app }',
    '    spec:',
    '      containers:',
    '        - name: app',
    '          image: sandbox-probe:0.1.0',
    '',
  ].join('\n'));
  return chart;
}

// The run's shared control plane: started once by the global setup, which also stops it and fails the run if any
// of its processes is left.
const plane = sharedControlPlane();

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'cozy-kube-test-'));
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('kubectl lists nodes and namespaces and both sides report v1.34.4', async () => {
  const names = (await kubectl('get', 'nodes,namespaces', '-o', 'name')).split('\n');
  expect(names).toEqual(expect.arrayContaining(['namespace/default', 'namespace/kube-system']));

  const version = JSON.parse(await kubectl('version', '-o', 'json'));
  expect(version.serverVersion.gitVersion).toBe('v1.34.4');
  expect(version.serverVersion.major).toBe('1');
  expect(version.serverVersion.minor).toBe('34');
  expect(version.clientVersion.gitVersion).toBe('v1.34.4');
  expect(plane.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
});

test('a fake node becomes Ready under kwok with its labels and resources', async () => {
  await plane.addFakeNode('sandbox-worker-1', { 'node-role.kubernetes.io/worker': '' }, { cpu: '8', memory: '16Gi' });

  const node = JSON.parse(await kubectl('get', 'node', 'sandbox-worker-1', '-o', 'json'));
  const ready = node.status.conditions.find((c: { type: string }) => c.type === 'Ready');
  expect(ready.status).toBe('True');
  expect(node.metadata.labels['node-role.kubernetes.io/worker']).toBe('');
  expect(node.status.allocatable.cpu).toBe('8');
  expect(node.status.allocatable.memory).toBe('16Gi');
  expect(node.status.nodeInfo.kubeletVersion).toBe('v1.34.4');
});

test('a Deployment gets a Running pod on the fake node', async () => {
  await kubectl('create', 'deployment', 'hello', '--image=hello:1.0', '--replicas=1');
  await kubectl('rollout', 'status', 'deployment/hello', '--timeout=100s');

  const pods = JSON.parse(await kubectl('get', 'pods', '-l', 'app=hello', '-o', 'json')).items;
  expect(pods).toHaveLength(1);
  expect(pods[0].status.phase).toBe('Running');
  // Other suites add fake nodes to the shared cluster too: the pod runs on one of kwok's nodes.
  const node = JSON.parse(await kubectl('get', 'node', pods[0].spec.nodeName, '-o', 'json'));
  expect(node.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
});

test('helm installs a chart (kubeVersion-gated, --wait) against the control plane', async () => {
  const chart = writeProbeChart();
  await helm('install', 'probe', chart, '--namespace', 'helm-probe', '--create-namespace', '--wait', '--timeout', '100s');

  const releases = JSON.parse(await helm('list', '--namespace', 'helm-probe', '-o', 'json'));
  expect(releases).toEqual([expect.objectContaining({ name: 'probe', status: 'deployed', chart: 'sandbox-probe-0.1.0' })]);
  const data = JSON.parse(await kubectl('get', 'configmap', 'probe-settings', '-n', 'helm-probe', '-o', 'jsonpath={.data}'));
  expect(data).toEqual({ greeting: 'hello from helm', kubeVersion: 'v1.34.4' });
  expect(await kubectl('get', 'deployment', 'probe-app', '-n', 'helm-probe', '-o', 'jsonpath={.status.readyReplicas}')).toBe('1');
});
