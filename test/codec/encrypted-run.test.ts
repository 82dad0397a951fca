// A real integrateCluster run with the payload codec on: the history the server stores holds only encrypted
// payloads and none of the config's values in clear; the CLI reads and drives the run with the key, and without
// it, or with the wrong one, fails saying so.
import { PATCH_IDS } from '../../src/workflows/patches';
import { readFileSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { StepActivity, StepInput } from '../../src/catalogue/types';
import { connectClient, getProgress, startIntegration, type CozyClient } from '../../src/client';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { generateKeyLine } from '../../src/codec/keyring';
import { loadKeyring } from '../../src/codec/key-source';
import { payloadsFromJson, payloadsToJson } from '../../src/codec/payload-json';
import { startCodecServer } from '../../src/codec/codec-server';
import type { Progress } from '../../src/report/progress';
import { runCli } from '../helpers/cli';
import { step, testConfig } from '../helpers/plan';
import { connectTestEnv, temporalAddress, uniqueQueue } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { encodingOf, historyPayloads, payloadText, startEncryptedWorker, writeKeyFile } from './helpers';

// Config values that must never be readable in the stored history (the cluster name is not among them: it is the
// workflow id and a search attribute, which the server must be able to read).
const NODE = 'pve-codec-probe-node';
const USER = 'codec-probe-user@pve';
const PASSWORD_REF = 'env:CODEC_PROBE_PASSWORD';
const MARKERS = [NODE, USER, PASSWORD_REF, 'probe-output-value'];

let env: TestWorkflowEnvironment;
let cozy: CozyClient;
let stopWorker: () => Promise<void>;
const queue = uniqueQueue('codec');
const keyFile = writeKeyFile(['2025-06']);

const probe: StepActivity = async (input: StepInput) => ({
  status: 'passed',
  message: `probed node ${input.config.proxmox.node} as ${input.config.proxmox.username}`,
  outputs: { seen: 'probe-output-value' },
});

beforeAll(async () => {
  env = await connectTestEnv();
  stopWorker = await startEncryptedWorker(queue, { probe }, keyFile);
  cozy = await connectClient({ address: temporalAddress(), taskQueue: queue, codecKeyFile: keyFile });
});
afterAll(async () => {
  await cozy?.close();
  await stopWorker?.();
  await env?.teardown();
});

const cli = (args: string[]) =>
  runCli([...args, '--address', temporalAddress(), '--task-queue', queue], { COZY_PROXMOX_CODEC_KEY_FILE: '', COZY_PROXMOX_CODEC_KEY: '' });

test('an encrypted run: only ciphertext in history, readable with the key, refused without it', async () => {
  const config = testConfig({
    cluster: { name: 'codec-run' },
    proxmox: { url: 'https://127.0.0.1:8006', node: NODE, username: USER, password: PASSWORD_REF, templateId: 9000 },
    gates: { preparation: 'auto', 'basic-integration': 'manual', 'advanced-integration': 'auto', 'monitoring-security': 'auto' },
    approvers: ['alice'],
  });
  const plan = [step('probe.one', 'preparation', 'probe'), step('probe.two', 'basic-integration', 'probe')];
  const id = await startIntegration(cozy, { config, plan, workflowId: `integrate-cluster-codec-${Date.now()}` });

  // While the run waits at the gate, progress comes from a query the worker answers with an encrypted payload.
  await waitFor(() => getProgress(cozy, id), (p) => p.state === 'awaiting-approval', 'the basic-integration gate', 30_000);
  const noKeyQuery = await cli(['status', id, '--json']);
  expect(noKeyQuery.code).toBe(1);
  expect(noKeyQuery.stderr).toMatch(/encrypted \(binary\/encrypted, key "2025-06"\) and no codec key is configured: pass --codec-key-file/);
  const watched = await cli(['status', id, '--json', '--codec-key-file', keyFile]);
  expect(watched.code).toBe(0);
  expect((JSON.parse(watched.stdout) as Progress).state).toBe('awaiting-approval');

  // The approval travels as an encrypted update argument; the CLI encrypts it with the key.
  const approved = await cli(['approve', id, '--phase', 'basic-integration', '--by', 'alice', '--codec-key-file', keyFile]);
  expect(approved.stderr).toBe('');
  expect(approved.code).toBe(0);
  const final = await waitFor(() => getProgress(cozy, id), (p) => ['completed', 'failed'].includes(p.state), 'the run to end', 30_000);
  expect(final.state).toBe('completed');
  expect(final.steps.map((s) => s.message)).toEqual([`probed node ${NODE} as ${USER}`, `probed node ${NODE} as ${USER}`]);

  // The stored history, read without any codec: every payload is ciphertext, no marker appears in clear.
  const found = await historyPayloads(env.client, id);
  expect(found.length).toBeGreaterThan(8);
  // Patch markers are the SDK's own record of a versioned change (src/workflows/patches.ts): written without the
  // data converter, they hold the patch id and nothing of the run.
  const isPatchMarker = (f: (typeof found)[number]) => /\.markerRecordedEventAttributes\.details\.patch-data\./.test(f.path);
  for (const marker of found.filter(isPatchMarker)) {
    expect(PATCH_IDS).toContain(JSON.parse(Buffer.from(marker.payload.data ?? new Uint8Array()).toString('utf8')).id);
  }
  expect(found.filter((f) => !isPatchMarker(f) && encodingOf(f.payload) !== 'binary/encrypted').map((f) => `${f.path}: ${encodingOf(f.payload)}`)).toEqual([]);
  const rawHistory = JSON.stringify(await env.client.workflow.getHandle(id).fetchHistory(), (_k, v) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v,
  );
  expect(MARKERS.filter((m) => rawHistory.includes(m))).toEqual([]);
  // Control: the same payloads, decrypted with the key, do hold every marker, so the search above could find them.
  const decrypted = await new EncryptionCodec(loadKeyring({ codecKeyFile: keyFile }, {})!).decode(found.map((f) => f.payload));
  expect(MARKERS.filter((m) => !payloadText(decrypted).includes(m))).toEqual([]);

  // The codec endpoint the Temporal UI calls turns the stored payloads back into what the SDK wrote.
  const server = await startCodecServer({ codec: new EncryptionCodec(loadKeyring({ codecKeyFile: keyFile }, {})!) });
  try {
    const response = await fetch(`${server.url}/decode`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default' },
      body: JSON.stringify(payloadsToJson(found.map((f) => f.payload))),
    });
    expect(response.status).toBe(200);
    const decoded = payloadsFromJson(await response.json());
    if (typeof decoded === 'string') throw new Error(decoded);
    expect(new Set(decoded.map(encodingOf))).toEqual(new Set(['json/plain']));
    expect(MARKERS.filter((m) => !payloadText(decoded).includes(m))).toEqual([]);
  } finally {
    await server.close();
  }

  // The CLI reads the ended run with the key...
  const status = await cli(['status', id, '--json', '--codec-key-file', keyFile]);
  expect(status.code).toBe(0);
  expect((JSON.parse(status.stdout) as Progress).steps.map((s) => s.state)).toEqual(['passed', 'passed']);
  const report = await cli(['report', id, '--format', 'md', '--codec-key-file', keyFile]);
  expect(report.code).toBe(0);
  expect(report.stdout).toContain(`probed node ${NODE}`);
  // ... also when the key comes by reference from another variable.
  const byRef = await runCli(['report', id, '--format', 'json', '--address', temporalAddress()], {
    COZY_PROXMOX_CODEC_KEY_FILE: '',
    COZY_PROXMOX_CODEC_KEY: 'env:PROBE_CODEC_KEYS',
    PROBE_CODEC_KEYS: readFileSync(keyFile, 'utf8'),
  });
  expect(byRef.code).toBe(0);

  // Without the key, with a key of another id, or with other key material under the same id: a clear failure.
  const noKey = await cli(['report', id, '--format', 'json']);
  expect(noKey.code).toBe(1);
  expect(noKey.stderr).toMatch(/no codec key is configured: pass --codec-key-file FILE or set COZY_PROXMOX_CODEC_KEY_FILE/);
  expect(noKey.stdout).not.toContain(NODE);
  const otherId = await cli(['report', id, '--codec-key-file', writeKeyFile(['2024-01'])]);
  expect(otherId.code).toBe(1);
  expect(otherId.stderr).toMatch(/encrypted with key "2025-06", which key file .* does not hold \(it holds: 2024-01\)/);
  const impostor = await cli(['status', id, '--codec-key-file', writeKeyFile(['2025-06'], [generateKeyLine('2025-06')])]);
  expect(impostor.code).toBe(1);
  expect(impostor.stderr).toMatch(/does not decrypt with the key of that id .*wrong key material or tampered data/);
  // An unusable key file is bad input, before any connection.
  const badFile = await cli(['status', id, '--codec-key-file', writeKeyFile([], ['2025-06:AAAA'])]);
  expect(badFile.code).toBe(2);
  expect(badFile.stderr).toMatch(/key is 3 bytes, AES-256 needs 32/);
});
