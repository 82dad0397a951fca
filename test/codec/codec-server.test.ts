// The codec endpoint over HTTP as the Temporal UI uses it: /encode and /decode round trips, CORS for the UI's
// origin only, the optional bearer token and namespace list, clear errors; and the `codec-server` command itself,
// bound to loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { loadKeyring } from '../../src/codec/key-source';
import { payloadsFromJson, payloadsToJson } from '../../src/codec/payload-json';
import { startCodecServer, type RunningCodecServer } from '../../src/codec/codec-server';
import { REPO_ROOT } from '../helpers/cli';
import { writeKeyFile } from './helpers';

const UI = 'http://127.0.0.1:8080';
const TOKEN = 'a-token-long-enough-for-the-check';
const keyFile = writeKeyFile(['ui-key']);
const codec = new EncryptionCodec(loadKeyring({ codecKeyFile: keyFile }, {})!);
let open: RunningCodecServer;
let guarded: RunningCodecServer;

beforeAll(async () => {
  open = await startCodecServer({ codec, corsOrigins: [UI] });
  guarded = await startCodecServer({ codec, token: TOKEN, namespaces: ['default'] });
});
afterAll(async () => {
  await open?.close();
  await guarded?.close();
});

const body = (values: unknown[]) => JSON.stringify(payloadsToJson(values.map((v) => defaultPayloadConverter.toPayload(v))));

async function post(url: string, payloadBody: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: payloadBody });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

test('binds 127.0.0.1 by default', () => {
  expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

test('/encode then /decode returns the original payloads', async () => {
  const values = [{ node: 'pve1', vmid: 9000 }, 'text', null];
  const encoded = await post(`${open.url}/encode`, body(values), { 'X-Namespace': 'default' });
  expect(encoded.status).toBe(200);
  const sealed = payloadsFromJson(encoded.json);
  if (typeof sealed === 'string') throw new Error(sealed);
  expect(sealed.map((p) => Buffer.from(p.metadata!.encoding).toString())).toEqual(['binary/encrypted', 'binary/encrypted', 'binary/encrypted']);
  expect(JSON.stringify(encoded.json)).not.toContain(Buffer.from('pve1').toString('base64'));
  const decoded = await post(`${open.url}/decode`, JSON.stringify(encoded.json), { 'X-Namespace': 'default' });
  expect(decoded.status).toBe(200);
  const plain = payloadsFromJson(decoded.json);
  if (typeof plain === 'string') throw new Error(plain);
  expect(plain.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(values);
});

test('CORS: the UI origin is allowed with credentials, other origins are not', async () => {
  const preflight = await fetch(`${open.url}/decode`, {
    method: 'OPTIONS',
    headers: { Origin: UI, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
  expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
  const foreign = await fetch(`${open.url}/decode`, { method: 'OPTIONS', headers: { Origin: 'http://evil.invalid' } });
  expect(foreign.status).toBe(403);
  expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  const fromUi = await post(`${open.url}/encode`, body([1]), { Origin: UI });
  expect(fromUi.headers.get('access-control-allow-origin')).toBe(UI);
});

test('bearer token and namespace list are enforced', async () => {
  const none = await post(`${guarded.url}/encode`, body([1]), { 'X-Namespace': 'default' });
  expect(none.status).toBe(401);
  expect(none.json.error).toMatch(/bearer token/);
  expect(none.headers.get('www-authenticate')).toBe('Bearer');
  const wrong = await post(`${guarded.url}/encode`, body([1]), { 'X-Namespace': 'default', Authorization: `Bearer ${TOKEN}x` });
  expect(wrong.status).toBe(401);
  const otherNs = await post(`${guarded.url}/encode`, body([1]), { 'X-Namespace': 'prod', Authorization: `Bearer ${TOKEN}` });
  expect(otherNs.status).toBe(403);
  expect(otherNs.json.error).toMatch(/namespace "prod" is not served here/);
  const ok = await post(`${guarded.url}/encode`, body([1]), { 'X-Namespace': 'default', Authorization: `Bearer ${TOKEN}` });
  expect(ok.status).toBe(200);
});

test('bad requests and undecryptable payloads fail with what was wrong', async () => {
  expect((await post(`${open.url}/decode`, '{not json')).json.error).toBe('body is not JSON');
  const shape = await post(`${open.url}/decode`, '{"items": []}');
  expect(shape.status).toBe(400);
  expect(shape.json.error).toMatch(/\{"payloads": \[...\]\}/);
  const notB64 = await post(`${open.url}/decode`, '{"payloads": [{"metadata": {"encoding": "%%"}, "data": ""}]}');
  expect(notB64.json.error).toBe('payloads[0].metadata.encoding must be base64 text');
  const foreignKey = new EncryptionCodec(loadKeyring({ codecKeyFile: writeKeyFile(['someone-else']) }, {})!);
  const sealed = await foreignKey.encode([defaultPayloadConverter.toPayload('x')]);
  const refused = await post(`${open.url}/decode`, JSON.stringify(payloadsToJson(sealed)));
  expect(refused.status).toBe(422);
  expect(refused.json.error).toMatch(/encrypted with key "someone-else", which key file .* does not hold \(it holds: ui-key\)/);
  expect((await fetch(`${open.url}/other`, { method: 'POST' })).status).toBe(404);
  expect((await fetch(`${open.url}/decode`)).status).toBe(405);
});

test('`cozy-proxmox codec-server` serves on loopback until SIGTERM', async () => {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'cozy-proxmox.js'), 'codec-server', '--port', '0', '--key-file', keyFile, '--cors-origin', UI],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, COZY_PROXMOX_CODEC_KEY_FILE: '' } },
  );
  let stderr = '';
  try {
    const url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no listening line in 20 s: ${stderr}`)), 20_000);
      child.stderr!.on('data', (d) => {
        stderr += d;
        const m = /listening on (http:\/\/[^ ]+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
      child.on('exit', (code) => fail(new Error(`codec-server exited ${code}: ${stderr}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stderr).toMatch(/keys: ui-key; encrypting with ui-key; CORS origins: http:\/\/127.0.0.1:8080; bearer token: off/);
    const roundTrip = await post(`${url}/encode`, body(['hello']));
    const back = await post(`${url}/decode`, JSON.stringify(roundTrip.json));
    const values = payloadsFromJson(back.json);
    if (typeof values === 'string') throw new Error(values);
    expect(defaultPayloadConverter.fromPayload(values[0])).toBe('hello');
  } finally {
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    await exited;
  }
  expect(child.exitCode).toBe(0);
});

test('`cozy-proxmox codec-server` without keys is bad input', async () => {
  const { runCli } = await import('../helpers/cli');
  const res = await runCli(['codec-server', '--port', '0'], { COZY_PROXMOX_CODEC_KEY_FILE: '', COZY_PROXMOX_CODEC_KEY: '' });
  expect(res.code).toBe(2);
  expect(res.stderr).toMatch(/codec-server needs keys: pass --key-file FILE/);
});
