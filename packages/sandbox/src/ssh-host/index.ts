// The sandbox's stand-in for the Proxmox host: the real OpenSSH server (Debian's sshd) on 127.0.0.1 with a host key
// and an authorized client key made for it, and a kubeadm stand-in on the sessions' PATH that joins through the
// Kubernetes API the way kubeadm does (bootstrap token discovery, TLS bootstrap), with kwok playing the kubelet.
import { mkdirSync, existsSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
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
import { standinStateFile } from './kubeadm/host-paths';

export { sandboxHostLayout, type SandboxHostLayout } from './layout';
export { readStandinState, type StandinState } from './kubeadm/state';

export interface SandboxHostOptions {
  /** Default: a free loopback port. */
  port?: number;
  /** The login user; default the user running this process (sshd can only switch users when run as root). */
  user?: string;
  /** sshd outlives this process (for `sandbox up`); stop it by pid then. Default false. */
  detached?: boolean;
  startTimeoutMs?: number;
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
  /** JSON record of what the stand-in kubeadm did (joins, resets). */
  stateFile: string;
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
  const proc = new ManagedProcess({ name: 'sshd', command: sshd, args: ['-D', '-e', '-f', layout.sshdConfig], logFile: layout.logFile, detached: opts.detached });
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
    stateFile: standinStateFile(layout.root),
    logFile: layout.logFile,
    pid: proc.pid as number,
    layout,
    stop: () => proc.stop(),
  };
}
