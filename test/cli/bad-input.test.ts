// Malformed and hostile input: each gets exit code 2 and an error that names the problem, before anything starts;
// afterwards no workflow exists for any of these clusters.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connectTestEnv, temporalAddress } from '../helpers/temporal';
import { runCli } from '../helpers/cli';
import { toolCacheDir } from '../../src/tools/tool-paths';

const dir = mkdtempSync(join(tmpdir(), 'cozy-bad-input-'));
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

function config(cluster: string, proxmox: string, rest = ''): string {
  return `apiVersion: cozy-proxmox/v1
kind: Integration
cluster: { name: ${cluster} }
proxmox:
${proxmox}
${rest}`;
}

const P = {
  url: '  url: https://127.0.0.1:8006',
  node: '  node: pve1',
  templateId: '  templateId: 9000',
  token: '  token: { id: "root@pam!cozy", secret: "env:COZY_BAD_INPUT_TOKEN" }',
};
const base = (over: Partial<typeof P> = {}) => Object.values({ ...P, ...over }).join('\n');

// [name, config text, expected text in stderr]
const CONFIGS: [string, string, string][] = [
  ['templateId a string', config('bad-1', base({ templateId: '  templateId: "ninety"' })), 'proxmox.templateId: must be a number, not a string'],
  ['unknown top-level key', config('bad-2', base(), 'colour: blue'), '(root): unknown key: colour'],
  ['ftp URL', config('bad-3', base({ url: '  url: ftp://pve:21' })), 'proxmox.url: must use http:// or https://'],
  ['URL without scheme', config('bad-4', base({ url: '  url: pve.local' })), 'proxmox.url: must be a URL'],
  ['missing secret file', config('bad-5', base({ token: `  token: { id: "root@pam!cozy", secret: "file:${join(dir, 'absent')}" }` })), 'which does not exist or is not readable'],
  ['missing secret env', config('bad-6', base({ token: '  token: { id: "root@pam!cozy", secret: "env:COZY_NOT_SET_ANYWHERE" }' })), 'refers to environment variable COZY_NOT_SET_ANYWHERE, which is not set'],
  ['literal password', config('bad-7', base() + '\n  username: root@pam\n  password: hunter2'), 'never the secret itself'],
  ['VMID below range', config('bad-8', base({ templateId: '  templateId: 42' })), 'proxmox.templateId: must be a VMID from 100 to 999999999'],
  ['VMID above range', config('bad-9', base({ templateId: '  templateId: 1000000000' })), 'proxmox.templateId: must be a VMID from 100 to 999999999'],
  ['shell in node name', config('bad-10', base({ node: '  node: "pve1; rm -rf /"' })), 'proxmox.node: proxmox.node may hold only letters'],
  ['command substitution in storage', config('bad-11', base() + '\n  storage: "local$(id)"'), 'proxmox.storage: proxmox.storage may hold only letters'],
  ['shell in bridge', config('bad-12', base() + '\n  bridge: "vmbr0 && reboot"'), 'proxmox.bridge: must be a Linux bridge name'],
  ['cluster name not a DNS label', config('"Bad Cluster"', base()), 'cluster.name: must be a DNS label'],
  ['a list instead of a mapping', '- just\n- a list\n', 'the config must be a YAML mapping'],
  ['broken YAML', 'apiVersion: cozy-proxmox/v1\nproxmox: { url: [\n', 'line '],
  ['duplicate key', config('bad-16', base()) + 'cluster: { name: other }\n', 'Map keys must be unique'],
  ['empty file', '', 'the config must be a YAML mapping'],
  ['unknown gate policy', config('bad-18', base(), 'gates: { basic-integration: sometimes }'), "gates.basic-integration.policy: Invalid enum value. Expected 'manual' | 'auto' | 'auto-if-green', received 'sometimes'"],
  ['bad gate timeout', config('bad-19', base(), 'gates: { basic-integration: { policy: manual, timeout: forever } }'), 'must be a duration such as 90s, 30m, 24h or 7d'],
  ['unknown phase in gates', config('bad-20', base(), 'gates: { phase-9: manual }'), 'gates: unknown key: phase-9'],
  ['CA file and fingerprint together', config('bad-21', base() + `\n  tls: { caFile: /etc/ca.pem, fingerprint: "${Array(32).fill('AB').join(':')}" }`), 'proxmox.tls: set caFile or fingerprint, not both'],
  ['token id without token name', config('bad-22', base({ token: '  token: { id: "root@pam", secret: "env:COZY_BAD_INPUT_TOKEN" }' })), 'proxmox.token.id: must be USER@REALM!TOKENID'],
  ['malformed host key fingerprint', config('bad-23', base(), 'ssh: { host: 127.0.0.1, privateKey: "env:COZY_BAD_INPUT_TOKEN", hostKeyFingerprint: "MD5:aa:bb" }'), 'ssh.hostKeyFingerprint: must be an OpenSSH SHA256:... fingerprint'],
  ['shell in an approver', config('bad-24', base(), 'approvers: ["alice; curl x | sh"]'), 'approvers.0: must be a user name'],
  ['path in test namespace', config('bad-25', base(), 'kubernetes: { testNamespace: "../etc" }'), 'kubernetes.testNamespace: must be a DNS label'],
  ['no credentials at all', config('bad-26', [P.url, P.node, P.templateId].join('\n')), 'proxmox: needs credentials'],
];

