// The embedded sandbox: everything a rehearsal needs, on loopback only, in one directory of its own.
//   - Temporal dev server (official CLI, SQLite file, Web UI) with the search attributes registered
//   - the Proxmox VE API simulator (HTTPS with its own CA)
//   - a real Kubernetes control plane (etcd, apiserver, controllers, scheduler, kwok) seeded like a CozyStack cluster
//   - a worker on the sandbox's Temporal
// `up` writes a ready config whose secrets are file references under the sandbox directory, and a state file that
// `status` and `down` read. Starting twice is harmless: running components are kept.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { SEARCH_ATTRIBUTE_KEYS } from '../../../src/workflows/search-attributes';
import { toolPath } from '../../../src/tools/tool-paths';
import { CSI_CONTROLLER_IMAGES } from './operator/csi-controller-pod';
import { DEFAULT_ROOT_PASSWORD, DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, EXPORTER_TOKEN_ID, EXPORTER_TOKEN_SECRET } from './proxmox-sim';
import { compiledModule, freePort, isAlive, preferredPort, repoRoot, spawnDaemon, stopProcess, waitForPort } from './processes';
import { DEFAULT_TASK_QUEUE } from '../../../src/workflows/definitions';
import { startControlPlane } from './kubernetes/control-plane';
import { DEFAULT_CLUSTER_PROFILE, type ClusterProfile } from './kubernetes/cluster-profile';
import { seedCozyStack, type SeedOptions } from './kubernetes/seed';
import { waitForProviders } from './kubernetes/provider-readiness';
import { KubeClient } from '../../../src/kubernetes/client';
import type { ObjectRef } from '../../../src/kubernetes/types';
import { sandboxHostLayout, startSandboxHost, stopHostKubelet } from './ssh-host';
import { installWorkerIdentity } from './kubernetes/worker-identity';
import { startTemporalServer, startTemporalServerProcess, type SandboxTemporalServer } from './temporal/server';
import { TEMPORAL_TLS_SERVER_NAME, temporalTlsEnv } from './temporal/tls-files';
import type { TemporalTlsOptions } from '../../../src/temporal-tls';
import { sandboxMonitoringRunning, startSandboxMonitoring } from './monitoring';
import { LOGGING_TOOLS, sandboxLoggingRunning, startSandboxLogging } from './monitoring/logging';
import { PVE_EXPORTER_IMAGES } from './operator/pve-exporter-pod';
import { CAPI_PROVIDER_IMAGES } from './operator/capi-provider-pods';
import { checkCapiPlatformTools } from './kubernetes/capi-platform';
import { containerLogsDir } from './operator/container-log';
import { WORKER_NODE_FLAGS } from '../../../src/worker-memory';
import { writeSandboxWorkerPolicy } from './worker-policy';

export interface SandboxState {
  dir: string;
  startedAt: string;
  /**
   * `dev`: the Temporal CLI's dev server (SQLite file `dbFile`, its Web UI at uiUrl). `server`: the real server on
   * PostgreSQL with mTLS and the Web UI server (temporal/server.ts), as docker-compose.yml runs them.
   */
  temporal: { address: string; uiUrl: string; pid: number; dbFile: string; namespace: string; mode?: TemporalMode; server?: SandboxTemporalServer };
  proxmox: { url: string; caFile: string; fingerprint: string; pid: number; node: string; simulated: true };
  worker?: { pid: number; taskQueue: string };
  /** Where the sandbox's worker (the `sandbox up` process, or the demo's) serves its metrics; Prometheus scrapes it. */
  workerMetrics?: { address: string; url: string };
  /** The sandbox operator: runs the real cert-manager and cluster-api-operator, the real Cluster API, CAPMOX and IPAM managers for their pods, and the real CSI controller for its pod. */
  operator?: { pid: number; simulated: true };
  /** sshd on loopback standing in for the Proxmox host, with the real kubeadm and a stand-in kubelet (simulated host). */
  sshHost?: { host: string; port: number; user: string; privateKeyFile: string; hostKeyFingerprint: string; criSocket: string; kubernetesDir: string; kubeletDir: string; stateFile: string; pid: number; simulated: true };
  /** Prometheus and the real prometheus-pve-exporter scraping the simulator. */
  monitoring?: { prometheusUrl: string; exporterUrl: string; pids: { exporter: number; prometheus: number } };
  /** VictoriaLogs and vlagent collecting the container logs of the pods that run as processes. */
  logging?: { logsUrl: string; pids: { victoriaLogs: number; vlagent: number } };
  /** The Kubernetes control plane; absent when the sandbox was started without it. */
  kubernetes?: SandboxKubernetes;
  credentials: {
    proxmoxUser: string;
    proxmoxPasswordFile: string;
    proxmoxTokenId: string;
    proxmoxTokenSecretFile: string;
    /** prometheus-pve-exporter's PVEAuditor-only token (the sandbox's exporter and monitoring.chart's). */
    exporterTokenId?: string;
    exporterTokenSecretFile?: string;
  };
  configFile: string;
  logs: Record<string, string>;
}

