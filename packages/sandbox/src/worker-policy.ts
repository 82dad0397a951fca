// The sandbox's worker policy (src/worker-policy): its workers resolve exactly the secret references of the config
// `sandbox up` writes and call loopback only, as an operator's worker would be set up. Written into the sandbox
// directory, where `sandbox up` starts its worker with --policy and the demo loads it for its in-process worker.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generateSigningKeyPair } from '../../../src/approvals/key-pair';
import { defaultApprover } from '../../../src/cli/output';
import type { SandboxState } from './sandbox';

/** Every component of the sandbox listens on loopback, by address or name. */
export const SANDBOX_POLICY_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

export function sandboxWorkerPolicyFile(dir: string): string {
  return join(dir, 'worker-policy.yaml');
}

/** The file references sandboxConfigYaml names (the Proxmox password and token, the host's SSH key). */
export function sandboxSecretRefs(state: SandboxState): string[] {
  const files = [state.credentials.proxmoxPasswordFile, state.credentials.proxmoxTokenSecretFile];
  if (state.credentials.exporterTokenSecretFile) files.push(state.credentials.exporterTokenSecretFile);
  if (state.sshHost) files.push(state.sshHost.privateKeyFile);
  // A path holding a glob character would match more (or less) than itself: each is escaped to stand for itself.
  return files.map((f) => `file:${f.replace(/[\\*?[\]{}()!+@]/g, (c) => `\\${c}`)}`);
}

/** The key that signs the sandbox user's decisions (`sandbox up` prints it as COZY_PROXMOX_SIGNING_KEY). */
export function sandboxApproverKeyFile(dir: string): string {
  return join(dir, 'approver-key');
}

/**
 * The sandbox's one approver: the user, under their login name, with a key made once in the sandbox directory. Its
 * gates then take signed decisions only, as a production worker's would.
 */
export function sandboxApprover(dir: string): { name: string; key: string } {
  const file = sandboxApproverKeyFile(dir);
  const name = defaultApprover().replace(/[^A-Za-z0-9._@-]/g, '-').slice(0, 64) || 'sandbox';
  if (!existsSync(`${file}.pub`)) {
    const pair = generateSigningKeyPair(`${name}@cozy-proxmox-sandbox`);
    writeFileSync(file, pair.private, { mode: 0o600 });
    writeFileSync(`${file}.pub`, `${pair.public}\n`);
  }
  return { name, key: readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** Writes the policy for this state and returns its path. */
export function writeSandboxWorkerPolicy(state: SandboxState): string {
  const file = sandboxWorkerPolicyFile(state.dir);
  const policy = { approvers: [sandboxApprover(state.dir)], allow: { secrets: sandboxSecretRefs(state), hosts: SANDBOX_POLICY_HOSTS } };
  writeFileSync(
    file,
    `# Written by \`cozy-proxmox sandbox up\`: the sandbox's secret files and loopback, nothing else; its user approves\n` +
      `# with the key next to this file.\n${stringify(policy)}`,
  );
  return file;
}
