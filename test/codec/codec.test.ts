// The AES-256-GCM payload codec and its keys, without a server: round trips, rotation, and every way a key or a
// payload can be wrong, each failing with a message that says what to do.
import { writeFileSync } from 'node:fs';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { CodecDecodeError, CodecKeyError } from '../../src/codec/errors';
import { EncryptionCodec, ENCRYPTED_ENCODING, metadataText, MissingKeyCodec } from '../../src/codec/encryption-codec';
import { generateKeyLine, parseKeyring, type Keyring } from '../../src/codec/keyring';
import { loadKeyring } from '../../src/codec/key-source';
import { writeKeyFile } from './helpers';

const SECRET_TEXT = 'proxmox-node-pve-hidden-42';

function ring(lines: string[], source = 'test keys'): Keyring {
  const parsed = parseKeyring(lines.join('\n'), source);
  if (Array.isArray(parsed)) throw new Error(parsed.join('; '));
  return parsed;
}

const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);

test('encrypts every payload with the first key and decodes it back unchanged', async () => {
  const keys = ring([generateKeyLine('new'), generateKeyLine('old')]);
  const codec = new EncryptionCodec(keys);
  const input = [plain({ node: SECRET_TEXT }), plain(null), plain('x'.repeat(10_000))];
  const encoded = await codec.encode(input);
  expect(encoded.map((p) => metadataText(p, 'encoding'))).toEqual([ENCRYPTED_ENCODING, ENCRYPTED_ENCODING, ENCRYPTED_ENCODING]);
  expect(encoded.map((p) => metadataText(p, 'encryption-key-id'))).toEqual(['new', 'new', 'new']);
  expect(Buffer.from(encoded[0].data as Uint8Array).toString('utf8')).not.toContain(SECRET_TEXT);
  const decoded = await codec.decode(encoded);
  expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([{ node: SECRET_TEXT }, null, 'x'.repeat(10_000)]);
  // A fresh IV each time: the same value never encrypts to the same bytes.
  const again = await codec.encode([input[0]]);
  expect(Buffer.from(again[0].data as Uint8Array).equals(Buffer.from(encoded[0].data as Uint8Array))).toBe(false);
});

test('after a rotation old payloads still decode, new ones use the new key', async () => {
  const oldLine = generateKeyLine('2025-01');
  const before = new EncryptionCodec(ring([oldLine]));
  const stored = await before.encode([plain({ v: 1 })]);
  const after = new EncryptionCodec(ring([generateKeyLine('2025-06'), oldLine]));
  expect(defaultPayloadConverter.fromPayload((await after.decode(stored))[0])).toEqual({ v: 1 });
  expect(metadataText((await after.encode([plain(2)]))[0], 'encryption-key-id')).toBe('2025-06');
});

test('plain payloads (written before the codec was on) pass through decode', async () => {
  const codec = new EncryptionCodec(ring([generateKeyLine('k')]));
  const decoded = await codec.decode([plain({ legacy: true })]);
  expect(defaultPayloadConverter.fromPayload(decoded[0])).toEqual({ legacy: true });
});

test('a key id the key file does not hold fails naming both', async () => {
  const stored = await new EncryptionCodec(ring([generateKeyLine('gone')])).encode([plain(1)]);
  const other = new EncryptionCodec(ring([generateKeyLine('current')], 'key file /etc/cozy/codec.keys'));
  await expect(other.decode(stored)).rejects.toThrow(CodecDecodeError);
  await expect(other.decode(stored)).rejects.toThrow(/encrypted with key "gone", which key file \/etc\/cozy\/codec.keys does not hold \(it holds: current\)/);
});

test('the wrong key material under the right id fails as wrong key or tampered data', async () => {
  const stored = await new EncryptionCodec(ring([generateKeyLine('same')])).encode([plain(1)]);
  const impostor = new EncryptionCodec(ring([generateKeyLine('same')]));
  await expect(impostor.decode(stored)).rejects.toThrow(/does not decrypt with the key of that id .*wrong key material or tampered data/);
});