export interface SandboxKubernetes {
  /** Admin kubeconfig (certificates embedded). */
  kubeconfig: string;
  /** https://127.0.0.1:PORT */
  server: string;
  caFile: string;
  /** The socket kube-apiserver sends its traffic to pods through; the sandbox operator serves it (pod-network.ts). */
  podNetworkSocket?: string;
  /** Component pids in start order (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok). */
  pids: number[];
  components: { name: string; pid: number }[];
  /** As which kind of cluster it runs (talos or kubeadm). */
  profile?: ClusterProfile;
  testNamespace: string;
  /** Whom the worker acts as: the cozy-proxmox-worker chart's ServiceAccount, and a kubeconfig with its token (kubernetes/worker-identity.ts). */
  worker?: { kubeconfig: string; serviceAccount: string };
  simulated: true;
}

export const SANDBOX_TEST_NAMESPACE = 'cozy-proxmox-test';

export interface SandboxOptions {
  dir?: string;
  /** Start a worker too (default true). */
  worker?: boolean;
  /** Seed file for the Proxmox simulator. */
  proxmoxSeed?: string;
  /** Multiplier on the simulator's task durations (1 = realistic). */
  taskSpeed?: number;
  /** Start the Kubernetes control plane and seed it (default true). */
  kubernetes?: boolean;
  /** As which kind of cluster the control plane runs: `talos` (default, as CozyStack) or `kubeadm`. */
  clusterProfile?: ClusterProfile;
  /** What the seed installs (default: everything a CozyStack cluster has). */
  seed?: Omit<SeedOptions, 'onProgress'>;
  onProgress?: (message: string) => void;
  /** Which Temporal: the CLI's dev server (default) or the real server on PostgreSQL. */
  temporal?: TemporalMode;
  /** Aborting stops what was started so far (checked between components). */
  signal?: AbortSignal;
}

export type TemporalMode = 'dev' | 'server';

export function sandboxDir(dir?: string): string {
  return dir ?? process.env.COZY_PROXMOX_SANDBOX_DIR ?? join(homedir(), '.cache', 'cozy-proxmox', 'sandbox');
}

const stateFile = (dir: string) => join(dir, 'state.json');

export function readSandboxState(dir?: string): SandboxState | undefined {
  const file = stateFile(sandboxDir(dir));
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
}

export interface ComponentStatus {
  name: string;
  pid?: number;
  /** For a component made of several processes (kubernetes): all of them, in start order. */
  pids?: number[];
  running: boolean;
}

