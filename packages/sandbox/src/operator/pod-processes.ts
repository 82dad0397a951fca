// Runs the containers of one pod as local processes, the way a kubelet would run them, for images the sandbox has a
// binary of (real upstream programs built by `npm run tools`). kwok keeps the pod's status; this gives the pod the
// program behind it. What a container sees is made from the pod spec:
// - volumes: emptyDir and hostPath are folders under the pod's folder; secret, configMap and projected volumes are
//   written there from the objects (their keys, or their `items`);
// - args and env values: the container's, with every mount path rewritten to the folder behind it;
// - env valueFrom: the pod's fields (namespace, name, uid, node, service account), Secret and ConfigMap keys;
// - the API: a kubeconfig with a token of the pod's ServiceAccount (TokenRequest bound to the pod), passed as
//   --kubeconfig, so the chart's RBAC is what the program is allowed; in a pod the same programs read the token
//   from the service account mount, which a process here cannot have. For the same reason a container that asks
//   for --leader-election is told its namespace (--leader-election-namespace), which in a pod comes from that mount.
//   A pod with automountServiceAccountToken false gets neither, as it would have no token;
// - the network: with `reach` set, a container that declares ports runs in a network namespace of its own, and the
//   ports it serves are recorded on the pod, which is how kube-apiserver reaches them at the pod's address
//   (kubernetes/pod-network.ts);
// - mounts: in a namespace, a volume mounted under /tmp is mounted there (the webhook certificate the managers read
//   from /tmp/k8s-webhook-server/serving-certs), and the service account at its usual path;
// - a Secret volume whose Secret does not exist yet holds the start back, as a kubelet keeps the pod in
//   ContainerCreating (PodNotReady: the runner tries again on its next pass).
// A container that exits is started again with a growing delay (1 s doubling to 30 s), as restartPolicy Always does.
// Its output goes to <pod folder>/<container>.log and, as a kubelet keeps it, to the node's container log
// (container-log.ts): a log collector that reads /var/log/containers (vlagent here) finds it there.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { KubeClient } from '../../../../src/kubernetes/client';
import { rawRequest } from '../../../../src/kubernetes/raw-request';
import type { KubeObject } from '../../../../src/kubernetes/types';
import { stopProcess } from '../processes';
import { containerId, containerLogFile, criLine, recordContainerId } from './container-log';
import { mergePatch } from './kube-ops';
import { openNetworkNamespace, type NetworkNamespace, type WrapOptions } from './network-namespace';
import { PUBLISHED_PORTS_ANNOTATION } from '../kubernetes/pod-network';
import { portOf } from '../kubernetes/ports';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image?: string;
  args?: string[];
  ports?: { containerPort: number; name?: string }[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string }[];
}
type KeyItems = { key: string; path: string }[];
interface Volume {
  name: string;
  secret?: { secretName: string; items?: KeyItems; optional?: boolean };
  configMap?: { name: string; items?: KeyItems };
  projected?: { sources: { secret?: { name: string; items?: KeyItems }; configMap?: { name: string; items?: KeyItems } }[] };
}
export type Pod = KubeObject & {
  spec: { containers: Container[]; volumes?: Volume[]; serviceAccountName?: string; nodeName?: string; automountServiceAccountToken?: boolean };
  status?: { phase?: string };
};

/** An image the sandbox can run: the pattern its reference matches, and the binary (resolved when it starts). */
export interface RunnableImage {
  image: RegExp;
  binary: () => string;
}

export interface PodProcessContext {
  kube: KubeClient;
  /** Where each pod gets its folder (volumes, kubeconfig, one log per container). */
  podsDir: string;
  /** The node's container log folder (a kubelet's /var/log/containers); none: no container logs are written. */
  containerLogsDir?: string;
  /**
   * Set: a container that declares ports runs in a network namespace of its own (network-namespace.ts), as in a pod
   * it has an address of its own: it serves on every interface of the namespace, its ports are published on free
   * 127.0.0.1 ports, and it reaches these loopback ports of the machine (the API server, the Proxmox simulator).
   */
  reach?: number[];
  log(message: string): void;
}

