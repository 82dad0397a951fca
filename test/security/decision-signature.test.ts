// What a signature binds: the run, the decision, its text, its time and its nonce; checked as the workflow's
// validators check it (pure, no server). The signatures are the ones OpenSSH keys make through ssh2.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DECISION_VALIDITY_MS, type DecisionSubject } from '../../src/approvals/decision';
import { parsePublicKeyLine } from '../../src/approvals/public-key';
import { generateSigningKeyPair } from '../../src/approvals/key-pair';
import { loadSigningKey, signDecision } from '../../src/approvals/sign';
import type { DecisionTrust } from '../../src/approvals/trusted-approvers';
import { checkDecision, type DecisionCheck } from '../../src/approvals/verify';
import { runCli } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'cozy-sign-'));
function makeKey(name: string) {
  const pair = generateSigningKeyPair(name);
  const path = join(dir, name);
  writeFileSync(path, pair.private, { mode: 0o600 });
  writeFileSync(`${path}.pub`, `${pair.public}\n`);
  return { path, line: pair.public, key: loadSigningKey(path) };
}
const alice = makeKey('alice');
const mallory = makeKey('mallory');

const trust: DecisionTrust = {
  mode: 'signed',
  source: 'test policy',
  approvers: [{ name: 'alice', ...(parsePublicKeyLine(alice.line) as { publicKey: string; fingerprint: string }) }],
};
const scope = { workflowId: 'integrate-cluster-x', runId: 'run-1', by: 'alice' };
const approve: DecisionSubject = { action: 'approve', phase: 'basic-integration', comment: 'ok' };
const now = 1_800_000_000_000;
const check = (over: Partial<DecisionCheck> = {}): DecisionCheck => ({ trust, usedNonces: new Set(), configApprovers: [], now, ...over });

test('the fingerprint is the one ssh-keygen shows for the key', () => {
  const shown = execFileSync('ssh-keygen', ['-lf', `${alice.path}.pub`], { encoding: 'utf8' }).split(' ')[1];
  expect(alice.key.fingerprint).toBe(shown);
  expect(trust.approvers[0].fingerprint).toBe(shown);
});

test('a signature by a listed key over exactly this decision passes, and names its key', () => {
  const sig = signDecision(alice.key, scope, approve, now - 1000);
  expect(checkDecision(check(), scope, approve, sig)?.fingerprint).toBe(alice.key.fingerprint);
});