export function sandboxComponents(state: SandboxState): ComponentStatus[] {
  const list: ComponentStatus[] = [
    ...(state.temporal.server ? [{ name: 'postgresql', pid: state.temporal.server.postgres.pid, running: isAlive(state.temporal.server.postgres.pid) }] : []),
    { name: 'temporal', pid: state.temporal.pid, running: isAlive(state.temporal.pid) },
    ...(state.temporal.server ? [{ name: 'temporal-ui', pid: state.temporal.server.ui.pid, running: isAlive(state.temporal.server.ui.pid) }] : []),
    { name: 'proxmox-simulator', pid: state.proxmox.pid, running: isAlive(state.proxmox.pid) },
  ];
  if (state.kubernetes) {
    const pids = state.kubernetes.pids;
    const apiserver = state.kubernetes.components.find((c) => c.name === 'kube-apiserver')?.pid ?? pids[0];
    list.push({ name: 'kubernetes', pid: apiserver, pids, running: pids.length > 0 && pids.every(isAlive) });
  }
  if (state.sshHost) list.push({ name: 'ssh-host', pid: state.sshHost.pid, running: isAlive(state.sshHost.pid) });
  if (state.monitoring) {
    const m = state.monitoring.pids;
    list.push({ name: 'monitoring', pid: m.prometheus, pids: [m.exporter, m.prometheus], running: sandboxMonitoringRunning(m) });
  }
  if (state.logging) {
    const l = state.logging.pids;
    list.push({ name: 'logging', pid: l.victoriaLogs, pids: [l.victoriaLogs, l.vlagent], running: sandboxLoggingRunning(l) });
  }
  if (state.operator) list.push({ name: 'sandbox-operator', pid: state.operator.pid, running: isAlive(state.operator.pid) });
  if (state.worker) list.push({ name: 'worker', pid: state.worker.pid, running: isAlive(state.worker.pid) });
  return list;
}

