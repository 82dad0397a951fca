// `cozy-proxmox key create`: an ed25519 key pair for signing decisions, for operators who do not want to use their
// SSH key. OpenSSH format, so `ssh-keygen -lf` shows the same fingerprint the report does.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { BadInputError } from '../errors';
import { defaultApprover } from '../output';

export function keyCommand(): Command {
  const key = new Command('key').description('keys that sign approvals, rejections and step decisions');
  key
    .command('create')
    .description('make an ed25519 signing key (FILE, mode 0600) and its public key (FILE.pub) for the worker policy')
    .argument('<file>', 'where to write the private key')
    .option('--name <name>', 'the approver name to list it under (default: $USER)')
    .action(async (file: string, opts: { name?: string }) => {
      for (const path of [file, `${file}.pub`]) {
        if (existsSync(path)) throw new BadInputError(`${path} exists: choose another file (a key is never overwritten)`);
      }
      const { generateSigningKeyPair } = await import('../../approvals/key-pair');
      const name = opts.name ?? defaultApprover();
      const pair = generateSigningKeyPair(`${name}@cozy-proxmox`);
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 }); // a new folder for it, readable by its owner only
      writeFileSync(file, pair.private, { mode: 0o600, flag: 'wx' });
      writeFileSync(`${file}.pub`, `${pair.public}\n`, { flag: 'wx' });
      const { loadSigningKey } = await import('../../approvals/sign');
      process.stdout.write(
        `wrote ${file} and ${file}.pub (${loadSigningKey(file).fingerprint})\n` +
          `list it in the worker policy:\n  approvers:\n    - name: ${name}\n      key: ${pair.public}\n` +
          `sign with: cozy-proxmox approve RUN --phase PHASE --key ${file}\n`,
      );
    });
  return key;
}
