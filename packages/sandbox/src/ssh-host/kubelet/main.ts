// The sandbox host's `kubelet`: what the real kubelet does with the files a join leaves, up to the point where a
// container runtime would be needed. It reads its configuration, serves /healthz where config.yaml says, makes its
// client certificate by TLS bootstrap (a CSR sent with the bootstrap token, approved and signed by
// kube-controller-manager) unless kubelet.conf already holds one, writes kubelet.conf as the kubelet does, and
// registers its Node as system:node:<name> with the labels and taints of its flags. kwok plays the rest (node status,
// pods and the node's Lease, which kwok also uses to claim the nodes it plays, so the stand-in leaves it alone), as it
// does for every sandbox node. The sandbox's `systemctl` starts and stops it as the kubelet service.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { KUBERNETES_VERSION } from '../../kubernetes/control-plane';
import { sleep } from './api';
import { hostPaths, type HostPaths } from './host-paths';
import { readKubeconfig, readKubeletSettings } from './kubelet-files';
import { parseTaints, registerNode } from './register-node';
import { recordJoin } from './state';
import { tlsBootstrap, type NodeCredentials } from './tls-bootstrap';

const HOST_ROOT_ENV = 'COZY_SANDBOX_HOST_ROOT';
const BOOTSTRAP_TIMEOUT_MS = 60_000;
const RETRY_MS = 5_000;

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} kubelet: ${line}\n`);

function write(path: string, text: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode });
}

/** kubelet.conf as the kubelet writes it after its TLS bootstrap: the rotating client certificate file, by host path. */
function kubeletKubeconfig(server: string, caPem: string, clientPem: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default-cluster', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'default-auth', user: { 'client-certificate': clientPem, 'client-key': clientPem } }],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', user: 'default-auth', namespace: 'default' } }],
    'current-context': 'default-context',
  });
}

/** The credentials of kubelet.conf, or new ones by TLS bootstrap with bootstrap-kubelet.conf (retried as the kubelet does). */
async function credentials(paths: HostPaths, nodeName: string): Promise<{ server: string; caPem: string; creds: NodeCredentials; bootstrapped: boolean }> {
  if (existsSync(paths.kubeletConf)) {
    const conf = readKubeconfig(paths.kubeletConf);
    const pem = readFileSync(paths.onHost(conf.clientCertFile ?? paths.shown(paths.kubeletClientPem)), 'utf8');
    const certPem = pem.slice(0, pem.indexOf('-----END CERTIFICATE-----') + 26);
    return { server: conf.server, caPem: conf.caPem, creds: { certPem, keyPem: pem.slice(certPem.length) }, bootstrapped: false };
  }
  for (;;) {
    try {
      if (!existsSync(paths.bootstrapKubeletConf)) throw new Error(`unable to load bootstrap kubeconfig: stat ${paths.shown(paths.bootstrapKubeletConf)}: no such file or directory`);
      const boot = readKubeconfig(paths.bootstrapKubeletConf);
      if (!boot.token) throw new Error(`${paths.shown(paths.bootstrapKubeletConf)} holds no token`);
      const creds = await tlsBootstrap(boot.server, boot.caPem, boot.token, nodeName, BOOTSTRAP_TIMEOUT_MS, log);
      write(paths.kubeletClientPem, creds.certPem + creds.keyPem);
      write(paths.kubeletConf, kubeletKubeconfig(boot.server, boot.caPem, paths.shown(paths.kubeletClientPem)));
      log(`TLS bootstrap done: ${paths.shown(paths.kubeletConf)} written`);
      return { server: boot.server, caPem: boot.caPem, creds, bootstrapped: true };
    } catch (err) {
      log(`failed to run Kubelet: ${(err as Error).message}; retrying in ${RETRY_MS / 1000} s`);
      await sleep(RETRY_MS);
    }
  }
}

async function run(): Promise<void> {
  if (process.argv.includes('--version')) {
    process.stdout.write(`Kubernetes ${KUBERNETES_VERSION}\n`);
    return;
  }
  const root = process.env[HOST_ROOT_ENV];
  if (!root) throw new Error(`${HOST_ROOT_ENV} is not set: this stand-in runs only on the sandbox host`);
  const paths = hostPaths(root);
  const settings = readKubeletSettings(paths, hostname());
  const healthz = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve, reject) => healthz.once('error', reject).listen(settings.healthzPort, settings.healthzAddress, resolve));
  log(`started for node ${settings.nodeName}; /healthz on ${settings.healthzAddress}:${settings.healthzPort}`);
  process.on('SIGTERM', () => process.exit(0));

  const { server, caPem, creds, bootstrapped } = await credentials(paths, settings.nodeName);
  for (;;) {
    try {
      const registered = await registerNode(server, caPem, creds, {
        nodeName: settings.nodeName,
        labels: settings.labels,
        taints: parseTaints(settings.taints),
        criSocket: settings.runtimeEndpoint,
      });
      log(`node ${settings.nodeName} ${registered === 'created' ? 'registered' : 'already registered'}`);
      if (bootstrapped && registered === 'created') recordJoin(paths.history, settings.nodeName, server);
      break;
    } catch (err) {
      log(`unable to register node ${settings.nodeName}: ${(err as Error).message}; retrying in ${RETRY_MS / 1000} s`);
      await sleep(RETRY_MS);
    }
  }
}

run().catch((err: unknown) => {
  log(`exiting: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