export async function sandboxUp(opts: SandboxOptions = {}): Promise<SandboxState> {
  const dir = sandboxDir(opts.dir);
  const say = opts.onProgress ?? (() => undefined);
  const existing = readSandboxState(dir);
  const stopped = existing ? sandboxComponents(existing).filter((c) => !c.running).map((c) => c.name) : [];
  // A worker that crashed is started again alone: runs in flight continue on the new one.
  if (existing && stopped.every((name) => name === 'worker')) {
    say(`sandbox already running in ${dir}`);
    if (opts.worker !== false && (!existing.worker || stopped.includes('worker'))) {
      if (existing.worker) say(`the worker (pid ${existing.worker.pid}) is not running`);
      existing.worker = startWorkerProcess(existing, say);
      writeSandboxState(dir, existing);
    }
    return existing;
  }
  if (existing) await sandboxDown(dir); // half-running: start clean
  // The programs of the charts' pods start only once the charts are installed, minutes into a run, and the logging
  // stack after the control plane: a missing one is said now (with the command that installs it), before anything
  // starts.
  if (opts.kubernetes !== false) {
    for (const image of [...CSI_CONTROLLER_IMAGES, ...PVE_EXPORTER_IMAGES, ...CAPI_PROVIDER_IMAGES]) image.binary();
    checkCapiPlatformTools();
    toolPath('KUBEADM', 'kubernetes');
    for (const [key, tool] of LOGGING_TOOLS) toolPath(key, tool);
  }
  setAsidePreviousSandbox(dir, say);
  for (const sub of ['logs', 'secrets', 'proxmox']) mkdirSync(join(dir, sub), { recursive: true });
  chmodSync(join(dir, 'secrets'), 0o700);
  const logs: Record<string, string> = { temporal: join(dir, 'logs', 'temporal.log'), proxmox: join(dir, 'logs', 'proxmox-simulator.log'), worker: join(dir, 'logs', 'worker.log') };
  const started: number[] = [];
  let monitoringStarting: ReturnType<typeof startSandboxMonitoring> | undefined;
  try {
    // Temporal: the dev server, or the real server on PostgreSQL.
    const port = await preferredPort(7233);
    const dbFile = join(dir, 'temporal.db');
    let temporal: SandboxState['temporal'];
    const uiPort = await preferredPort(8233);
    if (opts.temporal === 'server') {
      logs.postgres = join(dir, 'logs', 'postgresql.log');
      logs.temporalUi = join(dir, 'logs', 'temporal-ui.log');
      const server = await startTemporalServer(dir, port, uiPort, { temporal: logs.temporal, postgres: logs.postgres, ui: logs.temporalUi }, started, say);
      temporal = { address: `127.0.0.1:${port}`, uiUrl: server.ui.url, pid: server.pid, dbFile, namespace: 'default', mode: 'server', server };
    } else {
      say(`starting Temporal dev server on 127.0.0.1:${port} (UI ${uiPort}, database ${dbFile})`);
      const pid = await startTemporalDevServer({ port, uiPort, dbFile }, logs.temporal, started);
      temporal = { address: `127.0.0.1:${port}`, uiUrl: `http://127.0.0.1:${uiPort}`, pid, dbFile, namespace: 'default', mode: 'dev' };
    }
    opts.signal?.throwIfAborted();

    // Proxmox VE API simulator.
    say('starting the Proxmox VE API simulator (simulated Proxmox, HTTPS with its own CA)');
    const proxmoxPort = await preferredPort(8006);
    const simArgs = [compiledModule('proxmox-sim/main.js'), '--port', String(proxmoxPort), '--data-dir', join(dir, 'proxmox')];
    if (opts.proxmoxSeed) simArgs.push('--seed', opts.proxmoxSeed);
    if (opts.taskSpeed !== undefined) simArgs.push('--task-speed', String(opts.taskSpeed));
    const simPid = spawnDaemon(process.execPath, simArgs, logs.proxmox);
    started.push(simPid);
    await waitForPort(proxmoxPort, `the Proxmox simulator (see ${logs.proxmox})`, 30_000, simPid);
    const sim = await readSimulatorLine(logs.proxmox);
    opts.signal?.throwIfAborted();

    // Credentials live in files only the owner can read; the config refers to them.
    const passwordFile = join(dir, 'secrets', 'proxmox-password');
    const tokenFile = join(dir, 'secrets', 'proxmox-token-secret');
    writeFileSync(passwordFile, DEFAULT_ROOT_PASSWORD + '\n', { mode: 0o600 });
    writeFileSync(tokenFile, DEFAULT_TOKEN_SECRET + '\n', { mode: 0o600 });
    const exporterTokenFile = join(dir, 'secrets', 'pve-exporter-token-secret');
    writeFileSync(exporterTokenFile, EXPORTER_TOKEN_SECRET + '\n', { mode: 0o600 });

    // Prometheus and the exporter need only the simulator: they start beside the control plane (its first scrape
    // takes a scrape interval, the control plane about ten seconds).
    say('starting Prometheus and prometheus-pve-exporter scraping the simulator');
    const workerMetricsAddress = `127.0.0.1:${await freePort()}`;
    monitoringStarting = startSandboxMonitoring(dir, { proxmoxUrl: sim.url, caFile: sim.caFile, tokenId: EXPORTER_TOKEN_ID, tokenSecretFile: exporterTokenFile, workerMetricsAddress, onProgress: say }).then((m) => {
      started.push(m.pids.exporter, m.pids.prometheus);
      return m;
    });
    monitoringStarting.catch(() => undefined); // awaited below, or settled by the cleanup
    const seeded = opts.kubernetes === false ? undefined : await startKubernetes(dir, say, started, opts.seed, opts.clusterProfile);
    const kubernetes = seeded?.kubernetes;
    opts.signal?.throwIfAborted();

    const state: SandboxState = {
      dir,
      startedAt: new Date().toISOString(),
      temporal,
      proxmox: { url: sim.url, caFile: sim.caFile, fingerprint: sim.fingerprint, pid: simPid, node: 'pve1', simulated: true },
      ...(kubernetes ? { kubernetes } : {}),
      credentials: {
        proxmoxUser: 'root@pam',
        proxmoxPasswordFile: passwordFile,
        proxmoxTokenId: DEFAULT_TOKEN_ID,
        proxmoxTokenSecretFile: tokenFile,
        exporterTokenId: EXPORTER_TOKEN_ID,
        exporterTokenSecretFile: exporterTokenFile,
      },
      configFile: join(dir, 'config.yaml'),
      logs,
      workerMetrics: { address: workerMetricsAddress, url: `http://${workerMetricsAddress}/metrics` },
    };

    let providersServing: Promise<void> | undefined;
    if (kubernetes) {
      state.operator = await startOperatorProcess(state, kubernetes, say);
      started.push(state.operator.pid);
      opts.signal?.throwIfAborted();
      providersServing = seededProvidersServing(kubernetes.kubeconfig, seeded!.capiProviders, say);
      providersServing.catch(() => undefined); // awaited below, or settled by the cleanup
      say('starting sshd on loopback as the Proxmox host (real kubeadm, a stand-in kubelet)');
      const host = await startSandboxHost(join(dir, 'ssh-host'), { detached: true });
      started.push(host.pid);
      opts.signal?.throwIfAborted();
      state.sshHost = {
        host: host.host, port: host.port, user: host.user, privateKeyFile: host.privateKeyFile,
        hostKeyFingerprint: host.hostKeyFingerprint, criSocket: host.criSocket, kubernetesDir: host.kubernetesDir, kubeletDir: host.kubeletDir, stateFile: host.stateFile, pid: host.pid, simulated: true,
      };
      const logging = await startSandboxLogging(dir, { kubeconfig: kubernetes.kubeconfig, containerLogsDir: containerLogsDir(join(dir, 'pods')), onProgress: say });
      started.push(logging.pids.victoriaLogs, logging.pids.vlagent);
      state.logging = { logsUrl: logging.logsUrl, pids: logging.pids };
      opts.signal?.throwIfAborted();
      kubernetes.worker = await installWorkerIdentity(kubernetes.kubeconfig, join(dir, 'kubernetes'), kubernetes.testNamespace, say);
    }
    await providersServing;
    const monitoring = await monitoringStarting;
    opts.signal?.throwIfAborted();
    state.monitoring = { prometheusUrl: monitoring.prometheusUrl, exporterUrl: monitoring.exporterUrl, pids: monitoring.pids };

    if (opts.worker !== false) {
      state.worker = startWorkerProcess(state, say);
      started.push(state.worker.pid);
    }

    writeFileSync(state.configFile, sandboxConfigYaml(state));
    writeSandboxState(dir, state);
    return state;
  } catch (err) {
    // Monitoring may still be starting beside what failed: once it has settled, its processes are in `started`.
    await monitoringStarting?.catch(() => undefined);
    let stopped = 0;
    for (const pid of started.reverse()) if (await stopProcess(pid)) stopped++;
    say(`sandbox not started: stopped the ${stopped} process${stopped === 1 ? '' : 'es'} it had started`);
    throw err;
  }
}

