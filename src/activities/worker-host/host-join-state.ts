// Whether the Proxmox host is already a Kubernetes node, and of which cluster, from the files `kubeadm join` leaves on
// it: <kubernetesDir>/kubelet.conf (the kubelet's kubeconfig: the API server and the cluster CA it trusts) and
// <kubernetesDir>/pki/ca.crt. The cluster is told by its CA (the key kubeadm pins, sha256 of the CA's public key),
// not by the server address, which may be a VIP, a DNS name or an IP of the same API server.
import { X509Certificate } from 'node:crypto';
import { parse } from 'yaml';
import { outputTail, type SshClient } from '../../ssh/client';
import { caCertHash } from './ca-cert-hash';
import { asRoot } from './host-session';
import type { WorkerSsh } from './settings';

export type HostJoinState =
  /** No kubelet.conf and no pki/ca.crt: never joined, or reset since. */
  | { kind: 'not-joined' }
  /** kubelet.conf trusts this cluster's CA. */
  | { kind: 'this-cluster'; file: string; server: string }
  /** kubelet.conf, or a pki/ca.crt without it, belongs to a cluster with another CA. */
  | { kind: 'other-cluster'; file: string; server?: string; hostCaHash: string }
  /** pki/ca.crt of this cluster but no kubelet.conf: a join that stopped half way. */
  | { kind: 'partial'; file: string }
  /** The files exist but cannot be read or understood. */
  | { kind: 'unreadable'; file: string; reason: string };

interface KubeconfigDoc {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }[];
}

/** `cat` as root; undefined when the file does not exist. */
async function readHostFile(host: SshClient, ssh: WorkerSsh, path: string): Promise<{ text?: string; error?: string }> {
  const res = await host.exec(asRoot(ssh, ['cat', path]), { timeoutMs: 15_000 });
  if (res.exitCode === 0) return { text: res.stdout };
  if (/No such file or directory/.test(res.stderr)) return {};
  return { error: `cannot read it (exit ${res.exitCode}): ${outputTail(res, 2)}` };
}

function pemHash(pem: string): string | undefined {
  try {
    new X509Certificate(pem);
    return caCertHash(pem);
  } catch {
    return undefined;
  }
}

export async function hostJoinState(host: SshClient, ssh: WorkerSsh, clusterCaPem: string): Promise<HostJoinState> {
  const dir = ssh.kubernetesDir.replace(/\/+$/, '');
  const clusterHash = caCertHash(clusterCaPem);
  const kubeletConf = `${dir}/kubelet.conf`;
  const conf = await readHostFile(host, ssh, kubeletConf);
  if (conf.error) return { kind: 'unreadable', file: kubeletConf, reason: conf.error };
  if (conf.text !== undefined) {
    let cluster: NonNullable<KubeconfigDoc['clusters']>[number]['cluster'];
    try {
      cluster = (parse(conf.text) as KubeconfigDoc | null)?.clusters?.[0]?.cluster;
    } catch (err) {
      return { kind: 'unreadable', file: kubeletConf, reason: `not a kubeconfig: ${(err as Error).message.split('\n')[0]}` };
    }
    const server = cluster?.server ?? '(no server)';
    let caPem: string | undefined;
    let caFrom = kubeletConf;
    if (cluster?.['certificate-authority-data']) caPem = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
    else if (cluster?.['certificate-authority']) {
      caFrom = cluster['certificate-authority'];
      const ca = await readHostFile(host, ssh, caFrom);
      if (ca.text === undefined) return { kind: 'unreadable', file: caFrom, reason: ca.error ?? 'the CA file kubelet.conf names does not exist' };
      caPem = ca.text;
    }
    const hostHash = caPem ? pemHash(caPem) : undefined;
    if (!hostHash) return { kind: 'unreadable', file: caFrom, reason: 'no cluster CA certificate in it' };
    return hostHash === clusterHash ? { kind: 'this-cluster', file: kubeletConf, server } : { kind: 'other-cluster', file: kubeletConf, server, hostCaHash: hostHash };
  }
  const caFile = `${dir}/pki/ca.crt`;
  const ca = await readHostFile(host, ssh, caFile);
  if (ca.error) return { kind: 'unreadable', file: caFile, reason: ca.error };
  if (ca.text === undefined) return { kind: 'not-joined' };
  const hostHash = pemHash(ca.text);
  if (!hostHash) return { kind: 'unreadable', file: caFile, reason: 'not a PEM certificate' };
  return hostHash === clusterHash ? { kind: 'partial', file: caFile } : { kind: 'other-cluster', file: caFile, hostCaHash: hostHash };
}
