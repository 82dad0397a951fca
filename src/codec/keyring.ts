// The codec's keys. A key file holds one key a line, `ID:BASE64` (32 bytes, AES-256) or just `BASE64` (the id is
// then derived from the key, so every reader names it the same). The first key encrypts; every key decrypts, which
// is how a key is rotated: put the new key first, keep the old ones until no history needs them.
import { createHash, randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface CodecKey {
  id: string;
  key: Buffer;
}

export interface Keyring {
  /** The key new payloads are encrypted with. */
  primary: CodecKey;
  byId: ReadonlyMap<string, CodecKey>;
  /** Where the keys came from, for messages ("file /etc/cozy/codec.keys"); never the key material. */
  source: string;
}

/** The id of a key given without one: a short hash of the key, stable across readers. */
export function derivedKeyId(key: Buffer): string {
  return `sha256-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** Parses key file text; returns the keyring, or a list of problems naming their lines. */
export function parseKeyring(text: string, source: string): Keyring | string[] {
  const problems: string[] = [];
  const keys: CodecKey[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source} line ${index + 1}`;
    // Base64 has no ':', so the last ':' separates an id from the key.
    const colon = line.lastIndexOf(':');
    const id = colon >= 0 ? line.slice(0, colon).trim() : undefined;
    const encoded = colon >= 0 ? line.slice(colon + 1).trim() : line;
    if (id !== undefined && !KEY_ID.test(id)) {
      problems.push(`${where}: key id must be 1-64 characters of A-Z a-z 0-9 . _ -`);
      return;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
      problems.push(`${where}: key is not base64`);
      return;
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES) {
      problems.push(`${where}: key is ${key.length} bytes, AES-256 needs ${KEY_BYTES} (make one with: cozy-proxmox codec-key generate)`);
      return;
    }
    const keyId = id ?? derivedKeyId(key);
    if (keys.some((k) => k.id === keyId)) {
      problems.push(`${where}: key id "${keyId}" appears twice`);
      return;
    }
    keys.push({ id: keyId, key });
  });
  if (problems.length > 0) return problems;
  if (keys.length === 0) return [`${source} holds no key (make one with: cozy-proxmox codec-key generate)`];
  return { primary: keys[0], byId: new Map(keys.map((k) => [k.id, k])), source };
}

/** A new key line `ID:BASE64`; the id defaults to today's date, which sorts and tells the key's age. */
export function generateKeyLine(id: string = new Date().toISOString().slice(0, 10)): string {
  if (!KEY_ID.test(id)) throw new Error(`key id must be 1-64 characters of A-Z a-z 0-9 . _ -, not "${id}"`);
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

export function keyIds(ring: Keyring): string[] {
  return [...ring.byId.keys()];
}
