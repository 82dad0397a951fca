// The SSH client against a real OpenSSH server (the sandbox host's sshd on loopback): pinned host key, key auth,
// argv quoting, exit codes, stdin, time limits, and how each failure is classified.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sshErrorToFailure } from '../../src/activities/worker-host/ssh-failure';
import { startSandboxHost, type SandboxHost } from '../../packages/sandbox/src/ssh-host';
import { SshAuthError, SshCommandTimeoutError, SshConnectionError, SshKeyError } from '../../src/ssh/errors';
import { SshClient, withSsh, type SshConnectOptions } from '../../src/ssh/client';
import { SshHostKeyError } from '../../src/ssh/host-key-error';
import { freeLoopbackPorts } from '../../packages/sandbox/src/kubernetes/ports';
import { processesMentioning } from '../helpers/processes';
import { waitFor } from '../helpers/wait';

let dir: string;
let host: SandboxHost;
let base: SshConnectOptions;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cozy-ssh-client-'));
  host = await startSandboxHost(dir);
  base = { host: host.host, port: host.port, user: host.user, privateKey: readFileSync(host.privateKeyFile, 'utf8'), hostKeyFingerprint: host.hostKeyFingerprint };
}, 30_000);

afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

test('the sandbox host listens on loopback only and its fingerprint is what ssh-keygen prints', () => {
  expect(host.host).toBe('127.0.0.1');
  expect(readFileSync(host.layout.sshdConfig, 'utf8')).toMatch(/^ListenAddress 127\.0\.0\.1$/m);
  expect(host.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  const printed = execFileSync('ssh-keygen', ['-lf', host.layout.hostKeyPub], { encoding: 'utf8' });
  expect(printed).toContain(host.hostKeyFingerprint);
});

test('runs argv with every argument quoted, and reports exit code, stdout and stderr', async () => {
  await withSsh(base, async (ssh) => {
    expect(ssh.hostKeyFingerprint).toBe(host.hostKeyFingerprint);
    const echoed = await ssh.exec(['printf', '%s|', "it's", '$(id)', 'a b', ';rm -rf /']);
    expect(echoed).toMatchObject({ exitCode: 0, stdout: "it's|$(id)|a b|;rm -rf /|", stderr: '' });
    const failed = await ssh.exec(['sh', '-c', 'echo oops >&2; exit 3']);
    expect(failed).toMatchObject({ exitCode: 3, stderr: 'oops\n' });
    const fed = await ssh.exec(['cat'], { stdin: 'from stdin\n' });
    expect(fed.stdout).toBe('from stdin\n');
    // The session's PATH starts with the stand-in tools.
    const which = await ssh.exec(['sh', '-c', 'command -v kubeadm']);
    expect(which.stdout.trim()).toBe(join(dir, 'bin', 'kubeadm'));
  });
});

test('scrubs secrets from output, and a command over its limit fails with a timeout error', async () => {
  const ssh = await SshClient.connect(base);
  try {
    const res = await ssh.exec(['sh', '-c', 'echo token abcdef.0123456789abcdef'], { redact: ['abcdef.0123456789abcdef'] });
    expect(res.stdout).toBe('token [redacted]\n');
    const slow = await rejection(ssh.exec(['sh', '-c', 'echo waiting >&2; sleep 30'], { timeoutMs: 800 }));
    expect(slow).toBeInstanceOf(SshCommandTimeoutError);
    expect(slow.message).toMatch(/did not finish within 1 s; last stderr: waiting/);
  } finally {
    ssh.close();
  }
});

test('a command whose activity is cancelled is ended on the host, not left running', async () => {
  const ssh = await SshClient.connect(base);
  try {
    const abort = new AbortController();
    // A marker no other process has in its command line.
    const marker = `sleep 4${Date.now() % 1000}.5`;
    const running = rejection(ssh.exec(['sh', '-c', `${marker}; echo survived`], { signal: abort.signal, timeoutMs: 60_000 }));
    await waitFor(async () => processesMentioning(marker), (p) => p.length > 0, 'the remote command to start', 10_000, 50);
    abort.abort();
    expect((await running).message).toMatch(/was cancelled/);
    await waitFor(async () => processesMentioning(marker), (p) => p.length === 0, 'the remote command to end', 10_000, 50);
  } finally {
    ssh.close();
  }
});

test('a host key other than the pinned one stops before authentication, non-retryable, showing both fingerprints', async () => {
  const other = 'SHA256:' + 'x'.repeat(43);
  const err = await rejection(SshClient.connect({ ...base, hostKeyFingerprint: other }));
  expect(err).toBeInstanceOf(SshHostKeyError);
  expect(err.message).toContain(host.hostKeyFingerprint);
  expect(err.message).toContain(other);
  const failure = sshErrorToFailure(err, 'ssh');
  expect(failure).toMatchObject({ type: 'PermissionError', nonRetryable: true });
});

test('a key the host does not authorize is an AuthError; an unusable key a ValidationError that never quotes it', async () => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'stranger')]);
  const stranger = readFileSync(join(dir, 'stranger'), 'utf8');
  const denied = await rejection(SshClient.connect({ ...base, privateKey: stranger }));
  expect(denied).toBeInstanceOf(SshAuthError);
  expect(sshErrorToFailure(denied, 'ssh')).toMatchObject({ type: 'AuthError', nonRetryable: true });

  const garbage = '-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END OPENSSH PRIVATE KEY-----\n';
  const unusable = await rejection(SshClient.connect({ ...base, privateKey: garbage }));
  expect(unusable).toBeInstanceOf(SshKeyError);
  expect(unusable.message).not.toContain('c2VjcmV0');
  expect(sshErrorToFailure(unusable, 'ssh')).toMatchObject({ type: 'ValidationError', nonRetryable: true });
});

test('nothing listening is a retryable connection error', async () => {
  const [port] = await freeLoopbackPorts(1);
  const err = await rejection(SshClient.connect({ ...base, port }));
  expect(err).toBeInstanceOf(SshConnectionError);
  expect(err.message).toMatch(/ECONNREFUSED/);
  expect(sshErrorToFailure(err, 'ssh')).toMatchObject({ type: 'TransientError', nonRetryable: false });
});
