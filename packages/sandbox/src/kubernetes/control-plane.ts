// A real Kubernetes control plane on loopback for the sandbox and the tests: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (fake kubelets), each a child process logging to a file in `dir`.
// The binaries come from `scripts/tools.sh kubernetes`.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPath } from '../../../../src/tools/tool-paths';
import { collectionPath, DEFAULT_CLUSTER_PROFILE, profileObjects, TALOS_ADMISSION_CONFIGURATION, type ClusterProfile } from './cluster-profile';
import { KUBERNETES_VERSION } from './kubernetes-version';
import { CertificateAuthority, serviceAccountKeyPair, type ClientIdentity } from './certificates';
import {
  apiserverArgs,
  controllerManagerArgs,
  controlPlaneFiles,
  etcdArgs,
  FRONT_PROXY_CLIENT,
  KUBERNETES_SERVICE_IP,
  KWOK_CONFIG,
  kwokArgs,
  schedulerArgs,
  type ControlPlaneFiles,
} from './component-args';
import { fakeNodeManifest, KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE, nodeIsReady, type NodeTaint } from './fake-node';
import { healthProbe, request, waitFor, type TlsClient } from './http-probe';
import { renderKubeconfig } from './kubeconfig';
import { ManagedProcess } from './managed-process';
import { egressSelectorConfiguration, startPodNetwork, type RunningPodNetwork } from './pod-network';
import { freeLoopbackPorts, LOOPBACK } from './ports';

export interface ControlPlaneOptions {
  /** Where certificates, kubeconfigs, etcd data and component logs go; default a fresh temporary folder. */
  dir?: string;
  /** Run kwok so nodes created with addFakeNode become Ready and their pods Running; default true. */
  kwok?: boolean;
  /** Run kube-controller-manager and kube-scheduler (Deployments, ServiceAccounts, scheduling); default true. */
  controllers?: boolean;
  /** As which kind of cluster the control plane runs (cluster-profile.ts); default `talos`, as CozyStack runs. */
  profile?: ClusterProfile;
  /** How long each component may take to become healthy; default 120 s. */
  startTimeoutMs?: number;
  /**
   * Components outlive this process (each leads its own process group and does not hold the event loop): for the
   * sandbox, whose `up` command returns while the control plane keeps running. Stop them by pid then. The pod
   * network (pod-network.ts) is then served by the process the caller names (the sandbox operator) on
   * `podNetworkSocket`; otherwise this process serves it.
   */
  detached?: boolean;
}

export interface FakeNodeResources {
  cpu?: string;
  memory?: string;
  pods?: string;
  taints?: NodeTaint[];
}

export interface RunningControlPlane {
  /** Admin kubeconfig (system:masters), certificates embedded. */
  kubeconfigPath: string;
  /** The apiserver URL, https://127.0.0.1:PORT. */
  server: string;
  dir: string;
  /** Where kube-apiserver's cluster traffic (webhooks behind Services) goes: the pod network's socket. */
  podNetworkSocket: string;
  /** The cluster CA certificate (PEM file). */
  caFile: string;
  profile: ClusterProfile;
  /** Creates a node that kwok manages and resolves once it is Ready. */
  addFakeNode(name: string, labels?: Record<string, string>, opts?: FakeNodeResources): Promise<void>;
  /** Stops every component (SIGTERM, then SIGKILL after a grace period) and waits until each has exited. */
  stop(): Promise<void>;
  /** Process ids of the components still running. */
  pids(): number[];
  /** Process ids by component name, in start order (etcd first). */
  components(): { name: string; pid: number }[];
}

export { KUBERNETES_VERSION };

const TOOL = 'kubernetes';

interface Binaries {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kwok: string;
}

function findBinaries(withKwok: boolean, withControllers: boolean): Binaries {
  return {
    etcd: toolPath('ETCD', TOOL),
    apiserver: toolPath('KUBE_APISERVER', TOOL),
    controllerManager: withControllers ? toolPath('KUBE_CONTROLLER_MANAGER', TOOL) : '',
    scheduler: withControllers ? toolPath('KUBE_SCHEDULER', TOOL) : '',
    kwok: withKwok ? toolPath('KWOK', TOOL) : '',
  };
}

interface Identities {
  adminTls: TlsClient;
}

