import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellCommandFromArgv } from '../../src/ssh/shell-quote';
import { openSshSha256Fingerprint, sameFingerprint } from '../../src/ssh/host-key-fingerprint';

describe('shellCommandFromArgv', () => {
  it('passes arguments with metacharacters to the program literally', () => {
    const args = ['a b', "it's", '$(echo injected)', 'x; echo injected', '`echo injected`', '"q"', ''];
    const command = shellCommandFromArgv(['printf', '%s\\n', ...args]);
    const printed = execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8' });
    expect(printed.split('\n').slice(0, args.length)).toEqual(args);
  });
});

describe('openSshSha256Fingerprint', () => {
  it('matches what ssh-keygen -lf prints for the same key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-'));
    try {
      const keyPath = join(dir, 'key');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
      const blob = Buffer.from(readFileSync(`${keyPath}.pub`, 'utf8').split(' ')[1] ?? '', 'base64');
      const expected = execFileSync('ssh-keygen', ['-lf', `${keyPath}.pub`], { encoding: 'utf8' }).split(' ')[1];
      expect(openSshSha256Fingerprint(blob)).toBe(expected);
      expect(sameFingerprint(`${expected}=`, openSshSha256Fingerprint(blob))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
