// The sandbox's stand-in for the Proxmox host: the real OpenSSH server (Debian's sshd) on 127.0.0.1 with a host key
// and an authorized client key made for it; on the sessions' PATH the real kubeadm (in a mount namespace), a
// systemctl that runs one service, the kubelet, and a stand-in kubelet that does its TLS bootstrap and registers its
// Node, with kwok playing the rest of the kubelet (see standin-tools.ts).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellQuote } from '../../../../src/ssh/shell-quote';
import { userInfo } from 'node:os';
import { toolPath } from '../../../../src/tools/tool-paths';
import { ManagedProcess } from '../kubernetes/managed-process';
import { freeLoopbackPorts, LOOPBACK } from '../kubernetes/ports';
import { waitForPort } from '../processes';
import { ensureSandboxHostKeys } from './keys';
import { sandboxHostLayout, type SandboxHostLayout } from './layout';
import { ensureRuntimeSocket } from './runtime-socket';
import { sshdConfig } from './sshd-config';
import { installStandinTools } from './standin-tools';
import { standinStateFile } from './kubelet/host-paths';
import { stopProcess } from '../processes';

export { sandboxHostLayout, type SandboxHostLayout } from './layout';
export { readStandinState, type StandinState } from './kubelet/state';

export interface SandboxHostOptions {
  /** Default: a free loopback port. */
  port?: number;
  /** The login user; default the user running this process (sshd can only switch users when run as root). */
  user?: string;
  /** sshd outlives this process (for `sandbox up`); stop it by pid then. Default false. */
  detached?: boolean;
  startTimeoutMs?: number;
  /**
   * The host has swap on: sshd runs in a mount namespace where /proc/swaps lists a swap partition, so what every
   * session reads there (the preflight, kubeadm's own check) says so. This machine's swap stays as it is.
   */
  swapOn?: boolean;
}

export interface SandboxHost {
  host: string;
  port: number;
  user: string;
  /** The client private key (OpenSSH format): config.ssh.privateKey is `file:` this path. */
  privateKeyFile: string;
  /** config.ssh.hostKeyFingerprint. */
  hostKeyFingerprint: string;
  /** The container runtime socket the stand-in host has (a socket file; the sandbox runs no runtime). */
  criSocket: string;
  /** The host's /etc/kubernetes (config.ssh.kubernetesDir). */
  kubernetesDir: string;
  /** The directory playing the host's filesystem root (etc/kubernetes, var/lib/kubelet). */
  hostRoot: string;
  /** The host's /var/lib/kubelet. */
  kubeletDir: string;
  /** What happened on the host, a line per event (joins: the kubelet registered its node; resets). */
  stateFile: string;
  /** The stand-in kubelet's log. */
  kubeletLog: string;
  logFile: string;
  pid: number;
  layout: SandboxHostLayout;
  stop(): Promise<void>;
}

/** Creates the host's files once under `dir` (keys survive restarts) and starts sshd on loopback. */
export async function startSandboxHost(dir: string, opts: SandboxHostOptions = {}): Promise<SandboxHost> {
  const layout = sandboxHostLayout(dir);
  mkdirSync(layout.root, { recursive: true });
  const keys = ensureSandboxHostKeys(layout);
  installStandinTools(layout);
  ensureRuntimeSocket(layout.criSocket);
  const user = opts.user ?? userInfo().username;
  const port = opts.port ?? (await freeLoopbackPorts(1))[0];
  writeFileSync(layout.sshdConfig, sshdConfig(layout, port, user));
  // sshd's privilege separation directory; only root may create it, and only root's sshd needs it.
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });

  const sshd = toolPath('SSHD', 'debian');
  const sshdArgs = ['-D', '-e', '-f', layout.sshdConfig];
  const { command, args } = opts.swapOn ? withSwapOn(layout, sshd, sshdArgs) : { command: sshd, args: sshdArgs };
  const proc = new ManagedProcess({ name: 'sshd', command, args, logFile: layout.logFile, detached: opts.detached });
  try {
    await waitForPort(port, `sshd (see ${layout.logFile})`, opts.startTimeoutMs ?? 15_000, proc.pid, LOOPBACK);
  } catch (err) {
    await proc.stop();
    throw new Error(`${(err as Error).message}\n--- last lines of ${layout.logFile} ---\n${proc.logTail()}`);
  }
  return {
    host: LOOPBACK,
    port,
    user,
    privateKeyFile: layout.clientKey,
    hostKeyFingerprint: keys.hostKeyFingerprint,
    criSocket: layout.criSocket,
    kubernetesDir: layout.kubernetesDir,
    hostRoot: layout.root,
    kubeletDir: layout.kubeletDir,
    stateFile: standinStateFile(layout.root),
    kubeletLog: layout.kubeletLog,
    logFile: layout.logFile,
    pid: proc.pid as number,
    layout,
    stop: async () => {
      await stopHostKubelet(layout);
      await proc.stop();
    },
  };
}

/** Stops the kubelet service a join started on the host (the sandbox's systemctl keeps its pid in a file). */
export async function stopHostKubelet(layout: SandboxHostLayout): Promise<void> {
  if (!existsSync(layout.kubeletPidFile)) return;
  const pid = Number(readFileSync(layout.kubeletPidFile, 'utf8').trim());
  if (pid > 0) await stopProcess(pid);
  rmSync(layout.kubeletPidFile, { force: true });
}

const SWAPS = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sda3                               partition\t8388604\t\t0\t\t-2\n';

/** sshd started in a mount namespace whose /proc/swaps lists a swap partition (unshare execs: the pid is sshd's). */
function withSwapOn(layout: SandboxHostLayout, sshd: string, args: string[]): { command: string; args: string[] } {
  const swaps = join(layout.dir, 'proc-swaps');
  writeFileSync(swaps, SWAPS);
  const script = `mount --bind ${shellQuote(swaps)} /proc/swaps && exec ${[sshd, ...args].map(shellQuote).join(' ')}`;
  return { command: 'unshare', args: ['--mount', '--propagation', 'private', '/bin/sh', '-c', script] };
}
