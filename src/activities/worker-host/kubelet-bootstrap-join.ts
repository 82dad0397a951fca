// The join without kubeadm (a Talos cluster): the step writes over SSH the files `kubeadm join` would write
// (kubelet-files.ts), then starts the kubelet service; the kubelet sends its CSR with the bootstrap token, the
// cluster's controller manager approves and signs it, and the kubelet registers its Node. The token travels only on
// the SSH session's standard input into a 0600 file.
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject } from '../../kubernetes/types';
import { outputTail, type SshClient } from '../../ssh/client';
import { heartbeat } from '../common/activity-context';
import { checkFailed } from '../common/failures';
import { asRoot } from './host-session';
import { kubeletFiles, type KubeletFilesInput } from './kubelet-files';
import type { WorkerSsh } from './settings';

const KUBE_DNS = { apiVersion: 'v1', kind: 'Service', name: 'kube-dns', namespace: 'kube-system' };

/** The cluster DNS address the kubelet hands to pods (the kube-dns Service), when the cluster has one. */
export async function clusterDnsAddress(client: KubeClient): Promise<string | undefined> {
  const svc = await client.find<KubeObject & { spec?: { clusterIP?: string } }>(KUBE_DNS);
  const ip = svc?.spec?.clusterIP;
  return ip && ip !== 'None' ? ip : undefined;
}

async function writeFile(host: SshClient, ssh: WorkerSsh, path: string, content: string): Promise<void> {
  const res = await host.exec(asRoot(ssh, ['sh', '-c', 'umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1"', 'write-file', path]), { stdin: content, timeoutMs: 30_000 });
  if (res.exitCode !== 0) throw checkFailed(`cannot write ${path} on ${ssh.host} (exit ${res.exitCode}): ${outputTail(res, 3)}`);
}

export async function joinWithKubeletBootstrap(host: SshClient, ssh: WorkerSsh, files: KubeletFilesInput, details: string[]): Promise<void> {
  for (const file of kubeletFiles(files)) {
    heartbeat({ writing: file.path });
    await writeFile(host, ssh, file.path, file.content);
    details.push(`wrote ${file.path}${file.secret ? ' (0600, holds the bootstrap token)' : ''}`);
  }
  heartbeat({ starting: 'kubelet' });
  const start = await host.exec(asRoot(ssh, ['sh', '-c', 'systemctl daemon-reload && systemctl enable kubelet && systemctl restart kubelet']), { timeoutMs: 60_000 });
  if (start.exitCode !== 0) {
    throw checkFailed(`cannot start the kubelet on ${ssh.host} (exit ${start.exitCode}): ${outputTail(start, 3)}; is the kubelet package installed (its systemd unit)?`, details);
  }
  details.push('kubelet service restarted (systemctl); it joins by TLS bootstrap');
}

/** Undoes a join without kubeadm: the kubelet stopped, then the files the join and the kubelet wrote removed. */
export async function stopKubeletAndRemove(host: SshClient, ssh: WorkerSsh, paths: string[]): Promise<void> {
  const res = await host.exec(asRoot(ssh, ['sh', '-c', 'systemctl stop kubelet; rm -rf -- "$@"', 'reset', ...paths]), { timeoutMs: 120_000 });
  if (res.exitCode !== 0) throw checkFailed(`removing the kubelet's join files on ${ssh.host} failed (exit ${res.exitCode}): ${outputTail(res, 5)}`);
}
