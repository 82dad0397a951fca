// The sandbox host's SSH keys: an ed25519 host key (its fingerprint is what the config pins) and a client key pair
// whose public half is authorized. Made once per directory, so a restarted host presents the same key.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { utils } from 'ssh2';
import { publicKeyFingerprint } from '../../ssh/public-key';
import type { SandboxHostLayout } from './layout';

function ensureKeyPair(privateFile: string, publicFile: string, comment: string): string {
  if (!existsSync(privateFile) || !existsSync(publicFile)) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    writeFileSync(privateFile, pair.private.endsWith('\n') ? pair.private : `${pair.private}\n`, { mode: 0o600 });
    writeFileSync(publicFile, `${pair.public}\n`, { mode: 0o644 });
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
