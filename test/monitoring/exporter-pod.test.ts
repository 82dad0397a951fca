// The monitoring chart's exporter pod, run as the sandbox runs it: the real helm installs the chart on the shared
// control plane (the exporter's login and the simulator's CA in its Secret and ConfigMap), kwok runs the pod, and
// the sandbox operator's pve-exporter runner starts the real prometheus-pve-exporter with the pod's arguments and
// projected volume in a network namespace of its own. Scraped on its published port, it collects from the Proxmox
// simulator with the chart's token; its output is the pod's container log.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { HelmClient } from '../../src/helm/client';
import { KubeClient } from '../../src/kubernetes/client';
import { exporterTarget } from '../../src/monitoring/exporter-target';
import { startOperator, type RunningOperator } from '../../packages/sandbox/src/operator';
import { containerLogsDir } from '../../packages/sandbox/src/operator/container-log';
import { PVE_EXPORTER_CONTROLLER } from '../../packages/sandbox/src/operator/pve-exporter-pod';
import { EXPORTER_TOKEN_ID, EXPORTER_TOKEN_SECRET } from '../../packages/sandbox/src/proxmox-sim/default-seed';
import { startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { REPO_ROOT } from '../helpers/cli';
import { sharedControlPlane } from '../helpers/control-plane';
import { waitFor } from '../helpers/wait';

const CHART = join(REPO_ROOT, 'charts', 'cozy-proxmox-monitoring');
const namespace = `exporter-pod-${process.pid}`;
// kwok runs the pod on a node of its own (the shared control plane has none of its own).
const NODE = 'cozy-exporter-pod-node';
let dir: string;
let sim: RunningSimulator;
let kube: KubeClient;
let helm: HelmClient;
let operator: RunningOperator | undefined;
const operatorLog: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cozy-exporter-pod-'));
  const plane = sharedControlPlane();
  kube = await KubeClient.connect({ kubeconfig: plane.kubeconfigPath });
  helm = new HelmClient({ kubeconfig: plane.kubeconfigPath });
  await plane.addFakeNode(NODE);
  sim = await startProxmoxSimulator({});
  const [user, name] = EXPORTER_TOKEN_ID.split('!');
  await helm.upgradeInstall({
    release: 'mon',
    chart: CHART,
    namespace,
    createNamespace: true,
    values: {
      grafanaOperator: { enabled: false },
      exporter: { enabled: true, target: exporterTarget(sim.url), token: { user, name, value: EXPORTER_TOKEN_SECRET }, caBundle: readFileSync(sim.caFile as string, 'utf8') },
    },
  });
  operator = await startOperator({
    kubeconfig: plane.kubeconfigPath,
    proxmox: { url: sim.url, caFile: sim.caFile },
    controllers: [PVE_EXPORTER_CONTROLLER],
    podsDir: join(dir, 'pods'),
    log: (_c, m) => operatorLog.push(m),
  });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await helm?.uninstall('mon', namespace).catch(() => undefined);
  await kube?.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  await kube?.delete({ apiVersion: 'v1', kind: 'Node', name: NODE }).catch(() => undefined);
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

test("the chart's exporter pod runs the real exporter, which collects from Proxmox with the chart's token and CA", async () => {
  const started = await waitFor(
    async () => operatorLog.find((m) => m.includes(`${namespace}/mon-pve-exporter-`) && m.includes('started exporter')),
    (m) => m !== undefined,
    "the exporter pod's program started",
    60_000,
  );
  // Served on :9221 in its namespace, published on a free loopback port.
  const port = Number(/:9221 on 127\.0\.0\.1:(\d+)/.exec(started!)?.[1]);
  expect(port).toBeGreaterThan(0);
  const res = await waitFor(
    () => axios.get<string>(`http://127.0.0.1:${port}/pve`, { params: { target: exporterTarget(sim.url), cluster: 1, node: 1 }, responseType: 'text', validateStatus: () => true }).catch(() => undefined),
    (r) => r?.status === 200,
    'the exporter answering /pve',
    30_000,
  );
  expect(res!.data).toMatch(/^pve_up\{id="node\/pve1"\} 1\.0$/m);
  // The exporter's requests reached the simulator under the chart's token (python-requests is its client).
  expect(Object.keys(sim.requestsByClient()).some((ua) => ua.startsWith('python-requests'))).toBe(true);
  const logs = readdirSync(containerLogsDir(join(dir, 'pods'))).filter((f) => f.startsWith('mon-pve-exporter-') && f.includes(`_${namespace}_exporter-`));
  expect(logs).toHaveLength(1);
  const lines = readFileSync(join(containerLogsDir(join(dir, 'pods')), logs[0]), 'utf8');
  expect(lines).toMatch(/ stderr F \[.*\] \[INFO\] Listening at: http:\/\/0\.0\.0\.0:9221/);
  expect(operatorLog.join('\n')).not.toContain('container exporter exited');
  expect(existsSync(join(dir, 'pods'))).toBe(true);
}, 120_000);