/**
 * What one sandbox's components hold between its `up` and its `down`: Temporal's database, the simulator's VMs and
 * tasks, the cluster's etcd and PKI, the host's kubeadm files (its /etc/kubernetes), Prometheus' data, the logs. A new
 * sandbox starts with none of it, so that they all agree: a host file from an earlier cluster would make the next
 * join fail, and a run in an old Temporal database would go on against a cluster that no longer has its objects.
 * The SSH keys and the credentials files stay (the config written by `up` names them).
 */
const SANDBOX_RUN_DATA = ['temporal.db', 'temporal.db-wal', 'temporal.db-shm', 'postgres', 'temporal-server', 'temporal-tls', 'temporal-ui', 'proxmox', 'kubernetes', join('ssh-host', 'root'), 'monitoring', 'logs', 'pods'];

/** Moves the run data of the sandbox that ran last in `dir` into `dir/previous` (replacing an older one there). */
function setAsidePreviousSandbox(dir: string, say: (m: string) => void): void {
  const found = SANDBOX_RUN_DATA.filter((p) => existsSync(join(dir, p)));
  if (found.length === 0) return;
  const previous = join(dir, 'previous');
  rmSync(previous, { recursive: true, force: true });
  for (const p of found) {
    mkdirSync(dirname(join(previous, p)), { recursive: true });
    renameSync(join(dir, p), join(previous, p));
  }
  say(`starting a new sandbox in ${dir}: the last one's Temporal history, simulator state, cluster and host files are in ${previous}`);
}

