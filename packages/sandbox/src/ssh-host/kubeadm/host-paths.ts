// The stand-in host's filesystem, under the directory COZY_SANDBOX_HOST_ROOT names: the same relative paths kubeadm
// and the kubelet use on a real host.
import { join } from 'node:path';

export interface HostPaths {
  root: string;
  kubeletConf: string;
  bootstrapKubeletConf: string;
  pkiCa: string;
  kubeletDir: string;
  kubeletClientPem: string;
  state: string;
}

export function standinStateFile(root: string): string {
  return join(root, 'var', 'lib', 'cozy-sandbox', 'kubeadm-state.json');
}

export function hostPaths(root: string): HostPaths {
  return {
    root,
    kubeletConf: join(root, 'etc', 'kubernetes', 'kubelet.conf'),
    bootstrapKubeletConf: join(root, 'etc', 'kubernetes', 'bootstrap-kubelet.conf'),
    pkiCa: join(root, 'etc', 'kubernetes', 'pki', 'ca.crt'),
    kubeletDir: join(root, 'var', 'lib', 'kubelet'),
    kubeletClientPem: join(root, 'var', 'lib', 'kubelet', 'pki', 'kubelet-client-current.pem'),
    state: standinStateFile(root),
  };
}

/** How the host's real path reads in messages (what kubeadm would print). */
export function shownPath(paths: HostPaths, path: string): string {
  return path.startsWith(paths.root) ? path.slice(paths.root.length) || '/' : path;
}