function writeCredentials(files: ControlPlaneFiles, server: string): Identities {
  mkdirSync(files.pki, { recursive: true });
  const ca = CertificateAuthority.create('cozy-sandbox-ca');
  writeFileSync(files.caCert, ca.certPem);
  writeFileSync(files.caKey, ca.keyPem, { mode: 0o600 });

  const serving = ca.issueServing('kube-apiserver', {
    ips: [LOOPBACK, KUBERNETES_SERVICE_IP],
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
  });
  writeFileSync(files.apiserverCert, serving.certPem);
  writeFileSync(files.apiserverKey, serving.keyPem, { mode: 0o600 });

  const frontProxyCa = CertificateAuthority.create('cozy-sandbox-front-proxy-ca');
  writeFileSync(files.frontProxyCaCert, frontProxyCa.certPem);
  const frontProxyClient = frontProxyCa.issueClient({ commonName: FRONT_PROXY_CLIENT });
  writeFileSync(files.frontProxyClientCert, frontProxyClient.certPem);
  writeFileSync(files.frontProxyClientKey, frontProxyClient.keyPem, { mode: 0o600 });

  const sa = serviceAccountKeyPair();
  writeFileSync(files.serviceAccountKey, sa.privateKeyPem, { mode: 0o600 });
  writeFileSync(files.serviceAccountPub, sa.publicKeyPem);

  const kubeconfigFor = (path: string, identity: ClientIdentity): TlsClient => {
    const client = ca.issueClient(identity);
    const text = renderKubeconfig({ server, caPem: ca.certPem, clientCertPem: client.certPem, clientKeyPem: client.keyPem, user: identity.commonName });
    writeFileSync(path, text, { mode: 0o600 });
    return { caPem: ca.certPem, certPem: client.certPem, keyPem: client.keyPem };
  };
  // These user names are the ones Kubernetes' bootstrap RBAC grants the components' permissions to.
  const adminTls = kubeconfigFor(files.adminKubeconfig, { commonName: 'kubernetes-admin', organizations: ['system:masters'] });
  kubeconfigFor(files.controllerManagerKubeconfig, { commonName: 'system:kube-controller-manager' });
  kubeconfigFor(files.schedulerKubeconfig, { commonName: 'system:kube-scheduler' });
  // kwok writes node and pod status and node leases across the cluster: the admin group is the simple fit.
  kubeconfigFor(files.kwokKubeconfig, { commonName: 'kwok-controller', organizations: ['system:masters'] });
  return { adminTls };
}

class ControlPlane implements RunningControlPlane {
  readonly kubeconfigPath: string;
  readonly caFile: string;
  readonly podNetworkSocket: string;
  podNetwork?: RunningPodNetwork;
  private readonly processes: ManagedProcess[] = [];
  private stopped = false;

  constructor(
    readonly dir: string,
    readonly server: string,
    files: ControlPlaneFiles,
    private readonly adminTls: TlsClient,
    private readonly kwokEnabled: boolean,
    private readonly startTimeoutMs: number,
    private readonly detached: boolean,
    readonly profile: ClusterProfile,
  ) {
    this.kubeconfigPath = files.adminKubeconfig;
    this.caFile = files.caCert;
    this.podNetworkSocket = files.podNetworkSocket;
  }

  components(): { name: string; pid: number }[] {
    return this.processes.filter((p) => p.running && p.pid !== undefined).map((p) => ({ name: p.name, pid: p.pid as number }));
  }

  pids(): number[] {
    return this.processes.filter((p) => p.running && p.pid !== undefined).map((p) => p.pid as number);
  }