/**
 * Stops the sandbox's Temporal dev server and starts it again on the same ports with the same database file: the
 * runs it holds continue once workers reconnect (an upgrade or a crash of the server, rehearsed).
 */
export async function restartSandboxTemporal(dir?: string, opts: { downMs?: number } = {}): Promise<SandboxState> {
  const d = sandboxDir(dir);
  const state = readSandboxState(d);
  if (!state) throw new Error(`no sandbox in ${d}`);
  await stopProcess(state.temporal.pid);
  if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
  const port = Number(state.temporal.address.split(':')[1]);
  if (state.temporal.server) {
    // The same config (ports, database): the server continues from what PostgreSQL holds.
    state.temporal.pid = startTemporalServerProcess(state.temporal.server.configFile, state.logs.temporal);
    await waitForPort(port, `the Temporal server (see ${state.logs.temporal})`, 120_000, state.temporal.pid);
    state.temporal.server.pid = state.temporal.pid;
  } else {
    const uiPort = Number(new URL(state.temporal.uiUrl).port);
    state.temporal.pid = await startTemporalDevServer({ port, uiPort, dbFile: state.temporal.dbFile }, state.logs.temporal);
  }
  writeSandboxState(d, state);
  return state;
}

/** Starts the dev server and waits for its port; `started` collects the pid for a cleanup on failure. */
async function startTemporalDevServer(opts: { port: number; uiPort: number; dbFile: string }, logFile: string, started: number[] = []): Promise<number> {
  const pid = spawnDaemon(toolPath('TEMPORAL_CLI', 'temporal'), await temporalDevServerArgs(opts), logFile);
  started.push(pid);
  await waitForPort(opts.port, `Temporal (see ${logFile})`, 60_000, pid);
  return pid;
}

function writeSandboxState(dir: string, state: SandboxState): void {
  writeFileSync(stateFile(dir), JSON.stringify(state, null, 2) + '\n');
}

