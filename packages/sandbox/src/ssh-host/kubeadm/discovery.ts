// Token discovery as `kubeadm join` does it: fetch kube-public/cluster-info without trusting the server yet, check the
// JWS signature the bootstrapsigner controller made with this token, check that the CA in it matches a pinned
// public key hash, then fetch it again over TLS verified by that CA. The result: the API server URL and its CA.
import { createHash, createHmac, timingSafeEqual, X509Certificate } from 'node:crypto';
import { parse } from 'yaml';
import { apiCall, sleep, statusMessage } from './api';
import { KubeadmError } from './args';

const CLUSTER_INFO = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

interface ClusterInfo {
  data?: Record<string, string>;
}

interface KubeconfigDoc {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
}

export interface Discovered {
  server: string;
  caPem: string;
}

export function parseToken(token: string): { id: string; secret: string } {
  const m = /^([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(token);
  if (!m) throw new KubeadmError('the bootstrap token does not match the pattern "[a-z0-9]{6}.[a-z0-9]{16}"', 'preflight');
  return { id: m[1], secret: m[2] };
}

/** sha256:<hex> of the DER SubjectPublicKeyInfo, the form of --discovery-token-ca-cert-hash. */
export function publicKeyPin(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Checks the detached JWS (header..signature, HS256 keyed with the token's secret half) over the kubeconfig text. */
function signatureValid(detached: string, kubeconfig: string, tokenSecret: string): boolean {
  const [header, , signature] = detached.split('.');
  if (!header || signature === undefined) return false;
  const expected = base64url(createHmac('sha256', tokenSecret).update(`${header}.${base64url(kubeconfig)}`).digest());
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  return a.length === b.length && timingSafeEqual(a, b);
}

function clusterOf(kubeconfig: string): { server: string; caPem: string } {
  const doc = parse(kubeconfig) as KubeconfigDoc;
  const cluster = doc.clusters?.[0]?.cluster;
  if (!cluster?.server || !cluster['certificate-authority-data']) {
    throw new KubeadmError('the cluster-info ConfigMap holds no usable kubeconfig (server and certificate-authority-data)', 'preflight');
  }
  return { server: cluster.server, caPem: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8') };
}

export async function discover(endpoint: string, token: string, caCertHashes: string[], timeoutMs: number, log: (l: string) => void): Promise<Discovered> {
  const { id, secret } = parseToken(token);
  const base = `https://${endpoint}`;
  const deadline = Date.now() + timeoutMs;
  let lastProblem = '';
  log(`[discovery] Created cluster-info discovery client, requesting info from "${endpoint}"`);
  for (;;) {
    const insecure = await apiCall(base, CLUSTER_INFO).catch((err: Error) => ({ status: 0, body: err.message, json: () => ({}) as never }));
    if (insecure.status === 401 || insecure.status === 403) {
      throw new KubeadmError(`could not fetch the cluster-info ConfigMap from ${endpoint}: ${statusMessage(insecure)}`, 'preflight');
    }
    if (insecure.status === 200) {
      const data = insecure.json<ClusterInfo>().data ?? {};
      const kubeconfig = data.kubeconfig;
      const jws = data[`jws-kubeconfig-${id}`];
      if (!kubeconfig) throw new KubeadmError('there is no kubeconfig in the cluster-info ConfigMap', 'preflight');
      if (jws) {
        if (!signatureValid(jws, kubeconfig, secret)) {
          throw new KubeadmError("failed to verify JWS signature of received cluster info object, can't trust this API Server", 'preflight');
        }
        const cluster = clusterOf(kubeconfig);
        const pin = publicKeyPin(cluster.caPem);
        const wanted = caCertHashes.map((h) => h.toLowerCase());
        if (!wanted.includes(pin)) {
          throw new KubeadmError(`cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${pin}" are pinned`, 'preflight');
        }
        // Trusted now: read it again over a verified connection, as kubeadm does, and make sure it is the same.
        const secure = await apiCall(base, CLUSTER_INFO, { caPem: cluster.caPem });
        if (secure.status !== 200 || secure.json<ClusterInfo>().data?.kubeconfig !== kubeconfig) {
          throw new KubeadmError('the cluster-info ConfigMap read over a verified connection differs from the signed one', 'preflight');
        }
        log(`[discovery] Cluster info signature and contents are valid and TLS certificate validates against pinned roots, will use API Server "${endpoint}"`);
        return cluster;
      }
      lastProblem = `there is no JWS signed token in the cluster-info ConfigMap. This token id "${id}" is invalid for this cluster or it has expired. Use "kubeadm token create" on the control-plane node to create a new valid token`;
    } else {
      lastProblem = insecure.status === 0 ? `cannot reach ${endpoint}: ${insecure.body}` : `cluster-info: HTTP ${insecure.status}: ${statusMessage(insecure)}`;
    }
    if (Date.now() > deadline) throw new KubeadmError(`couldn't validate the identity of the API Server: ${lastProblem}`, 'preflight');
    await sleep(500);
  }
}
