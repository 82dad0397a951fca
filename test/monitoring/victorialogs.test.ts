// step7.logs against CozyStack's logging stack, the real VictoriaLogs in its cluster shape: one storage node, a
// vlinsert and a vlselect (the same binary, told its role by flags), on loopback. The lines are shipped as
// CozyStack's fluent-bit ships container logs: its http output's path, query and tenant headers, and the fields its
// kubernetes filter leaves (kubernetes_namespace_name, kubernetes_pod_name, ...). fluent-bit itself does not run here
// (no container runtime writes /var/log/containers), so the test sends what it would.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { runOf } from '../helpers/steps';
import { waitFor } from '../helpers/wait';
import { sharedControlPlane } from '../helpers/control-plane';
import { logsStepInput } from '../helpers/logs-step-input';
import { KubeClient } from '../../src/kubernetes/client';
import { toolPath } from '../../src/tools/tool-paths';
import { freePort, spawnDaemon, stopProcess, waitForPort } from '../../packages/sandbox/src/processes';

const MONITORING_NS = 'logs-test-monitoring';
// CozyStack's fluent-bit output for container logs (packages/system/monitoring-agents).
const FLUENT_BIT_URI = '/insert/jsonline?_stream_fields=log_source,stream,kubernetes_pod_name,kubernetes_container_name,kubernetes_namespace_name&_msg_field=log&_time_field=date';

let dir: string;
const pids: number[] = [];
let vlinsert: string;
let vlselect: string;
let kube: KubeClient;
let kubeconfig: string;
const created: { namespace: string; name: string }[] = [];

async function startVictoriaLogs(role: string, args: string[]): Promise<string> {
  const port = await freePort();
  mkdirSync(join(dir, role), { recursive: true });
  const pid = spawnDaemon(toolPath('VICTORIA_LOGS', 'victoria-logs'), [`-httpListenAddr=127.0.0.1:${port}`, '-loggerLevel=WARN', ...args], join(dir, role, 'victoria-logs.log'));
  pids.push(pid);
  await waitForPort(port, `VictoriaLogs ${role}`, 30_000, pid);
  return `127.0.0.1:${port}`;
}

async function deployment(namespace: string, name: string, replicas = 1): Promise<void> {
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (await kube.find({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace })) return;
  const labels = { app: name };
  await kube.apply({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'example.invalid/none:1' }] } } },
  });
  created.push({ namespace, name });
}

/** What fluent-bit sends for these container lines of one pod. */
async function ship(namespace: string, pod: string, container: string, lines: string[]): Promise<void> {
  const now = Date.now();
  const body = lines
    .map((log, i) => JSON.stringify({
      date: new Date(now - (lines.length - i) * 1000).toISOString(),
      log,
      stream: 'stderr',
      log_source: 'container_log',
      kubernetes_pod_name: pod,
      kubernetes_namespace_name: namespace,
      kubernetes_container_name: container,
      tenant: 'tenant-root',
      cluster: 'root-cluster',
    }))
    .join('\n');
  await axios.post(`http://${vlinsert}${FLUENT_BIT_URI}`, body, { headers: { 'Content-Type': 'application/x-ndjson', AccountID: '0', ProjectID: '0' } });
}

const input = (monitoring: Record<string, unknown>) => logsStepInput('logs-test', kubeconfig, { namespace: MONITORING_NS, ...monitoring });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cozy-vlogs-'));
  const storage = await startVictoriaLogs('vlstorage', [`-storageDataPath=${join(dir, 'vlstorage', 'data')}`]);
  vlinsert = await startVictoriaLogs('vlinsert', [`-storageNode=${storage}`]);
  vlselect = await startVictoriaLogs('vlselect', [`-storageNode=${storage}`]);
  kubeconfig = sharedControlPlane().kubeconfigPath;
  kube = await KubeClient.connect({ kubeconfig });
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: MONITORING_NS } });
  await deployment('cozy-cluster-api', 'capmox-controller-manager');
  await deployment('cozy-proxmox-csi', 'cozy-proxmox-csi-operator-controller');
  await ship('cozy-cluster-api', 'capmox-controller-manager-5d8f7c9b6-x2k4q', 'manager', ['I1206 10:00:01 controller.go:117 "Reconciling ProxmoxMachine"', 'I1206 10:00:02 controller.go:140 "VM running"']);
  // A pod of another Deployment whose name starts alike: not CAPMOX's.
  await ship('cozy-cluster-api', 'capmox-controller-manager-extra-7f9c-abcde', 'manager', ['not capmox']);
  await ship('cozy-proxmox-csi', 'cozy-proxmox-csi-operator-controller-6c4d8b7f5-p9m2n', 'proxmox-csi-plugin-controller', ['I1206 CreateVolume: volume created']);
  await ship('cozy-proxmox', 'cozy-proxmox-worker-58b9d6c4f-q7w3e', 'worker', ["2026-12-06T10:00:00.000Z [INFO] Worker state changed { sdkComponent: 'worker', taskQueue: 'cozy-proxmox', state: 'RUNNING' }"]);
  // VictoriaLogs makes a line searchable within a second of its arrival.
  await waitFor(
    async () => String((await axios.get(`http://${vlselect}/select/logsql/query`, { params: { query: 'kubernetes_namespace_name:="cozy-proxmox" | stats count() rows' }, responseType: 'text' })).data),
    (answer) => answer.includes('"rows":"1"'),
    'the shipped lines searchable through vlselect',
    10_000,
  );
}, 60_000);