/** The dev server's command line; a restart with the same port and database file continues where it stopped. */
export async function temporalDevServerArgs(opts: { port: number; uiPort: number; dbFile: string }): Promise<string[]> {
  return [
    'server', 'start-dev',
    '--ip', '127.0.0.1', '--port', String(opts.port),
    '--ui-ip', '127.0.0.1', '--ui-port', String(opts.uiPort),
    '--http-port', String(await freePort()), '--metrics-port', String(await freePort()),
    '--db-filename', opts.dbFile, '--log-level', 'warn', '--ui-disable-news-fetch',
    ...SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`]),
  ];
}

/** Starts the control plane (its processes outlive this one) and seeds it like a CozyStack cluster. */
async function startKubernetes(dir: string, say: (m: string) => void, started: number[], seed: SandboxOptions['seed'] = {}, profile?: ClusterProfile): Promise<{ kubernetes: SandboxKubernetes; capiProviders: ObjectRef[] }> {
  const kubeDir = join(dir, 'kubernetes');
  say(`starting the Kubernetes control plane as a ${profile ?? DEFAULT_CLUSTER_PROFILE} cluster (etcd, kube-apiserver, controller-manager, scheduler, kwok)`);
  const plane = await startControlPlane({ dir: kubeDir, detached: true, profile });
  const components = plane.components();
  started.push(...components.map((c) => c.pid));
  say(`seeding it like a CozyStack cluster (simulated components); kubeconfig ${plane.kubeconfigPath}`);
  // The sandbox operator runs the real cluster-api-operator, which installs the seeded providers from their components.
  const { capiProviders } = await seedCozyStack(plane.kubeconfigPath, { ...seed, realCapiOperator: true, onProgress: say });
  const kubernetes: SandboxKubernetes = {
    kubeconfig: plane.kubeconfigPath,
    server: plane.server,
    caFile: plane.caFile,
    podNetworkSocket: plane.podNetworkSocket,
    pids: components.map((c) => c.pid),
    components,
    profile: plane.profile,
    testNamespace: SANDBOX_TEST_NAMESPACE,
    simulated: true,
  };
  return { kubernetes, capiProviders };
}

const PROVIDERS_READY_MS = 300_000;

/**
 * Waits until cluster-api-operator has installed the seeded providers and their managers serve, as in a CozyStack
 * cluster that has been running for a while: the run's first steps find them Ready.
 */
async function seededProvidersServing(kubeconfig: string, providers: ObjectRef[], say: (m: string) => void): Promise<void> {
  if (providers.length === 0) return;
  say(`cluster-api-operator installing ${providers.map((p) => `${p.kind} ${p.name}`).join(' and ')} from their components ConfigMaps`);
  const kube = await KubeClient.connect({ kubeconfig });
  await waitForProviders(kube, providers, { timeoutMs: PROVIDERS_READY_MS, say });
}

async function startOperatorProcess(state: SandboxState, kubernetes: SandboxKubernetes, say: (m: string) => void): Promise<{ pid: number; simulated: true }> {
  say('starting the sandbox operator (the real cert-manager and cluster-api-operator; the real Cluster API v1.10, CAPMOX v0.7 and in-cluster IPAM managers for their providers\' pods; the real Proxmox CSI controller and sidecars for the chart\'s controller pod)');
  const log = join(state.dir, 'logs', 'sandbox-operator.log');
  state.logs.operator = log;
  const args = [compiledModule('operator/main.js'), '--kubeconfig', kubernetes.kubeconfig, '--proxmox-url', state.proxmox.url, '--proxmox-ca', state.proxmox.caFile, '--pods-dir', join(state.dir, 'pods')];
  if (kubernetes.podNetworkSocket) args.push('--pod-network-socket', kubernetes.podNetworkSocket);
  const pid = spawnDaemon(process.execPath, args, log);
  await waitForLine(log, (l) => l.startsWith('{"operator":"ready"'), `the sandbox operator (see ${log})`, pid);
  return { pid, simulated: true };
}

function startWorkerProcess(state: SandboxState, say: (m: string) => void): { pid: number; taskQueue: string } {
  say(`starting a worker on task queue ${DEFAULT_TASK_QUEUE}`);
  // Its policy is written from the state each time, so a worker started again names the same secrets and hosts.
  const policy = writeSandboxWorkerPolicy(state);
  const pid = spawnDaemon(
    process.execPath,
    [
      ...WORKER_NODE_FLAGS, join(repoRoot(), 'bin', 'cozy-proxmox.js'), 'worker', '--address', state.temporal.address, '--task-queue', DEFAULT_TASK_QUEUE, '--policy', policy,
      ...(state.workerMetrics ? ['--metrics-address', state.workerMetrics.address] : []),
    ],
    state.logs.worker,
    { ...process.env, ...sandboxTemporalEnv(state) },
  );
  return { pid, taskQueue: DEFAULT_TASK_QUEUE };
}

async function waitForLine(logFile: string, match: (line: string) => boolean, what: string, pid: number, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').find(match) : undefined;
    if (line) return line;
    if (!isAlive(pid)) throw new Error(`${what} exited before it was ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`);
}

async function readSimulatorLine(logFile: string): Promise<{ url: string; caFile: string; fingerprint: string }> {
  for (let i = 0; i < 50; i++) {
    const lines = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith('{"url"'));
    if (lines.length > 0) return JSON.parse(lines[lines.length - 1]);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the Proxmox simulator did not report its endpoint (see ${logFile})`);
}

