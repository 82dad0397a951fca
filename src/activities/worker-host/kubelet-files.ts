// The files a join without kubeadm writes on the host: the same ones `kubeadm join` writes, in the same places, so
// the kubelet package's systemd drop-in for kubeadm (--bootstrap-kubeconfig, --kubeconfig, --config and
// kubeadm-flags.env) starts the kubelet unchanged:
//   <kubernetesDir>/pki/ca.crt               the cluster CA the kubelet trusts
//   <kubernetesDir>/bootstrap-kubelet.conf   API server, CA and bootstrap token for the TLS bootstrap
//   <kubeletDir>/config.yaml                 KubeletConfiguration
//   <kubeletDir>/kubeadm-flags.env           node name, runtime endpoint, labels and taints as kubelet flags
import { stringify } from 'yaml';
import { describeTaint, type Taint, type WorkerSsh } from './settings';

export interface KubeletFile {
  path: string;
  content: string;
  /** Holds the token: written 0600 and never shown. */
  secret?: boolean;
}

export interface KubeletFilesInput {
  ssh: WorkerSsh;
  server: string;
  caPem: string;
  token: string;
  labels: Record<string, string>;
  taints: Taint[];
  extraArgs: Record<string, string>;
  clusterDns?: string;
}

const dirOf = (dir: string) => dir.replace(/\/+$/, '');

export function bootstrapKubeconfig(server: string, caPem: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kubernetes', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    contexts: [{ name: 'tls-bootstrap-token-user@kubernetes', context: { cluster: 'kubernetes', user: 'tls-bootstrap-token-user' } }],
    'current-context': 'tls-bootstrap-token-user@kubernetes',
    users: [{ name: 'tls-bootstrap-token-user', user: { token } }],
  });
}

/** kubeadm's defaults for a joining node's kubelet. */
export function kubeletConfiguration(kubernetesDir: string, clusterDns?: string): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: `${dirOf(kubernetesDir)}/pki/ca.crt` } },
    authorization: { mode: 'Webhook' },
    cgroupDriver: 'systemd',
    ...(clusterDns ? { clusterDNS: [clusterDns] } : {}),
    clusterDomain: 'cluster.local',
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    rotateCertificates: true,
    staticPodPath: `${dirOf(kubernetesDir)}/manifests`,
  });
}

export function kubeletFlagsEnv(i: Pick<KubeletFilesInput, 'ssh' | 'labels' | 'taints' | 'extraArgs'>): string {
  const flags: Record<string, string> = {
    'container-runtime-endpoint': i.ssh.criSocket,
    'hostname-override': i.ssh.nodeName,
    ...(Object.keys(i.labels).length > 0 ? { 'node-labels': Object.entries(i.labels).map(([k, v]) => `${k}=${v}`).join(',') } : {}),
    ...(i.taints.length > 0 ? { 'register-with-taints': i.taints.map(describeTaint).join(',') } : {}),
    ...i.extraArgs,
  };
  return `KUBELET_KUBEADM_ARGS="${Object.entries(flags).map(([k, v]) => `--${k}=${v}`).join(' ')}"\n`;
}

export function kubeletFiles(i: KubeletFilesInput): KubeletFile[] {
  const k8s = dirOf(i.ssh.kubernetesDir);
  const kubelet = dirOf(i.ssh.kubeletDir);
  return [
    { path: `${k8s}/pki/ca.crt`, content: i.caPem },
    { path: `${k8s}/bootstrap-kubelet.conf`, content: bootstrapKubeconfig(i.server, i.caPem, i.token), secret: true },
    { path: `${kubelet}/config.yaml`, content: kubeletConfiguration(k8s, i.clusterDns) },
    { path: `${kubelet}/kubeadm-flags.env`, content: kubeletFlagsEnv(i) },
  ];
}

/** What a reset removes of a join without kubeadm (what `kubeadm reset` removes of the same files). */
export function kubeletResetPaths(ssh: WorkerSsh): string[] {
  const k8s = dirOf(ssh.kubernetesDir);
  const kubelet = dirOf(ssh.kubeletDir);
  return [`${k8s}/kubelet.conf`, `${k8s}/bootstrap-kubelet.conf`, `${k8s}/pki/ca.crt`, `${kubelet}/config.yaml`, `${kubelet}/kubeadm-flags.env`, `${kubelet}/pki`];
}