/** Tokens live a day and are asked again after half of it; client-go re-reads a kubeconfig's tokenFile. */
const TOKEN_SECONDS = 24 * 3600;
const MAX_RESTART_DELAY_MS = 30_000;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces each mount path (at the start of a value, after `=` or after `//` as in unix:///csi/csi.sock). */
export function rewritePaths(value: string, mounts: { mountPath: string; hostPath: string }[]): string {
  let out = value;
  for (const m of [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length)) {
    out = out.replace(new RegExp(`(^|=|//)${escapeRegExp(m.mountPath.replace(/\/$/, ''))}(?=/|$)`, 'g'), `$1${m.hostPath}`);
  }
  return out;
}

/** The pod cannot start yet (a kubelet would keep it in ContainerCreating): tried again on a later pass. */
export class PodNotReady extends Error {}

export class PodProcesses {
  readonly dir: string;
  private readonly children = new Map<string, ChildProcess>();
  private readonly namespaces = new Map<string, NetworkNamespace>();
  private readonly restarts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private tokenAt = 0;
  private stopping = false;

  constructor(
    readonly pod: Pod,
    private readonly images: RunnableImage[],
    private readonly ctx: PodProcessContext,
  ) {
    // Short: the CSI socket lives below it, and a unix socket path has at most 107 bytes.
    this.dir = join(ctx.podsDir, (pod.metadata.uid ?? pod.metadata.name).slice(0, 8));
  }

  get podName(): string {
    return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
  }

  /** The containers this pod has that the sandbox can run, with their binaries. */
  runnable(): { container: Container; binary: () => string }[] {
    return this.pod.spec.containers.flatMap((c) => {
      const match = this.images.find((i) => i.image.test(c.image ?? ''));
      return match ? [{ container: c, binary: match.binary }] : [];
    });
  }

  async start(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    const apiAccess = this.pod.spec.automountServiceAccountToken !== false;
    if (apiAccess) {
      mkdirSync(this.serviceAccountDir, { recursive: true });
      await this.refreshToken();
      this.writeKubeconfig();
    }
    const volumes = await this.prepareVolumes();
    for (const { container, binary } of this.runnable()) {
      const mounts = (container.volumeMounts ?? []).map((m) => ({ mountPath: m.mountPath, hostPath: volumes.get(m.name) ?? join(this.dir, 'volumes', m.name) }));
      const args = (container.args ?? []).map((a) => rewritePaths(a, mounts));
      if (apiAccess) args.push(`--kubeconfig=${join(this.dir, 'kubeconfig')}`);
      if (args.includes('--leader-election') && !args.some((a) => a.startsWith('--leader-election-namespace'))) {
        args.push(`--leader-election-namespace=${this.pod.metadata.namespace}`);
      }
      const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
      for (const e of container.env ?? []) env[e.name] = rewritePaths(await this.envValue(e), mounts);
      const ports = (container.ports ?? []).map((p) => p.containerPort);
      if (this.ctx.reach && ports.length > 0) {
        this.namespaces.set(container.name, await openNetworkNamespace({ dir: join(this.dir, `ns-${container.name}`), reach: this.ctx.reach, serve: ports }));
        if (apiAccess) {
          // What a pod's environment says of the `kubernetes` Service; here the API server's own loopback address,
          // which the namespace's bridge reaches.
          env.KUBERNETES_SERVICE_HOST = new URL(this.ctx.kube.server).hostname;
          env.KUBERNETES_SERVICE_PORT = String(portOf(this.ctx.kube.server));
        }
      }
      // In a namespace, mounts under /tmp are mounted where the program looks (controller-runtime's webhook
      // certificate folder is a fixed default of the managers' flags); elsewhere their paths are only rewritten.
      const tmpMounts = mounts.filter((m) => m.mountPath.startsWith('/tmp/')).map((m) => ({ source: m.hostPath, target: m.mountPath.replace(/\/$/, '') }));
      this.run(container.name, binary(), args, env, { serviceAccountDir: apiAccess ? this.serviceAccountDir : undefined, tmpMounts });
    }
    await this.recordPublishedPorts();
  }

  /** The ports served in namespaces, on the pod: where the pod network finds them (kubernetes/pod-network.ts). */
  private async recordPublishedPorts(): Promise<void> {
    const ports: Record<string, number> = {};
    for (const ns of this.namespaces.values()) for (const [inside, outside] of ns.published) ports[String(inside)] = outside;
    if (Object.keys(ports).length === 0) return;
    const ref = { apiVersion: 'v1', kind: 'Pod', name: this.pod.metadata.name, namespace: this.pod.metadata.namespace };
    await mergePatch(this.ctx.kube, ref, { metadata: { annotations: { [PUBLISHED_PORTS_ANNOTATION]: JSON.stringify(ports) } } });
  }

  /** The machine's 127.0.0.1 port of each port the container serves, for a container run in a namespace. */
  published(container: string): Map<number, number> | undefined {
    return this.namespaces.get(container)?.published;
  }

  /** Asks a new token when half of the last one's life has gone (called on each pass of the controller). */
  async refreshToken(): Promise<void> {
    if (this.pod.spec.automountServiceAccountToken === false) return;
    if (Date.now() - this.tokenAt < (TOKEN_SECONDS * 1000) / 2) return;
    const ns = this.pod.metadata.namespace ?? 'default';
    const sa = this.pod.spec.serviceAccountName ?? 'default';
    const res = await rawRequest(this.ctx.kube.kc, `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
      method: 'POST',
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: TOKEN_SECONDS, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: this.pod.metadata.name, uid: this.pod.metadata.uid } },
      },
    });
    writeFileSync(join(this.serviceAccountDir, 'token'), (JSON.parse(res.body) as { status: { token: string } }).status.token, { mode: 0o600 });
    this.tokenAt = Date.now();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    // SIGTERM, then SIGKILL after 5 s, as the sandbox stops its own processes.
    await Promise.all([...this.children.values()].map((child) => stopProcess(child.pid, 5000)));
    this.children.clear();
    await Promise.all([...this.namespaces.values()].map((ns) => ns.close()));
    this.namespaces.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private writeKubeconfig(): void {
    const cluster = this.ctx.kube.kc.getCurrentCluster();
    if (!cluster) throw new Error('the sandbox kubeconfig has no current cluster');
    const ca = cluster.caData ? { 'certificate-authority-data': cluster.caData } : cluster.caFile ? { 'certificate-authority': cluster.caFile } : {};
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'sandbox', cluster: { server: cluster.server, ...ca } }],
      users: [{ name: 'pod', user: { tokenFile: join(this.serviceAccountDir, 'token') } }],
      contexts: [{ name: 'pod', context: { cluster: 'sandbox', user: 'pod', namespace: this.pod.metadata.namespace } }],
      'current-context': 'pod',
    };
    writeFileSync(join(this.dir, 'kubeconfig'), toYaml(kubeconfig), { mode: 0o600 });
    // The service account mount of a pod, for programs in a namespace (network-namespace.ts): client-go's in-cluster
    // config and controller-runtime's leader election read it.
    const caPem = cluster.caData ? Buffer.from(cluster.caData, 'base64') : cluster.caFile ? readFileSync(cluster.caFile) : Buffer.alloc(0);
    writeFileSync(join(this.serviceAccountDir, 'ca.crt'), caPem);
    writeFileSync(join(this.serviceAccountDir, 'namespace'), this.pod.metadata.namespace ?? 'default');
  }

  private get serviceAccountDir(): string {
    return join(this.dir, 'serviceaccount');
  }

  /** Makes each volume's folder; returns volume name -> folder. */
  private async prepareVolumes(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const v of this.pod.spec.volumes ?? []) {
      const dir = join(this.dir, 'volumes', v.name);
      mkdirSync(dir, { recursive: true });
      out.set(v.name, dir);
      // A projected volume is its sources' keys in one folder.
      const secrets = [...(v.secret ? [{ name: v.secret.secretName, items: v.secret.items }] : []), ...(v.projected?.sources ?? []).flatMap((p) => (p.secret ? [p.secret] : []))];
      const configMaps = [...(v.configMap ? [v.configMap] : []), ...(v.projected?.sources ?? []).flatMap((p) => (p.configMap ? [p.configMap] : []))];
      for (const secret of secrets) {
        const data = await this.objectData('Secret', secret.name);
        if (!data && v.secret && !v.secret.optional) throw new PodNotReady(`${this.podName}: volume ${v.name} waits for Secret ${secret.name}`);
        writeKeys(dir, data ?? {}, secret.items, (s) => Buffer.from(s, 'base64'));
      }
      for (const cm of configMaps) writeKeys(dir, (await this.objectData('ConfigMap', cm.name)) ?? {}, cm.items, (s) => Buffer.from(s, 'utf8'));
    }
    return out;
  }

  private async objectData(kind: 'Secret' | 'ConfigMap', name: string): Promise<Record<string, string> | undefined> {
    const obj = await this.ctx.kube.find<KubeObject & { data?: Record<string, string> }>({ apiVersion: 'v1', kind, name, namespace: this.pod.metadata.namespace });
    return obj?.data;
  }

  private async envValue(e: EnvVar): Promise<string> {
    if (e.value !== undefined) return e.value;
    const from = e.valueFrom;
    if (from?.fieldRef) {
      const fields: Record<string, string | undefined> = {
        'metadata.namespace': this.pod.metadata.namespace,
        'metadata.name': this.pod.metadata.name,
        'metadata.uid': this.pod.metadata.uid,
        'spec.nodeName': this.pod.spec.nodeName,
        'spec.serviceAccountName': this.pod.spec.serviceAccountName,
      };
      return fields[from.fieldRef.fieldPath] ?? '';
    }
    if (from?.secretKeyRef) {
      const data = await this.objectData('Secret', from.secretKeyRef.name);
      return Buffer.from(data?.[from.secretKeyRef.key] ?? '', 'base64').toString('utf8');
    }
    if (from?.configMapKeyRef) return (await this.objectData('ConfigMap', from.configMapKeyRef.name))?.[from.configMapKeyRef.key] ?? '';
    return '';
  }

  private run(name: string, binary: string, args: string[], env: Record<string, string>, mounts: WrapOptions = {}): void {
    if (this.stopping) return;
    const logFile = join(this.dir, `${name}.log`);
    const program = this.namespaces.get(name)?.wrap(binary, args, mounts) ?? { command: binary, args };
    // In the caller's process group: stopping the sandbox operator's group stops these too.
    const child = spawn(program.command, program.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.set(name, child);
    this.keepOutput(name, child, logFile);
    child.on('error', (err) => this.ctx.log(`${this.podName} container ${name} could not start: ${err.message}`));
    child.on('exit', (code, signal) => {
      this.children.delete(name);
      if (this.stopping) return;
      const restarts = (this.restarts.get(name) ?? 0) + 1;
      this.restarts.set(name, restarts);
      const delay = Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (restarts - 1));
      this.ctx.log(`${this.podName} container ${name} exited (${signal ?? `code ${code}`}); restart ${restarts} in ${delay / 1000} s; last output:\n${tail(logFile)}`);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.run(name, binary, args, env, mounts);
      }, delay);
      this.timers.add(timer);
    });
  }

  /**
   * The container's output, line by line, to its log in the pod's folder and (with a container log folder) to the
   * node's container log under a new container ID per start, which the pod's status then names, as a kubelet does.
   */
  private keepOutput(name: string, child: ChildProcess, logFile: string): void {
    const plain = createWriteStream(logFile, { flags: 'a' });
    const dir = this.ctx.containerLogsDir;
    const id = dir ? containerId(this.pod, name, this.restarts.get(name) ?? 0) : undefined;
    const cri = dir && id ? createWriteStream(containerLogFile(dir, this.pod, name, id), { flags: 'a' }) : undefined;
    let open = 2;
    for (const [stream, source] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
      if (!source) continue;
      const lines = createInterface({ input: source, crlfDelay: Infinity });
      lines.on('line', (line) => {
        plain.write(`${line}\n`);
        cri?.write(criLine(stream, line));
      });
      lines.on('close', () => {
        if (--open > 0) return;
        plain.end();
        cri?.end();
      });
    }
    if (id) {
      recordContainerId(this.ctx.kube, this.pod, name, id).catch((err: unknown) =>
        this.ctx.log(`${this.podName} container ${name}: its container ID not recorded in the pod's status: ${(err as Error).message}`),
      );
    }
  }
}

function writeKeys(dir: string, data: Record<string, string>, items: KeyItems | undefined, decode: (s: string) => Buffer): void {
  const entries = items ? items.filter((i) => data[i.key] !== undefined).map((i) => [i.path, data[i.key]] as const) : Object.entries(data);
  for (const [path, value] of entries) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, decode(value), { mode: 0o600 });
  }
}

function tail(file: string, lines = 8): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