/** What a client of this sandbox's Temporal sets: its address, and in server mode the mTLS files (TEMPORAL_TLS_*). */
export function sandboxTemporalEnv(state: SandboxState): Record<string, string> {
  return { TEMPORAL_ADDRESS: state.temporal.address, ...(state.temporal.server ? temporalTlsEnv(state.temporal.server.tls) : {}) };
}

/** The same, as cozy-proxmox's connection options (the demo's in-process worker and client). */
export function sandboxTemporalOptions(state: SandboxState): { address: string; tls?: TemporalTlsOptions } {
  const tls = state.temporal.server?.tls;
  return {
    address: state.temporal.address,
    ...(tls ? { tls: { certPath: tls.clientCert, keyPath: tls.clientKey, caPath: tls.ca, serverName: TEMPORAL_TLS_SERVER_NAME } } : {}),
  };
}

export function sandboxConfigYaml(state: SandboxState): string {
  const config = {
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: 'sandbox' },
    proxmox: {
      url: state.proxmox.url,
      node: state.proxmox.node,
      username: state.credentials.proxmoxUser,
      password: `file:${state.credentials.proxmoxPasswordFile}`,
      token: { id: state.credentials.proxmoxTokenId, secret: `file:${state.credentials.proxmoxTokenSecretFile}` },
      tls: { verify: true, caFile: state.proxmox.caFile },
      storage: 'local-lvm',
      bridge: 'vmbr0',
      templateId: 9000,
    },
    // kwok plays the kubelets: nothing serves exec, so checks that exec into pods are reported as not verified.
    ...(state.kubernetes ? { kubernetes: { kubeconfig: state.kubernetes.worker?.kubeconfig ?? state.kubernetes.kubeconfig, testNamespace: state.kubernetes.testNamespace, podExec: false } } : {}),
    ...(state.sshHost
      ? {
          ssh: {
            host: state.sshHost.host,
            port: state.sshHost.port,
            user: state.sshHost.user,
            privateKey: `file:${state.sshHost.privateKeyFile}`,
            hostKeyFingerprint: state.sshHost.hostKeyFingerprint,
            criSocket: `unix://${state.sshHost.criSocket}`,
            kubernetesDir: state.sshHost.kubernetesDir,
            kubeletDir: state.sshHost.kubeletDir,
          },
        }
      : {}),
    // monitoring.chart installs the dashboards and an exporter with the same PVEAuditor token as the sandbox's.
    ...(state.monitoring
      ? {
          monitoring: {
            prometheus: state.monitoring.prometheusUrl,
            ...(state.logging ? { logs: state.logging.logsUrl } : {}),
            ...(state.credentials.exporterTokenSecretFile ? { exporterToken: { id: state.credentials.exporterTokenId, secret: `file:${state.credentials.exporterTokenSecretFile}` } } : {}),
          },
        }
      : {}),
    gates: { preparation: 'auto', 'basic-integration': 'manual', 'advanced-integration': 'manual', 'monitoring-security': 'manual' },
    simulatedTarget: 'embedded sandbox',
  };
  return `# Written by \`cozy-proxmox sandbox up\`: runs against the embedded sandbox (simulated Proxmox).\n${stringify(config)}`;
}

export async function sandboxDown(dir?: string): Promise<string[]> {
  const d = sandboxDir(dir);
  const state = readSandboxState(d);
  if (!state) return [];
  const stopped: string[] = [];
  // Worker first (it would log errors once Temporal is gone), Temporal last.
  const order = sandboxComponents(state).reverse();
  for (const c of order) {
    // A multi-process component stops in reverse start order (kwok first, etcd last).
    const pids = c.pids ? [...c.pids].reverse() : [c.pid];
    let any = false;
    for (const pid of pids) if (await stopProcess(pid)) any = true;
    if (any) stopped.push(c.name);
  }
  // The kubelet a join started on the host runs on its own (systemctl started it), not as a child of sshd.
  if (state.sshHost) await stopHostKubelet(sandboxHostLayout(join(d, 'ssh-host')));
  rmSync(stateFile(d), { force: true });
  return stopped;
}