const cliEnv = { TEMPORAL_ADDRESS: '', COZY_BAD_INPUT_TOKEN: 'set' };

test.each(CONFIGS)('%s: exit 2 naming the problem', async (name, text, expected) => {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
  writeFileSync(file, text);
  const r = await runCli(['integrate-cluster', '-c', file, '--address', temporalAddress()], cliEnv);
  expect(r.stderr).toContain(expected);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
});

test('a huge file is refused unread', async () => {
  const file = join(dir, 'huge.yaml');
  writeFileSync(file, config('bad-huge', base()) + `# ${'x'.repeat(400 * 1024)}\n`);
  const r = await runCli(['config', 'validate', file], cliEnv);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/the file is \d+ bytes; a config is at most 262144 bytes/);
});

test('an environment override of the wrong type names the variable', async () => {
  const file = join(dir, 'env.yaml');
  writeFileSync(file, config('bad-env', base()));
  const r = await runCli(['config', 'validate', file], { ...cliEnv, PROXMOX_TEMPLATE_ID: '90OO' });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('proxmox.templateId (from PROXMOX_TEMPLATE_ID): must be a whole number, not "90OO"');
});

const CALLS: [string, string[], string][] = [
  ['approve without --phase', ['approve', 'x', '--by', 'alice'], "required option '--phase <phase>' not specified"],
  ['approve with an unknown phase', ['approve', 'x', '--phase', 'phase-9'], '--phase must be one of'],
  ['resolve with an unknown action', ['resolve', 'x', '--step', 'proxmox.version', '--action', 'explode'], "option '--action <action>' argument 'explode' is invalid"],
  ['report as pdf', ['report', 'x', '--format', 'pdf'], "argument 'pdf' is invalid"],
  ['an unknown command', ['integrate-everything'], "unknown command 'integrate-everything'"],
  ['integrate-cluster without a config', ['integrate-cluster'], "required option '-c, --config <file>' not specified"],
  ['list with a negative limit', ['list', '--limit', '-1'], '--limit must be a positive whole number'],
  ['reject with an empty reason', ['reject', 'x', '--phase', 'basic-integration', '--reason', ' '], '--reason must not be empty'],
  // Checked before anything starts: no sandbox directory is made.
  ['sandbox up with a task speed of 0', ['sandbox', 'up', '--dir', join(dir, 'never-made'), '--task-speed', '0'], '--task-speed must be a number above 0 and at most 10 (got "0")'],
  ['demo skipping a test step that does not exist', ['demo', '--dir', join(dir, 'never-made'), '--skip', 'step3-vm-management,step3'], '--skip: "step3" is not a test step (one of step1-api-connection,'],
];

test.each(CALLS)('%s: exit 2', async (_name, args, expected) => {
  const r = await runCli(args, cliEnv);
  expect(r.stderr).toContain(expected);
  expect(r.code).toBe(2);
});

test('sandbox up with a program of the sandbox missing names it and the command that installs it, before anything starts', async () => {
  // The machine's tool cache without vlagent.
  const cache = join(dir, 'cache-without-vlagent');
  mkdirSync(cache);
  const tools = readFileSync(join(toolCacheDir(), 'tools.env'), 'utf8').split('\n').filter((l) => !l.startsWith('VLAGENT='));
  writeFileSync(join(cache, 'tools.env'), tools.join('\n'));
  const r = await runCli(['sandbox', 'up', '--dir', join(dir, 'never-made'), '--no-worker'], { ...cliEnv, COZY_PROXMOX_CACHE: cache, VLAGENT: '' });
  expect(r.stderr).toContain('vlagent is not installed: run `npm run tools -- vlagent`');
  expect(r.code).not.toBe(0);
  expect(r.stderr).not.toContain('starting');
});

test('the refused sandbox made nothing', () => {
  expect(existsSync(join(dir, 'never-made'))).toBe(false);
});

test('no workflow was started for any of these clusters', async () => {
  const found: string[] = [];
  for await (const wf of env.client.workflow.list({ query: "WorkflowType = 'integrateCluster' AND CozyCluster STARTS_WITH 'bad-'" })) {
    found.push(wf.workflowId);
  }
  expect(found).toEqual([]);
});