test.each<[string, () => void, RegExp]>([
  ['no signature', () => checkDecision(check(), scope, approve, undefined), /accepts only decisions signed by an approver the worker lists \(alice SHA256:/],
  ['an unlisted key', () => checkDecision(check(), scope, approve, signDecision(mallory.key, scope, approve, now)), /the key SHA256:\S+ is not an approver's key/],
  ['another name than the key\'s', () => {
    const asBob = { ...scope, by: 'bob' };
    checkDecision(check(), asBob, approve, signDecision(alice.key, asBob, approve, now));
  }, /is alice's, but the decision names bob/],
  ['another run', () => checkDecision(check(), scope, approve, signDecision(alice.key, { ...scope, runId: 'run-0' }, approve, now)), /does not match the decision/],
  ['another phase', () => checkDecision(check(), scope, { ...approve, phase: 'advanced-integration' } as DecisionSubject, signDecision(alice.key, scope, approve, now)), /does not match/],
  ['a changed comment', () => checkDecision(check(), scope, { ...approve, comment: 'ok!' } as DecisionSubject, signDecision(alice.key, scope, approve, now)), /does not match/],
  ['a reject signed as an approve', () => checkDecision(check(), scope, { action: 'reject', phase: 'basic-integration', reason: 'ok' }, signDecision(alice.key, scope, approve, now)), /does not match/],
  ['an expired one', () => checkDecision(check(), scope, approve, signDecision(alice.key, scope, approve, now - DECISION_VALIDITY_MS - 1)), /expired: signed 300 s ago, valid for 300 s/],
  ['one from the future', () => checkDecision(check(), scope, approve, signDecision(alice.key, scope, approve, now + 120_000)), /120 s in the future/],
  ['a used nonce', () => {
    const sig = signDecision(alice.key, scope, approve, now);
    checkDecision(check({ usedNonces: new Set([sig.nonce]) }), scope, approve, sig);
  }, /already used \(nonce [0-9a-f]{32}\)/],
  ['a malformed signature', () => {
    const sig = signDecision(alice.key, scope, approve, now);
    checkDecision(check(), scope, approve, { ...sig, signature: sig.signature.slice(2) });
  }, /malformed/],
  ['a name the run\'s config does not list', () => checkDecision(check({ configApprovers: ['bob'] }), scope, approve, signDecision(alice.key, scope, approve, now)), /alice is not an approver of this run \(approvers: bob\)/],
])('refuses %s', (_name, run, reason) => {
  expect(run).toThrow(reason);
});

test('where the worker lists nobody, a name is enough, and a signature still proves its key', () => {
  const anyone: DecisionTrust = { mode: 'anyone', approvers: [], source: 'no worker policy' };
  expect(checkDecision(check({ trust: anyone }), scope, approve, undefined)).toBeUndefined();
  const sig = signDecision(mallory.key, scope, approve, now);
  expect(checkDecision(check({ trust: anyone }), scope, approve, sig)?.fingerprint).toMatch(/^unlisted ed25519 key [0-9a-f]{16}/);
  expect(() => checkDecision(check({ trust: anyone }), scope, { ...approve, comment: 'x' } as DecisionSubject, sig)).toThrow(/does not match/);
});

test('a key that is not an ed25519 private key is refused with its path', () => {
  writeFileSync(join(dir, 'pub-only'), alice.line);
  expect(() => loadSigningKey(join(dir, 'pub-only'))).toThrow(/pub-only must be an ed25519 private key \(it is a public key\)/);
  expect(() => loadSigningKey(join(dir, 'missing'))).toThrow(/cannot read the signing key .*missing: ENOENT/);
  expect(parsePublicKeyLine('ssh-rsa AAAA x')).toMatch(/ed25519/);
});

test('every key pair made reads back, though the generator underneath spoils one in 256', () => {
  // ssh2's generator alone gives about 16 unreadable pairs in 4000; none of them at all with odds of (255/256)^4000,
  // about 1.6e-7, so this fails whenever the pairs are not checked.
  const keys = Array.from({ length: 4000 }, () => parsePublicKeyLine(generateSigningKeyPair('z').public));
  expect(keys.filter((k) => typeof k === 'string')).toEqual([]);
});

test('`key create` makes an OpenSSH ed25519 pair (private 0600) and prints the policy lines; it never overwrites', async () => {
  const path = join(dir, 'keys', 'carol-key'); // its folder is made too
  const made = await runCli(['key', 'create', path, '--name', 'carol']);
  expect(made.code).toBe(0);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  const line = readFileSync(`${path}.pub`, 'utf8').trim();
  const shown = execFileSync('ssh-keygen', ['-lf', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1];
  expect(made.stdout).toContain(`wrote ${path} and ${path}.pub (${shown})`);
  expect(made.stdout).toContain(`    - name: carol\n      key: ${line}\n`);
  expect(loadSigningKey(path).fingerprint).toBe(shown);
  const again = await runCli(['key', 'create', path]);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain(`${path} exists: choose another file (a key is never overwritten)`);
});

test('a signing key that cannot be used is bad input before anything connects (exit 2), whatever the server', async () => {
  for (const args of [['approve', 'x', '--phase', 'basic-integration'], ['reject', 'x', '--phase', 'basic-integration', '--reason', 'no'], ['resolve', 'x', '--step', 's', '--action', 'retry']]) {
    const out = await runCli([...args, '--key', join(dir, 'missing-key')], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(`error: cannot read the signing key ${join(dir, 'missing-key')}: ENOENT\n`);
  }
});
