// step4.host-preflight: SSH to the Proxmox host with its pinned host key, then what kubeadm join needs there: swap
// off, a container runtime socket, kubeadm installed, the kubelet port free. Every check is a line in the details;
// all failed checks are reported together.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { outputTail, type SshClient } from '../../ssh';
import { heartbeat } from '../common/activity-context';
import { checkFailed } from '../common/failures';
import { withHost } from './host-session';
import type { WorkerSsh } from './settings';
import { runWorkerStep } from './step';

export const KUBELET_PORT = 10250;

interface Check {
  ok: boolean;
  warn?: boolean;
  line: string;
}

/** Listening sockets on a port, from /proc/net/tcp{,6} text (state 0A = LISTEN). */
export function listensOn(procNetTcp: string, port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return procNetTcp.split('\n').some((line) => {
    const cols = line.trim().split(/\s+/);
    return cols.length > 3 && cols[3] === '0A' && cols[1].endsWith(hex);
  });
}

async function swapCheck(host: SshClient): Promise<Check> {
  const res = await host.exec(['cat', '/proc/swaps'], { timeoutMs: 15_000 });
  if (res.exitCode !== 0) return { ok: false, line: `swap: cannot read /proc/swaps (exit ${res.exitCode}): ${outputTail(res, 2)}` };
  const devices = res.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]).filter(Boolean);
  return devices.length === 0
    ? { ok: true, line: 'swap: off (/proc/swaps lists no device)' }
    : { ok: false, line: `swap: on (${devices.join(', ')}); the kubelet refuses to start with swap: run \`swapoff -a\` and remove swap from /etc/fstab` };
}

async function runtimeCheck(host: SshClient, ssh: WorkerSsh, sandbox: boolean): Promise<Check> {
  const path = ssh.criSocket.replace(/^unix:\/\//, '');
  const res = await host.exec(['test', '-S', path], { timeoutMs: 15_000 });
  const note = sandbox ? ' (sandbox: the socket file the stand-in runtime would serve; no container runtime runs, kwok plays the kubelet)' : '';
  return res.exitCode === 0
    ? { ok: true, line: `container runtime: socket ${ssh.criSocket} present${note}` }
    : { ok: false, line: `container runtime: no socket at ${ssh.criSocket}; install and start containerd (or set ssh.criSocket to the runtime's socket)` };
}

async function kubeadmCheck(host: SshClient, clusterVersion: string | undefined): Promise<Check> {
  const res = await host.exec(['kubeadm', 'version', '-o', 'short'], { timeoutMs: 30_000 });
  if (res.exitCode !== 0) {
    return { ok: false, line: `kubeadm: not usable (exit ${res.exitCode}: ${outputTail(res, 2) || 'no output'}); install kubeadm and kubelet matching the cluster version` };
  }
  const version = res.stdout.trim();
  const minor = (v: string | undefined) => Number(/^v?\d+\.(\d+)/.exec(v ?? '')?.[1] ?? NaN);
  const skew = minor(clusterVersion) - minor(version);
  if (clusterVersion && Number.isFinite(skew) && (skew < 0 || skew > 1)) {
    return { ok: true, warn: true, line: `kubeadm: ${version}, cluster ${clusterVersion}: outside the supported skew (kubeadm may be the cluster's minor or one older)` };
  }
  return { ok: true, line: `kubeadm: ${version}${clusterVersion ? ` (cluster ${clusterVersion})` : ''}` };
}

async function portCheck(host: SshClient): Promise<Check> {
  const res = await host.exec(['cat', '/proc/net/tcp', '/proc/net/tcp6'], { timeoutMs: 15_000 });
  if (res.exitCode !== 0 && !res.stdout) return { ok: false, line: `port ${KUBELET_PORT}: cannot read /proc/net/tcp: ${outputTail(res, 2)}` };
  return listensOn(res.stdout, KUBELET_PORT)
    ? { ok: false, line: `port ${KUBELET_PORT}: in use; the kubelet needs it (a kubelet already running? \`ss -ltnp 'sport = :${KUBELET_PORT}'\` shows what holds it)` }
    : { ok: true, line: `port ${KUBELET_PORT}: free` };
}

export function workerHostPreflight(input: StepInput): Promise<StepOutcome> {
  return runWorkerStep(input, 'check the Proxmox host for the join', async (client, ssh) => {
    const clusterVersion = (await client.serverVersion()).gitVersion;
    return withHost(input.config, ssh, async (host) => {
      heartbeat({ host: ssh.host, checking: 'preflight' });
      const checks: Check[] = [
        { ok: true, line: `ssh: ${ssh.user}@${ssh.host}:${ssh.port}, host key ${host.hostKeyFingerprint} (pinned)` },
        await swapCheck(host),
        await runtimeCheck(host, ssh, input.config.sandbox),
        await kubeadmCheck(host, clusterVersion),
        await portCheck(host),
      ];
      const details = checks.map((c) => `${c.ok ? (c.warn ? 'warning' : 'ok') : 'FAIL'}: ${c.line}`);
      const failed = checks.filter((c) => !c.ok);
      if (failed.length > 0) {
        throw checkFailed(`the Proxmox host ${ssh.host} is not ready for kubeadm join: ${failed.map((c) => c.line.split(':')[0]).join(', ')} failed`, details);
      }
      const warned = checks.some((c) => c.warn);
      return {
        status: warned ? 'warning' : 'passed',
        message: `host ${ssh.host} is ready to join as node ${ssh.nodeName}`,
        details,
        outputs: { host: ssh.host, nodeName: ssh.nodeName, hostKeyFingerprint: host.hostKeyFingerprint },
      };
    });
  });
}