  /** Starts one component and waits until `probe` says it is healthy; a component that dies fails at once. */
  async startComponent(name: string, command: string, args: string[], probe: () => Promise<boolean | string>): Promise<void> {
    const proc = new ManagedProcess({ name, command, args, logFile: join(this.dir, `${name}.log`), cwd: this.dir, detached: this.detached });
    this.processes.push(proc);
    try {
      await waitFor(`${name} (pid ${proc.pid ?? '?'})`, probe, {
        timeoutMs: this.startTimeoutMs,
        abortIf: () => (proc.running ? undefined : proc.exitReason),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n--- last lines of ${proc.logFile} ---\n${proc.logTail()}`);
    }
  }

  apiRequest(path: string, method = 'GET', body?: unknown): ReturnType<typeof request> {
    return request(`${this.server}${path}`, { method, body, tls: this.adminTls, timeoutMs: 10_000 });
  }

  async addFakeNode(name: string, labels: Record<string, string> = {}, opts: FakeNodeResources = {}): Promise<void> {
    if (!this.kwokEnabled) throw new Error(`cannot add fake node ${name}: this control plane runs without kwok`);
    const created = await this.apiRequest('/api/v1/nodes', 'POST', fakeNodeManifest(name, labels, { ...opts, kubeletVersion: KUBERNETES_VERSION }));
    if (created.status !== 201) throw new Error(`creating node ${name} failed: HTTP ${created.status}: ${created.body.slice(0, 500)}`);
    await waitFor(`node ${name} Ready`, async () => {
      const res = await this.apiRequest(`/api/v1/nodes/${encodeURIComponent(name)}`);
      if (res.status !== 200) return `HTTP ${res.status}`;
      return nodeIsReady(JSON.parse(res.body)) ? true : 'not Ready yet';
    }, { timeoutMs: 60_000 });
  }

  /** Creates what the profile's kind of cluster has from its installation (objects already there are kept). */
  async createProfileObjects(caPem: string): Promise<void> {
    for (const obj of profileObjects(this.profile, this.server, caPem)) {
      const res = await this.apiRequest(collectionPath(obj), 'POST', obj);
      if (res.status !== 201 && res.status !== 409) throw new Error(`creating ${obj.kind} ${obj.metadata.name} of the ${this.profile} profile failed: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Clients first, etcd last, so nothing logs a storm of connection errors on the way down.
    for (const proc of [...this.processes].reverse()) await proc.stop();
    await this.podNetwork?.stop();
  }
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<RunningControlPlane> {
  const withKwok = opts.kwok ?? true;
  const withControllers = opts.controllers ?? true;
  const bin = findBinaries(withKwok, withControllers);
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'cozy-kube-'));
  mkdirSync(dir, { recursive: true });
  const files = controlPlaneFiles(dir);
  const [etcdClient, etcdPeer, apiserverPort, cmPort, schedulerPort, kwokPort] = await freeLoopbackPorts(6);
  const server = `https://${LOOPBACK}:${apiserverPort}`;
  const { adminTls } = writeCredentials(files, server);
  writeFileSync(files.kwokConfig, KWOK_CONFIG);
  writeFileSync(files.admissionConfig, TALOS_ADMISSION_CONFIGURATION);
  writeFileSync(files.egressSelectorConfig, egressSelectorConfiguration(files.podNetworkSocket));

  const profile = opts.profile ?? DEFAULT_CLUSTER_PROFILE;
  const plane = new ControlPlane(dir, server, files, adminTls, withKwok, opts.startTimeoutMs ?? 120_000, opts.detached ?? false, profile);
  try {
    if (!opts.detached) plane.podNetwork = await startPodNetwork({ socket: files.podNetworkSocket, kubeconfig: files.adminKubeconfig });
    await plane.startComponent('etcd', bin.etcd, etcdArgs(dir, etcdClient, etcdPeer), healthProbe(`http://${LOOPBACK}:${etcdClient}/readyz`));
    await plane.startComponent('kube-apiserver', bin.apiserver, apiserverArgs(files, apiserverPort, etcdClient, withControllers, profile), healthProbe(`${server}/readyz`, adminTls));
    if (withControllers) {
      await plane.startComponent('kube-controller-manager', bin.controllerManager, controllerManagerArgs(dir, files, cmPort, profile), healthProbe(`https://${LOOPBACK}:${cmPort}/healthz`, {}));
      await plane.startComponent('kube-scheduler', bin.scheduler, schedulerArgs(dir, files, schedulerPort), healthProbe(`https://${LOOPBACK}:${schedulerPort}/livez`, {}));
      // Pods cannot be created in a namespace before its `default` ServiceAccount exists.
      await waitFor('ServiceAccount default/default', async () => {
        const res = await plane.apiRequest('/api/v1/namespaces/default/serviceaccounts/default');
        return res.status === 200 ? true : `HTTP ${res.status}`;
      }, { timeoutMs: 60_000 });
    }
    await plane.createProfileObjects(readFileSync(files.caCert, 'utf8'));
    if (withKwok) {
      await plane.startComponent('kwok', bin.kwok, kwokArgs(files, kwokPort, `${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`), healthProbe(`http://${LOOPBACK}:${kwokPort}/healthz`));
    }
  } catch (error) {
    await plane.stop();
    throw error;
  }
  return plane;
}
