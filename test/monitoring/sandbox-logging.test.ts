// The sandbox's logging stack end to end, with the real programs: a pod whose container the sandbox runs as a
// process (pod-processes.ts, as it runs the Proxmox CSI controller's) gets its output written as a kubelet keeps it
// (the node's container log, the container ID in the pod's status); the real vlagent collects it into the real
// VictoriaLogs (monitoring/logging.ts), and step7.logs finds the component's lines by vlagent's field names.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOf } from '../helpers/steps';
import { waitFor } from '../helpers/wait';
import { sharedControlPlane } from '../helpers/control-plane';
import { logsStepInput } from '../helpers/logs-step-input';
import { KubeClient } from '../../src/kubernetes/client';
import type { KubeObject } from '../../src/kubernetes/types';
import { VictoriaLogsClient } from '../../src/monitoring/victorialogs';
import { startSandboxLogging, type SandboxLogging } from '../../packages/sandbox/src/monitoring/logging';
import { containerLogsDir } from '../../packages/sandbox/src/operator/container-log';
import { PodProcesses, type Pod } from '../../packages/sandbox/src/operator/pod-processes';

// vlagent outside a pod collects the first node's pods: this name sorts before every other suite's nodes.
const NODE = '0-vlagent-test-node';
const NAMESPACE = 'cozy-proxmox-csi';
const DEPLOYMENT = 'cozy-proxmox-csi-operator-controller';
const IMAGE = 'example.invalid/log-writer:1';
// What the container prints: two lines on stdout, one on stderr, then it stays up as a controller does.
const SCRIPT = 'echo "I1206 CreateVolume: volume created"; echo "I1206 ControllerPublishVolume: attached"; echo "W1206 slow Proxmox answer" >&2; exec sleep 600';

let dir: string;
let kube: KubeClient;
let kubeconfig: string;
let logging: SandboxLogging | undefined;
let processes: PodProcesses | undefined;
let pod: Pod;

const input = () => logsStepInput('sandbox-logging-test', kubeconfig, { namespace: 'sandbox-logging-test-monitoring', logs: logging?.logsUrl });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cozy-sandbox-logging-'));
  const plane = sharedControlPlane();
  kubeconfig = plane.kubeconfigPath;
  kube = await KubeClient.connect({ kubeconfig });
  await plane.addFakeNode(NODE);
  logging = await startSandboxLogging(dir, { kubeconfig, containerLogsDir: containerLogsDir(join(dir, 'pods')) });
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  const labels = { app: 'vlagent-test' };
  await kube.apply({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: DEPLOYMENT, namespace: NAMESPACE },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { nodeName: NODE, containers: [{ name: 'proxmox-csi-plugin-controller', image: IMAGE, args: ['-c', SCRIPT] }] } },
    },
  });
  pod = (await waitFor(
    async () => (await kube.list<Pod>('v1', 'Pod', NAMESPACE, 'app=vlagent-test')).find((p) => p.status?.phase === 'Running'),
    (p) => p !== undefined,
    'the pod Running on the kwok node',
    60_000,
  ))!;
  processes = new PodProcesses(pod, [{ image: /^example\.invalid\/log-writer:/, binary: () => '/bin/sh' }], {
    kube,
    podsDir: join(dir, 'pods'),
    containerLogsDir: containerLogsDir(join(dir, 'pods')),
    log: () => undefined,
  });
  await processes.start();
}, 120_000);

afterAll(async () => {
  await processes?.stop();
  await logging?.stop();
  await kube?.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: DEPLOYMENT, namespace: NAMESPACE }).catch(() => undefined);
  await kube?.delete({ apiVersion: 'v1', kind: 'Node', name: NODE }).catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

test("the container's output is kept as a kubelet keeps it: the node's container log in CRI format, its ID in the pod's status", async () => {
  const status = await waitFor(
    async () => (await kube.find<KubeObject & { status?: { containerStatuses?: { name: string; containerID?: string }[] } }>({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: NAMESPACE }))?.status,
    (s) => Boolean(s?.containerStatuses?.[0]?.containerID),
    'the container ID in the pod status',
    15_000,
  );
  const id = status!.containerStatuses![0].containerID!;
  expect(id).toMatch(/^sandbox:\/\/[0-9a-f]{64}$/);
  const file = join(containerLogsDir(join(dir, 'pods')), `${pod.metadata.name}_${NAMESPACE}_proxmox-csi-plugin-controller-${id.slice('sandbox://'.length)}.log`);
  await waitFor(async () => (existsSync(file) ? readFileSync(file, 'utf8') : ''), (t) => t.split('\n').length > 3, 'three lines in the container log', 10_000);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  expect(lines).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z stdout F I1206 CreateVolume: volume created$/),
      expect.stringMatching(/^\S+ stderr F W1206 slow Proxmox answer$/),
    ]),
  );
  expect(readdirSync(containerLogsDir(join(dir, 'pods')))).toHaveLength(1);
});

test('vlagent ships the lines to VictoriaLogs under the pod, namespace and container', async () => {
  const api = new VictoriaLogsClient({ baseUrl: logging!.logsUrl });
  const rows = await waitFor(
    () => api.query(`kubernetes.pod_namespace:=${JSON.stringify(NAMESPACE)} | sort by (_time)`),
    (r) => r.length >= 3,
    "the container's three lines in VictoriaLogs",
    30_000,
  );
  expect(rows.map((r) => r._msg)).toEqual(expect.arrayContaining(['I1206 CreateVolume: volume created', 'I1206 ControllerPublishVolume: attached', 'W1206 slow Proxmox answer']));
  expect(rows[0]).toMatchObject({ 'kubernetes.pod_name': pod.metadata.name, 'kubernetes.container_name': 'proxmox-csi-plugin-controller' });
}, 40_000);

test("step7.logs finds the component's lines by vlagent's field names", async () => {
  const out = await runOf('step7.logs')(input());
  const csi = out.details?.find((d) => d.startsWith('Proxmox CSI controller'));
  expect(csi).toMatch(new RegExp(`^Proxmox CSI controller \\(${NAMESPACE}/${DEPLOYMENT}\\): 3 line\\(s\\) in the last 1h, latest at \\S+ from ${pod.metadata.name}: `));
  expect(csi).toContain('kubernetes.pod_namespace:="cozy-proxmox-csi"');
}, 60_000);
