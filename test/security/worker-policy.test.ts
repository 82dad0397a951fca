// The worker guards what it holds: a policy file of its own lists the secret references its steps may resolve and the
// hosts they may call. A bad file stops the worker naming the field; a run naming a reference or host outside the
// lists fails that step at once (non-retryable, one attempt) naming what was refused; what the lists allow passes.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { stringify } from 'yaml';
import { allActivities } from '../../src/activities';
import { getProgress, startIntegration } from '../../src/client';
import { parseConfigText } from '../../src/config/load';
import type { IntegrationConfig } from '../../src/config/schema';
import { loadWorkerPolicy, parseWorkerPolicy, WorkerPolicyError } from '../../src/worker-policy/load';
import { hostAllowed, secretAllowed } from '../../src/worker-policy/patterns';
import { DEFAULT_TOKEN_SECRET, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { runCli } from '../helpers/cli';
import { planOf } from '../helpers/steps';
import { connectTestEnv, cozyClientFor, startTestWorker, uniqueQueue, type RunningWorker } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

/** A real ed25519 public key as an OpenSSH line. */
function ed25519Line(comment = 'alice@laptop'): string {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const str = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]).toString('base64')} ${comment}`;
}

function problemsOf(text: string): string[] {
  try {
    parseWorkerPolicy(text, 'policy.yaml');
  } catch (err) {
    if (err instanceof WorkerPolicyError) return err.problems;
    throw err;
  }
  throw new Error('the policy was expected to be refused');
}

describe('the policy file', () => {
  test('a valid file is read with its approvers and lists', () => {
    const key = ed25519Line();
    const dir = mkdtempSync(join(tmpdir(), 'cozy-policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, stringify({ approvers: [{ name: 'alice', key }], allow: { secrets: ['env:PROXMOX_*'], hosts: ['127.0.0.1', '*.example.com:8006'] } }));
    expect(loadWorkerPolicy(file)).toEqual({ approvers: [{ name: 'alice', key }], allow: { secrets: ['env:PROXMOX_*'], hosts: ['127.0.0.1', '*.example.com:8006'] }, source: file });
    expect(parseWorkerPolicy('approvers: []\n')).toEqual({ approvers: [], source: 'worker policy' });
  });

  test('a bad pattern is refused naming its field', () => {
    expect(problemsOf(stringify({ allow: { secrets: ['env:A', 'file:relative/*'], hosts: [] } }))).toEqual([
      expect.stringMatching(/^allow\.secrets\.1: a file: pattern must be an absolute path/),
    ]);
    expect(problemsOf(stringify({ allow: { secrets: ['file:/etc/[x'], hosts: [] } }))).toEqual([expect.stringMatching(/^allow\.secrets\.0: is not a valid pattern/)]);
    expect(problemsOf(stringify({ allow: { secrets: ['PROXMOX_*'], hosts: [] } }))).toEqual([expect.stringMatching(/^allow\.secrets\.0: must start with env:, file: or k8s:/)]);
    expect(problemsOf(stringify({ allow: { secrets: [], hosts: ['127.0.0.1', 'https://pve:8006', 'pve:99999'] } }))).toEqual([
      expect.stringMatching(/^allow\.hosts\.1: must be HOST or HOST:PORT/),
      expect.stringMatching(/^allow\.hosts\.2: "99999" is not a port/),
    ]);
  });

  test('an unknown or missing field is refused naming it', () => {
    expect(problemsOf(stringify({ allow: { secret: ['env:A'], hosts: [] } }))).toEqual([
      expect.stringMatching(/^allow\.secrets: Required/),
      expect.stringMatching(/^allow: Unrecognized key\(s\) in object: 'secret'/),
    ]);
    expect(problemsOf(stringify({ approvers: [], allowed: {} }))).toEqual([expect.stringMatching(/^\(root\): Unrecognized key\(s\) in object: 'allowed'/)]);
  });

  test('an approver key that is not one ssh-ed25519 public key line is refused naming it', () => {
    const good = ed25519Line();
    const [, blob] = good.split(' ');
    const cases = [
      `ssh-rsa ${blob} bob@laptop`, // another key type
      `ssh-ed25519 ${blob.slice(0, 40)} bob@laptop`, // cut short
      `${good}\n${good}`, // two lines
    ];
    for (const key of cases) {
      expect(problemsOf(stringify({ approvers: [{ name: 'alice', key: good }, { name: 'bob', key }] }))).toEqual([expect.stringMatching(/^approvers\.1\.key: /)]);
    }
    expect(problemsOf(stringify({ approvers: [{ name: 'bad name', key: good }] }))).toEqual(['approvers.0.name: must be a user name']);
  });

  test('cozy-proxmox worker with a bad policy exits 2 naming the field, before connecting anywhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cozy-policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, stringify({ allow: { secrets: ['file:relative'], hosts: [] } }));
    const r = await runCli(['worker', '--policy', file, '--address', '127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`worker policy ${file}: invalid`);
    expect(r.stderr).toContain('allow.secrets.0: a file: pattern must be an absolute path');
    // The environment variable names the file as --policy does.
    const viaEnv = await runCli(['worker', '--address', '127.0.0.1:1'], { COZY_PROXMOX_WORKER_POLICY: file });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toContain('allow.secrets.0');
  });
});

describe('what the patterns match', () => {
  test('secret references: * stays within a segment, file paths are matched resolved', () => {
    const allow = ['env:PROXMOX_*', 'file:/etc/cozy-proxmox/*', 'k8s:cozy-proxmox/*'];
    expect(secretAllowed(allow, { kind: 'env', name: 'PROXMOX_TOKEN' })).toBe(true);
    expect(secretAllowed(allow, { kind: 'env', name: 'HOME' })).toBe(false);
    expect(secretAllowed(allow, { kind: 'file', path: '/etc/cozy-proxmox/token' })).toBe(true);
    expect(secretAllowed(allow, { kind: 'file', path: '/etc/cozy-proxmox/sub/token' })).toBe(false);
    expect(secretAllowed(allow, { kind: 'file', path: '/etc/cozy-proxmox/../shadow' })).toBe(false);
    expect(secretAllowed(allow, { kind: 'k8s', namespace: 'cozy-proxmox', name: 'creds', key: 'token' })).toBe(true);
    expect(secretAllowed(allow, { kind: 'k8s', namespace: 'kube-system', name: 'creds', key: 'token' })).toBe(false);
  });

  test('hosts: * stays within a label, a port narrows, IPv6 in brackets', () => {
    const allow = ['127.0.0.1', 'pve.example.com:8006', '*.example.com', '[::1]:6443'];
    expect(hostAllowed(allow, '127.0.0.1', 44123)).toBe(true);
    expect(hostAllowed(allow, '127.0.0.2', 443)).toBe(false);
    expect(hostAllowed(allow, 'PVE.example.com', 8006)).toBe(true);
    expect(hostAllowed(allow, 'a.example.com', 443)).toBe(true);
    expect(hostAllowed(allow, 'a.b.example.com', 443)).toBe(false);
    expect(hostAllowed(allow, 'example.com', 443)).toBe(false);
    expect(hostAllowed(allow, '::1', 6443)).toBe(true);
    expect(hostAllowed(allow, '[::1]', 22)).toBe(false);
    expect(hostAllowed(['**.example.com'], 'a.b.example.com', 1)).toBe(true);
  });
});

describe('a run under a policy', () => {
  let env: TestWorkflowEnvironment;
  let sim: RunningSimulator;
  let worker: RunningWorker;
  let dir: string;
  const queue = uniqueQueue('policy');

  beforeAll(async () => {
    env = await connectTestEnv();
    sim = await startProxmoxSimulator({ taskSpeed: 0.05 });
    dir = mkdtempSync(join(tmpdir(), 'cozy-policy-run-'));
    for (const name of ['allowed-token', 'other-token']) writeFileSync(join(dir, name), DEFAULT_TOKEN_SECRET + '\n', { mode: 0o600 });
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, stringify({ allow: { secrets: [`file:${dir}/allowed-*`], hosts: [new URL(sim.url).host] } }));
    worker = await startTestWorker(queue, allActivities(), { policy: loadWorkerPolicy(policyFile) });
  });
  afterAll(async () => {
    await worker?.stop();
    await sim?.stop();
    await env?.teardown();
  });

  function config(url: string, tokenFile: string): IntegrationConfig {
    return parseConfigText(
      stringify({
        apiVersion: 'cozy-proxmox/v1',
        kind: 'Integration',
        cluster: { name: 'policy-check' },
        proxmox: { url, node: 'pve1', token: { id: 'root@pam!cozy', secret: `file:${tokenFile}` }, tls: { caFile: sim.caFile }, templateId: 9000 },
        gates: { preparation: 'auto' },
        onStepFailure: 'abort',
      }),
      'policy-run.yaml',
      { env: {} },
    );
  }

  async function versionStep(cfg: IntegrationConfig) {
    const cozy = cozyClientFor(env, queue);
    const id = await startIntegration(cozy, { config: cfg, plan: planOf(cfg, 'proxmox.version'), workflowId: `policy-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` });
    const p = await waitFor(() => getProgress(cozy, id), (q) => ['completed', 'failed', 'aborted', 'blocked-on-step'].includes(q.state), 'the run to end', 60_000);
    const step = p.steps.find((s) => s.id === 'proxmox.version');
    if (!step) throw new Error(`no proxmox.version in ${JSON.stringify(p.steps.map((s) => s.id))}`);
    return step;
  }

  test('an allowed reference and host: the step passes', async () => {
    const step = await versionStep(config(sim.url, join(dir, 'allowed-token')));
    expect(`${step.state}: ${step.message}`).toMatch(/^passed: Proxmox VE/);
  });

  test('a secret reference outside the allow-list: the step fails at once, naming it and the policy', async () => {
    const step = await versionStep(config(sim.url, join(dir, 'other-token')));
    expect(step.state).toBe('failed');
    expect(step.failureType).toBe('NotAllowedByWorkerPolicy');
    expect(step.attempts).toBe(1);
    expect(step.message).toContain(`secret reference file:${join(dir, 'other-token')} is not allowed by the worker policy ${join(dir, 'policy.yaml')}`);
  });

  test('a host outside the allow-list: the step fails at once, naming it', async () => {
    // The simulator on loopback under another name: the same server, refused because the policy names only 127.0.0.1.
    const port = new URL(sim.url).port;
    const step = await versionStep(config(`https://localhost:${port}`, join(dir, 'allowed-token')));
    expect(step.state).toBe('failed');
    expect(step.failureType).toBe('NotAllowedByWorkerPolicy');
    expect(step.attempts).toBe(1);
    expect(step.message).toContain(`host localhost:${port} (the Proxmox VE API (proxmox.url)) is not allowed by the worker policy ${join(dir, 'policy.yaml')}`);
  });
});
