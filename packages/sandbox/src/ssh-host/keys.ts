// The sandbox host's SSH keys: an ed25519 host key (its fingerprint is what the config pins) and a client key pair
// whose public half is authorized. Made once per directory, so a restarted host presents the same key.
// OpenSSH's own ssh-keygen makes them, as an operator would: ssh2's key generator drops a leading zero byte of an
// ed25519 public key (about one key in 128), which leaves a key pair no SSH implementation accepts.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { publicKeyFingerprint } from '../../../../src/ssh/public-key';
import { toolPath } from '../../../../src/tools/tool-paths';
import type { SandboxHostLayout } from './layout';

function ensureKeyPair(privateFile: string, publicFile: string, comment: string): string {
  if (!existsSync(privateFile) || !existsSync(publicFile)) {
    rmSync(privateFile, { force: true });
    rmSync(publicFile, { force: true });
    execFileSync(toolPath('SSH_KEYGEN', 'debian'), ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', privateFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    // ssh-keygen writes the public half to <private>.pub.
    if (`${privateFile}.pub` !== publicFile) {
      writeFileSync(publicFile, readFileSync(`${privateFile}.pub`), { mode: 0o644 });
      rmSync(`${privateFile}.pub`);
    }
  }
  return readFileSync(publicFile, 'utf8').trim();
}

export interface SandboxHostKeys {
  hostKeyFingerprint: string;
  clientPublicKey: string;
}

export function ensureSandboxHostKeys(layout: SandboxHostLayout): SandboxHostKeys {
  const hostPublic = ensureKeyPair(layout.hostKey, layout.hostKeyPub, 'cozy-proxmox-sandbox-host');
  const clientPublic = ensureKeyPair(layout.clientKey, layout.clientKeyPub, 'cozy-proxmox-worker');
  writeFileSync(layout.authorizedKeys, `${clientPublic}\n`, { mode: 0o600 });
  return { hostKeyFingerprint: publicKeyFingerprint(hostPublic), clientPublicKey: clientPublic };
}