test('tampered ciphertext or a relabelled key id does not decrypt', async () => {
  const lineA = generateKeyLine('a');
  const keys = ring([lineA, `b:${lineA.split(':')[1]}`]);
  const codec = new EncryptionCodec(keys);
  const [stored] = await codec.encode([plain({ v: 'x' })]);
  const flipped = Buffer.from(stored.data as Uint8Array);
  flipped[20] ^= 1;
  await expect(codec.decode([{ ...stored, data: flipped }])).rejects.toThrow(/tampered/);
  // Same key bytes under another id: the id is authenticated, so the relabelled payload is refused.
  const relabelled = { ...stored, metadata: { ...stored.metadata, 'encryption-key-id': Buffer.from('b') } };
  await expect(codec.decode([relabelled])).rejects.toThrow(/key "b" does not decrypt/);
});

test('without a key, encrypted data fails with what to configure; plain data passes', async () => {
  const stored = await new EncryptionCodec(ring([generateKeyLine('k1')])).encode([plain(1)]);
  const guard = new MissingKeyCodec();
  await expect(guard.decode(stored)).rejects.toThrow(/encrypted \(binary\/encrypted, key "k1"\) and no codec key is configured: pass --codec-key-file/);
  expect(await guard.decode([plain(2)])).toHaveLength(1);
  expect(await guard.encode([plain(3)])).toEqual([plain(3)]);
});

test('key files: each problem is named with its line', () => {
  const problems = parseKeyring(['# comment', 'bad id!:' + generateKeyLine('x').split(':')[1], 'short:AAAA', 'k:not base64!', ''].join('\n'), 'keys.txt');
  expect(problems).toEqual([
    expect.stringMatching(/^keys.txt line 2: key id must be/),
    expect.stringMatching(/^keys.txt line 3: key is 3 bytes, AES-256 needs 32/),
    expect.stringMatching(/^keys.txt line 4: key is not base64/),
  ]);
  const line = generateKeyLine('dup');
  expect(parseKeyring(`${line}\n${line}`, 'f')).toEqual([expect.stringMatching(/key id "dup" appears twice/)]);
  expect(parseKeyring('# nothing\n', 'f')).toEqual([expect.stringMatching(/holds no key/)]);
  // A bare key gets an id derived from its bytes, the same for every reader.
  const bare = generateKeyLine('x').split(':')[1];
  const a = ring([bare]);
  expect(a.primary.id).toMatch(/^sha256-[0-9a-f]{16}$/);
  expect(ring([bare]).primary.id).toBe(a.primary.id);
});

test('key sources: flag, file variable, env: and file: references; codec off when none is set', () => {
  const file = writeKeyFile(['from-file']);
  const line = generateKeyLine('from-env');
  expect(loadKeyring({}, {})).toBeUndefined();
  expect(loadKeyring({ codecKeyFile: '' }, { COZY_PROXMOX_CODEC_KEY_FILE: '' })).toBeUndefined();
  expect(loadKeyring({ codecKeyFile: file }, {})?.primary.id).toBe('from-file');
  expect(loadKeyring({}, { COZY_PROXMOX_CODEC_KEY_FILE: file })?.primary.id).toBe('from-file');
  expect(loadKeyring({}, { COZY_PROXMOX_CODEC_KEY: 'env:MY_KEYS', MY_KEYS: line })?.primary.id).toBe('from-env');
  expect(loadKeyring({ codecKey: `file:${file}` }, {})?.primary.id).toBe('from-file');
  expect(() => loadKeyring({ codecKey: 'env:UNSET_KEYS' }, {})).toThrow(/env:UNSET_KEYS: the variable is not set/);
  expect(() => loadKeyring({ codecKey: 'k8s:ns/name#key' }, {})).toThrow(/only env:NAME and file:PATH/);
  expect(() => loadKeyring({ codecKey: 'raw-key-text' }, {})).toThrow(CodecKeyError);
  expect(() => loadKeyring({ codecKeyFile: '/nonexistent/codec.keys' }, {})).toThrow(/cannot read codec key file \/nonexistent\/codec.keys/);
  const short = writeKeyFile([], ['k:AAAA']);
  writeFileSync(short, 'k:AAAA\n');
  expect(() => loadKeyring({ codecKeyFile: short }, {})).toThrow(/codec keys unusable: key file .* line 1: key is 3 bytes/);
});
