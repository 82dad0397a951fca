// The sandbox sshd's configuration: loopback only, one user, key authentication only, everything (host key, pid file,
// authorized keys) inside the sandbox directory, and the stand-in tools first in every session's PATH.
import type { SandboxHostLayout } from './layout';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function sshdConfig(layout: SandboxHostLayout, port: number, user: string): string {
  return [
    '# sshd of the cozy-proxmox sandbox: the stand-in for the Proxmox host a worker joins from.',
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${layout.hostKey}`,
    `PidFile ${layout.pidFile}`,
    `AuthorizedKeysFile ${layout.authorizedKeys}`,
    `AllowUsers ${user}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    // The key files live in the sandbox directory, whose parents (a temporary folder) are writable by others.
    'StrictModes no',
    'PermitUserEnvironment no',
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'AllowAgentForwarding no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    // The host's tools (kubeadm, systemctl, kubelet) are found before anything the machine has.
    `SetEnv PATH=${layout.bin}:${SYSTEM_PATH}`,
    '',
  ].join('\n');
}