afterAll(async () => {
  for (const d of created) await kube.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: d.name, namespace: d.namespace }).catch(() => undefined);
  await kube?.delete({ apiVersion: 'v1', kind: 'Namespace', name: MONITORING_NS }).catch(() => undefined);
  for (const pid of pids) await stopProcess(pid);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('passes with each running component\'s line count and latest line, read from vlselect', async () => {
  const out = await runOf('step7.logs')(input({ logs: `http://${vlselect}` }));
  expect(out.status).toBe('passed');
  const capmox = out.details?.find((d) => d.startsWith('CAPMOX'));
  // Two lines of CAPMOX's pod; the other Deployment's pod is not counted.
  expect(capmox).toMatch(/^CAPMOX \(Cluster API provider Proxmox\) \(cozy-cluster-api\/capmox-controller-manager\): 2 line\(s\) in the last 1h, latest at \S+ from capmox-controller-manager-5d8f7c9b6-x2k4q: "I1206 10:00:02 controller.go:140 "VM running""; query: _time:1h \(\(kubernetes_namespace_name:="cozy-cluster-api" kubernetes_pod_name:~.*\) or \(kubernetes\.pod_namespace:="cozy-cluster-api" /);
  expect(out.details?.find((d) => d.startsWith('Proxmox CSI controller'))).toMatch(/: 1 line\(s\) in the last 1h/);
  expect(out.details?.find((d) => d.startsWith('cozy-proxmox worker'))).toMatch(/: 1 line\(s\) in the last 1h/);
  expect(out.details?.find((d) => d.startsWith('prometheus-pve-exporter'))).toBe(`prometheus-pve-exporter (${MONITORING_NS}/cozy-proxmox-monitoring-pve-exporter): not deployed in this cluster, no line expected`);
  expect(out.metrics).toEqual({ componentsWithLines: 3, componentsWithoutLines: 0, lines: 4 });
});

test('warns, naming the component, when a running component has no line', async () => {
  await deployment(MONITORING_NS, 'cozy-proxmox-monitoring-pve-exporter');
  const out = await runOf('step7.logs')(input({ logs: `http://${vlselect}` }));
  expect(out.status).toBe('warning');
  expect(out.notVerified).toBeUndefined();
  expect(out.message).toContain(`but no line of prometheus-pve-exporter (${MONITORING_NS}/cozy-proxmox-monitoring-pve-exporter) in the last 1h`);
  await kube.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cozy-proxmox-monitoring-pve-exporter', namespace: MONITORING_NS });
}, 60_000);

test('a Deployment scaled to zero is not expected to have lines', async () => {
  await deployment(MONITORING_NS, 'cozy-proxmox-monitoring-pve-exporter', 0);
  const out = await runOf('step7.logs')(input({ logs: `http://${vlselect}` }));
  expect(out.status).toBe('passed');
  expect(out.details).toContain(`prometheus-pve-exporter (${MONITORING_NS}/cozy-proxmox-monitoring-pve-exporter): scaled to 0 replicas, no line expected`);
  await kube.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cozy-proxmox-monitoring-pve-exporter', namespace: MONITORING_NS });
}, 60_000);

test('without monitoring.logs: says no logging stack is installed, or names the one it found and could not reach', async () => {
  const none = await runOf('step7.logs')(input({}));
  expect(none.status).toBe('skipped');
  expect(none.message).toContain(`No logging stack found: monitoring.logs is not set and ${MONITORING_NS} has no VictoriaLogs Service (vlselect-*, vlogs-*, vlsingle-*)`);

  // As CozyStack's VLCluster "generic" names its vlselect; cluster DNS does not resolve where the worker runs here.
  await kube.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'vlselect-generic', namespace: MONITORING_NS }, spec: { ports: [{ name: 'http', port: 9471 }] } });
  const found = await runOf('step7.logs')(input({}));
  expect(found.status).toBe('warning');
  expect(found.notVerified).toBe(`VictoriaLogs at http://vlselect-generic.${MONITORING_NS}.svc:9471 is out of the worker's reach`);
  expect(found.message).toContain(`A logging stack is installed (found the Service ${MONITORING_NS}/vlselect-generic), but the worker cannot reach`);
});

test('a URL where VictoriaLogs serves no query API fails naming monitoring.logs', async () => {
  // The real program answers a path it does not serve with 400 "unsupported path requested".
  await expect(runOf('step7.logs')(input({ logs: `http://${vlinsert}/nothing` }))).rejects.toMatchObject({
    type: 'NotFoundError',
    message: expect.stringContaining('(HTTP 400): monitoring.logs must be the base URL of VictoriaLogs'),
  });
});
