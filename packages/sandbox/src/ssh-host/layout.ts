// Where the sandbox host keeps its files. `root` plays the host's filesystem for what kubeadm writes (etc/kubernetes,
// var/lib/kubelet) and what a container runtime would serve (run/containerd), so nothing of this machine's own /etc
// or /var is touched: kubeadm sees these folders at /etc/kubernetes and /var/lib/kubelet in a mount namespace.
import { join } from 'node:path';

export interface SandboxHostLayout {
  dir: string;
  hostKey: string;
  hostKeyPub: string;
  clientKey: string;
  clientKeyPub: string;
  authorizedKeys: string;
  sshdConfig: string;
  pidFile: string;
  logFile: string;
  /** Stand-in tools, first in PATH of every session. */
  bin: string;
  root: string;
  criSocket: string;
  /** The host's /etc/kubernetes, where kubeadm writes kubelet.conf and pki/. */
  kubernetesDir: string;
  /** The host's /var/lib/kubelet (config.yaml, kubeadm-flags.env, pki/). */
  kubeletDir: string;
  /** The overlays' upper and work folders of kubeadm's mount namespace (see standin-tools.ts). */
  namespaceDir: string;
  /** The kubelet service of the sandbox's systemctl: its pid and its log. */
  kubeletPidFile: string;
  kubeletLog: string;
}

export function sandboxHostLayout(dir: string): SandboxHostLayout {
  const root = join(dir, 'root');
  return {
    dir,
    hostKey: join(dir, 'ssh_host_ed25519_key'),
    hostKeyPub: join(dir, 'ssh_host_ed25519_key.pub'),
    clientKey: join(dir, 'client_ed25519_key'),
    clientKeyPub: join(dir, 'client_ed25519_key.pub'),
    authorizedKeys: join(dir, 'authorized_keys'),
    sshdConfig: join(dir, 'sshd_config'),
    pidFile: join(dir, 'sshd.pid'),
    logFile: join(dir, 'sshd.log'),
    bin: join(dir, 'bin'),
    root,
    criSocket: join(root, 'run', 'containerd', 'containerd.sock'),
    kubernetesDir: join(root, 'etc', 'kubernetes'),
    kubeletDir: join(root, 'var', 'lib', 'kubelet'),
    namespaceDir: join(dir, 'mount-namespace'),
    kubeletPidFile: join(dir, 'kubelet.pid'),
    kubeletLog: join(dir, 'kubelet.log'),
  };
}
