// step4.host-preflight: SSH to the Proxmox host with its pinned host key, then what the join needs there: not
// joined to another cluster already, swap off, a container runtime socket, kubeadm installed (on a kubeadm cluster;
// join-method.ts), the kubelet installed, the kubelet port free.
// Every check is a line in the details; all failed checks are reported together. Nothing on the host is changed.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { outputTail, type SshClient } from '../../ssh/client';
import { heartbeat } from '../common/activity-context';
import { checkFailed } from '../common/failures';
import { clusterCaPem } from './ca-cert-hash';
import { hostJoinState, type HostJoinState } from './host-join-state';
import { withHost } from './host-session';
import { nodeRef } from './joined-node';
import { chooseJoinMethod } from './join-method';
import type { WorkerSsh } from './settings';
import { runWorkerStep } from './step';
import { defineStep } from '../../catalogue/define-step';
import { SERVICE_RETRY } from '../../catalogue/retry-policies';

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

async function runtimeCheck(host: SshClient, ssh: WorkerSsh): Promise<Check> {
  const path = ssh.criSocket.replace(/^unix:\/\//, '');
  const res = await host.exec(['test', '-S', path], { timeoutMs: 15_000 });
  return res.exitCode === 0
    ? { ok: true, line: `container runtime: socket ${ssh.criSocket} present` }
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

async function kubeletCheck(host: SshClient): Promise<Check> {
  const res = await host.exec(['kubelet', '--version'], { timeoutMs: 30_000 });
  if (res.exitCode !== 0) {
    return { ok: false, line: `kubelet: not usable (exit ${res.exitCode}: ${outputTail(res, 2) || 'no output'}); install the kubelet package (with its systemd unit) matching the cluster version` };
  }
  return { ok: true, line: `kubelet: ${res.stdout.trim().replace(/^Kubernetes /, '')}` };
}

async function portCheck(host: SshClient, joined: boolean): Promise<Check> {
  const res = await host.exec(['cat', '/proc/net/tcp', '/proc/net/tcp6'], { timeoutMs: 15_000 });
  if (res.exitCode !== 0 && !res.stdout) return { ok: false, line: `port ${KUBELET_PORT}: cannot read /proc/net/tcp: ${outputTail(res, 2)}` };
  if (!listensOn(res.stdout, KUBELET_PORT)) return { ok: true, line: `port ${KUBELET_PORT}: free` };
  return joined
    ? { ok: true, line: `port ${KUBELET_PORT}: in use by the kubelet of the join already made` }
    : { ok: false, line: `port ${KUBELET_PORT}: in use; the kubelet needs it (a kubelet already running? \`ss -ltnp 'sport = :${KUBELET_PORT}'\` shows what holds it)` };
}

const RESET_FIX = 'if the host should leave it, run `kubeadm reset -f` on the host, then retry the step (runbook: runbooks/troubleshooting.md#step4host-preflight)';

/**
 * What the host's kubeadm files say. Joined to this cluster: nothing to do (and the Node's registration decides
 * whether the join is complete). Joined to another cluster, or unreadable files: the join must not go ahead.
 */
function joinStateCheck(state: HostJoinState, nodeName: string, registered: boolean): Check & { fatal?: string } {
  switch (state.kind) {
    case 'not-joined':
      return { ok: true, line: 'joined: no (no kubelet.conf or pki/ca.crt from an earlier join)' };
    case 'this-cluster':
      return registered
        ? { ok: true, line: `joined: yes, to this cluster as node ${nodeName} (${state.file} points at ${state.server} and trusts this cluster's CA); the join changes nothing` }
        : { ok: true, warn: true, line: `joined: ${state.file} belongs to this cluster (server ${state.server}) but node ${nodeName} is not registered; its kubelet should register it, else run \`kubeadm reset -f\` on the host and retry` };
    case 'partial':
      return {
        ok: false,
        line: `joined: half way (${state.file} of this cluster, no kubelet.conf); kubeadm join stops at it`,
        fatal: `the Proxmox host holds ${state.file} from a join to this cluster that did not finish (no kubelet.conf); run \`kubeadm reset -f\` on the host, then retry the step`,
      };
    case 'other-cluster': {
      const where = state.server ? `${state.file} points at ${state.server}` : `${state.file} is there`;
      return {
        ok: false,
        line: `joined: to another cluster (${where}, CA ${state.hostCaHash})`,
        fatal: `the Proxmox host is already joined to another cluster: ${where}, with a CA other than this cluster's (${state.hostCaHash}); ${RESET_FIX}`,
      };
    }
    case 'unreadable':
      return {
        ok: false,
        line: `joined: cannot tell (${state.file}: ${state.reason})`,
        fatal: `cannot tell whether the Proxmox host is already joined: ${state.file}: ${state.reason}; the SSH user must be root or have passwordless sudo`,
      };
  }
}

export function workerHostPreflight(input: StepInput): Promise<StepOutcome> {
  return runWorkerStep(input, 'check the Proxmox host for the join', async (client, ssh) => {
    const clusterVersion = (await client.serverVersion()).gitVersion;
    const caPem = clusterCaPem(client);
    const registered = (await client.find(nodeRef(ssh.nodeName))) !== undefined;
    const choice = await chooseJoinMethod(client);
    return withHost(input.config, ssh, async (host) => {
      heartbeat({ host: ssh.host, checking: 'preflight' });
      const joinState = await hostJoinState(host, ssh, caPem);
      const joined = joinStateCheck(joinState, ssh.nodeName, registered);
      const alreadyJoined = joinState.kind === 'this-cluster' && registered;
      const checks: Check[] = [
        { ok: true, line: `ssh: ${ssh.user}@${ssh.host}:${ssh.port}, host key ${host.hostKeyFingerprint} (pinned)` },
        joined,
        await swapCheck(host),
        await runtimeCheck(host, ssh),
        { ok: true, line: `join method: ${choice.method} (${choice.reason})` },
        // kubeadm joins a kubeadm cluster; on any cluster the kubelet is what runs on the host afterwards.
        ...(choice.method === 'kubeadm' ? [await kubeadmCheck(host, clusterVersion)] : []),
        await kubeletCheck(host),
        await portCheck(host, joinState.kind === 'this-cluster'),
      ];
      const details = checks.map((c) => `${c.ok ? (c.warn ? 'warning' : 'ok') : 'FAIL'}: ${c.line}`);
      if (joined.fatal) throw checkFailed(`${joined.fatal} (host ${ssh.host})`, details);
      const failed = checks.filter((c) => !c.ok);
      if (failed.length > 0) {
        throw checkFailed(`the Proxmox host ${ssh.host} is not ready to join (${choice.method}): ${failed.map((c) => c.line.split(':')[0]).join(', ')} failed`, details);
      }
      const warned = checks.some((c) => c.warn);
      return {
        status: warned ? 'warning' : 'passed',
        message: alreadyJoined
          ? `host ${ssh.host} is already joined to this cluster as node ${ssh.nodeName}`
          : `host ${ssh.host} is ready to join as node ${ssh.nodeName}`,
        details,
        outputs: { host: ssh.host, nodeName: ssh.nodeName, hostKeyFingerprint: host.hostKeyFingerprint, alreadyJoined, joinMethod: choice.method },
      };
    });
  });
}

export const workerHostPreflightStep = defineStep({
  id: 'step4.host-preflight',
  phase: 'advanced-integration',
  group: 'step4-worker',
  title: 'Proxmox host reachable over SSH (pinned host key) and ready to join (kubeadm or the kubelet\'s TLS bootstrap)',
  dependsOn: ['worker.chart'],
  blocking: true,
  startToCloseSeconds: 120,
  retry: SERVICE_RETRY,
  run: workerHostPreflight,
});
