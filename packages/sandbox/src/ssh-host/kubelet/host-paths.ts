// The stand-in host's filesystem, under the directory COZY_SANDBOX_HOST_ROOT names: the same relative paths kubeadm
// and the kubelet use on a real host.
import { join } from 'node:path';

export interface HostPaths {
  root: string;
  kubeletConf: string;
  bootstrapKubeletConf: string;
  pkiCa: string;
  kubeletDir: string;
  kubeletConfig: string;
  kubeletFlagsEnv: string;
  instanceConfig: string;
  kubeletClientPem: string;
  history: string;
  /** How a path under the root reads on the host (what the kubelet prints and writes into kubelet.conf). */
  shown(path: string): string;
  /** The file under the root that a host path names. */
  onHost(hostPath: string): string;
}

export function standinStateFile(root: string): string {
  return join(root, 'var', 'lib', 'cozy-sandbox', 'host-history.log');
}

export function hostPaths(root: string): HostPaths {
  const kubeletDir = join(root, 'var', 'lib', 'kubelet');
  return {
    root,
    kubeletConf: join(root, 'etc', 'kubernetes', 'kubelet.conf'),
    bootstrapKubeletConf: join(root, 'etc', 'kubernetes', 'bootstrap-kubelet.conf'),
    pkiCa: join(root, 'etc', 'kubernetes', 'pki', 'ca.crt'),
    kubeletDir,
    kubeletConfig: join(kubeletDir, 'config.yaml'),
    kubeletFlagsEnv: join(kubeletDir, 'kubeadm-flags.env'),
    instanceConfig: join(kubeletDir, 'instance-config.yaml'),
    kubeletClientPem: join(kubeletDir, 'pki', 'kubelet-client-current.pem'),
    history: standinStateFile(root),
    shown: (path) => (path.startsWith(root) ? path.slice(root.length) || '/' : path),
    onHost: (hostPath) => (hostPath.startsWith(root) ? hostPath : join(root, hostPath)),
  };
}
