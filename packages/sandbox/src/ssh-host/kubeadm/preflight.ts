// The join preflight kubeadm runs on the host: no earlier join left behind, a container runtime socket, the kubelet
// port free, swap reported. Errors stop the join unless --ignore-preflight-errors names them.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { KubeadmError } from './args';
import { shownPath, type HostPaths } from './host-paths';

export const KUBELET_PORT = 10250;

/** Whether something listens on a TCP port, from /proc (no bind attempt, which would listen beyond loopback). */
export function tcpPortListening(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 3 && cols[3] === '0A' && cols[1].endsWith(`:${hex}`)) return true;
    }
  }
  return false;
}

export function socketPath(criSocket: string): string {
  return criSocket.replace(/^unix:\/\//, '');
}

export function runPreflight(paths: HostPaths, criSocket: string, ignored: Set<string>, log: (l: string) => void): void {
  log('[preflight] Running pre-flight checks');
  const errors: { name: string; text: string }[] = [];
  if (existsSync(paths.kubeletConf)) {
    errors.push({ name: 'FileAvailable--etc-kubernetes-kubelet.conf', text: `${shownPath(paths, paths.kubeletConf)} already exists` });
  }
  if (existsSync(paths.pkiCa)) {
    errors.push({ name: 'FileAvailable--etc-kubernetes-pki-ca.crt', text: `${shownPath(paths, paths.pkiCa)} already exists` });
  }
  const sock = socketPath(criSocket);
  if (!existsSync(sock) || !statSync(sock).isSocket()) {
    errors.push({ name: 'CRI', text: `container runtime is not running: no socket at ${criSocket}` });
  }
  if (tcpPortListening(KUBELET_PORT)) errors.push({ name: `Port-${KUBELET_PORT}`, text: `Port ${KUBELET_PORT} is in use` });
  const swaps = existsSync('/proc/swaps') ? readFileSync('/proc/swaps', 'utf8').trim().split('\n').slice(1) : [];
  if (swaps.length > 0) log('[WARNING Swap]: swap is supported for cgroup v2 only; the kubelet must be configured to use it');

  const fatal = errors.filter((e) => !ignored.has('all') && !ignored.has(e.name.toLowerCase()));
  for (const e of errors.filter((x) => !fatal.includes(x))) log(`[WARNING ${e.name}]: ${e.text}`);
  if (fatal.length > 0) {
    throw new KubeadmError(
      `[preflight] Some fatal errors occurred:\n${fatal.map((e) => `\t[ERROR ${e.name}]: ${e.text}`).join('\n')}\n` +
        '[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`',
      'preflight',
    );
  }
}

export function ignoredChecks(value: string | undefined): Set<string> {
  return new Set((value ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
}
