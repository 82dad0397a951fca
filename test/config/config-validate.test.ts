// Config validation: every bad field named by its path, before anything starts; env overrides; secret references.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfigText } from '../../src/config/load';
import { checkSecretsPresent } from '../../src/config/secret-check';
import { runCli } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'cozy-config-'));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

const GOOD = `apiVersion: cozy-proxmox/v1
kind: Integration
cluster: { name: prod-east }
proxmox:
  url: https://pve.example.com:8006
  node: pve1
  username: root@pam
  password: env:COZY_TEST_PW
  templateId: 9000
approvers: [alice]
`;

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(text, 'c.yaml', { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

test('a good config parses with defaults filled in', () => {
  const cfg = parseConfigText(GOOD, 'c.yaml', { env: {} });
  expect(cfg.proxmox.tls.verify).toBe(true);
  expect(cfg.proxmox.storage).toBe('local-lvm');
  expect(cfg.kubernetes.testNamespace).toBe('cozy-proxmox-test');
  expect(cfg.gates).toEqual({});
});

test('each bad field is named by its path, all at once', () => {
  const bad = GOOD.replace('templateId: 9000', 'templateId: "ninety"\n  bridge: eth0\n  colour: blue')
    .replace('url: https://pve.example.com:8006', 'url: ftp://pve')
    .replace('password: env:COZY_TEST_PW', 'password: hunter2')
    .replace('cluster: { name: prod-east }', 'cluster: { name: "Prod East" }');
  expect(problems(bad)).toEqual([
    'cluster.name: must be a DNS label (lowercase letters, digits, -)',
    'proxmox.url: must use http:// or https://',
    'proxmox.password: must be a secret reference (env:NAME, file:PATH or k8s:NAMESPACE/NAME#KEY), never the secret itself',
    'proxmox.bridge: must be a Linux bridge name such as vmbr0',
    'proxmox.templateId: must be a number, not a string',
    'proxmox: unknown key: colour',
  ]);
});

test('a VMID out of range, a missing required field, a duplicate key and non-YAML are reported', () => {
  expect(problems(GOOD.replace('9000', '42'))).toEqual(['proxmox.templateId: must be a VMID from 100 to 999999999']);
  expect(problems(GOOD.replace('  node: pve1\n', ''))).toEqual(['proxmox.node: is required']);
  expect(problems(GOOD + 'approvers: [bob]\n')[0]).toMatch(/Map keys must be unique/);
  expect(problems('just a string')).toEqual([': the config must be a YAML mapping (key: value)']);
});

test('vms.vmIdRange: VMIDs from 100, the end not before the start', () => {
  expect(parseConfigText(GOOD + 'vms: { vmIdRange: { start: 5000, end: 5099 } }\n', 'c.yaml', { env: {} }).vms.vmIdRange).toEqual({ start: 5000, end: 5099 });
  expect(problems(GOOD + 'vms: { vmIdRange: { start: 5000, end: 4999 } }\n')).toEqual(['vms.vmIdRange.end: end must be at least start']);
  expect(problems(GOOD + 'vms: { vmIdRange: { start: 50, end: 5099 } }\n')).toEqual(['vms.vmIdRange.start: must be a VMID from 100 to 999999999']);
});

test('skipTestSteps takes test step names, each once', () => {
  expect(parseConfigText(GOOD + 'skipTestSteps: [step3-vm-management]\n', 'c.yaml', { env: {} }).skipTestSteps).toEqual(['step3-vm-management']);
  expect(problems(GOOD + 'skipTestSteps: [step3]\n')).toEqual([expect.stringMatching(/^skipTestSteps\.0: .*step3-vm-management/)]);
  expect(problems(GOOD + 'skipTestSteps: [step5-csi, step5-csi]\n')).toEqual(['skipTestSteps: lists a test step twice']);
});

test('the plan\'s config.env variables override the file, secrets become references to themselves', () => {
  const cfg = parseConfigText(GOOD, 'c.yaml', {
    env: { PROXMOX_HOST: '10.1.2.3', PROXMOX_PORT: '8443', PROXMOX_PASSWORD: 's3cr3t-value', PROXMOX_TEMPLATE_ID: '9100', PROXMOX_VERIFY_SSL: 'false', KEEP_TEST_RESOURCES: 'yes', TEST_NAMESPACE: 'rehearsal' },
  });
  expect(cfg.proxmox.url).toBe('https://10.1.2.3:8443');
  expect(cfg.proxmox.password).toBe('env:PROXMOX_PASSWORD');
  expect(JSON.stringify(cfg)).not.toContain('s3cr3t-value');
  expect(cfg.proxmox.templateId).toBe(9100);
  expect(cfg.proxmox.tls.verify).toBe(false);
  expect(cfg.keepTestResources).toBe(true);
  expect(cfg.kubernetes.testNamespace).toBe('rehearsal');
  expect(problems(GOOD, { PROXMOX_TEMPLATE_ID: 'abc', PROXMOX_VERIFY_SSL: 'maybe' })).toEqual([
    'proxmox.templateId (from PROXMOX_TEMPLATE_ID): must be a whole number, not "abc"',
    'proxmox.tls.verify (from PROXMOX_VERIFY_SSL): must be true or false, not "maybe"',
  ]);
});

test('SCRAPER_ENDPOINT and LOGS_ENDPOINT set monitoring.scraper and monitoring.logs, validated as URLs', () => {
  const cfg = parseConfigText(GOOD, 'c.yaml', { env: { SCRAPER_ENDPOINT: 'http://vmagent-vmagent.cozy-monitoring.svc:8429', LOGS_ENDPOINT: 'http://vlselect-generic.tenant-root.svc:9471' } });
  expect(cfg.monitoring.scraper).toBe('http://vmagent-vmagent.cozy-monitoring.svc:8429');
  expect(cfg.monitoring.logs).toBe('http://vlselect-generic.tenant-root.svc:9471');
  expect(problems(GOOD, { LOGS_ENDPOINT: 'vlselect:9471' })).toEqual([expect.stringMatching(/^monitoring\.logs \(from LOGS_ENDPOINT\): /)]);
});

test('missing secrets are found before a run starts', () => {
  const cfg = parseConfigText(GOOD.replace('env:COZY_TEST_PW', `file:${join(dir, 'absent')}`), 'c.yaml', { env: {} });
  expect(checkSecretsPresent(cfg, {})).toEqual([
    { path: 'proxmox.password', message: `refers to file ${join(dir, 'absent')}, which does not exist or is not readable` },
  ]);
  const envCfg = parseConfigText(GOOD, 'c.yaml', { env: {} });
  expect(checkSecretsPresent(envCfg, {})[0].message).toBe('refers to environment variable COZY_TEST_PW, which is not set');
  expect(checkSecretsPresent(envCfg, { COZY_TEST_PW: 'x' })).toEqual([]);
});

test('cozy-proxmox config validate: exit 2 naming each bad field, exit 0 on a good config', async () => {
  const broken = write('broken.yaml', GOOD.replace('node: pve1', 'node: "pve1; rm -rf /"').replace('kind: Integration', 'kind: Cluster'));
  const bad = await runCli(['config', 'validate', broken], { COZY_TEST_PW: 'x' });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain(`${broken}: invalid config`);
  expect(bad.stderr).toContain('  - kind: Invalid literal value, expected "Integration"');
  expect(bad.stderr).toContain("  - proxmox.node: proxmox.node may hold only letters, digits, '.', '_' and '-'");

  const good = write('good.yaml', GOOD);
  const ok = await runCli(['config', 'validate', good], { COZY_TEST_PW: 'x' });
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/good.yaml: valid \(cluster prod-east, \d+ steps\)/);

  const noSecret = await runCli(['config', 'validate', good], { COZY_TEST_PW: '' });
  expect(noSecret.code).toBe(2);
  expect(noSecret.stderr).toContain('proxmox.password: refers to environment variable COZY_TEST_PW, which is not set');

  const unknownFlag = await runCli(['config', 'validate', good, '--frobnicate']);
  expect(unknownFlag.code).toBe(2);
  const missingFile = await runCli(['config', 'validate', join(dir, 'nope.yaml')]);
  expect(missingFile.code).toBe(2);
  expect(missingFile.stderr).toContain('cannot read the file (ENOENT)');

  const init = await runCli(['config', 'init', '-o', join(dir, 'init.yaml')]);
  expect(init.code).toBe(0);
  const initValid = await runCli(['config', 'validate', join(dir, 'init.yaml'), '--skip-secret-check']);
  expect(initValid.code).toBe(0);
});
