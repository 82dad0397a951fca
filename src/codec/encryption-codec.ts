// AES-256-GCM payload codec: every payload the SDK sends to Temporal (workflow inputs and results, activity inputs
// and results, queries, updates, summaries) is stored encrypted, so the server's database and anyone reading
// history without the key see only ciphertext. The whole original payload (its metadata too) is encrypted; the key
// id travels in clear metadata so that the right key is found after a rotation.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CodecDecodeError } from './errors';
import { keyIds, type CodecKey, type Keyring } from './keyring';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const PayloadProto = temporal.api.common.v1.Payload;

export function metadataText(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? Buffer.from(value).toString('utf8') : undefined;
}

export function isEncrypted(payload: Payload): boolean {
  return metadataText(payload, 'encoding') === ENCRYPTED_ENCODING;
}

// The key id is authenticated with the ciphertext: a payload relabelled with another key id does not decrypt.
function aad(keyId: string): Buffer {
  return Buffer.from(`cozy-proxmox-codec/v1:${keyId}`, 'utf8');
}

export function encryptPayload(payload: Payload, key: CodecKey): Payload {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(aad(key.id));
  const plain = PayloadProto.encode(payload).finish();
  const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return {
    metadata: {
      encoding: Buffer.from(ENCRYPTED_ENCODING),
      [KEY_ID_METADATA]: Buffer.from(key.id),
      [CIPHER_METADATA]: Buffer.from(CIPHER),
    },
    data: sealed,
  };
}

export function decryptPayload(payload: Payload, ring: Keyring): Payload {
  const keyId = metadataText(payload, KEY_ID_METADATA);
  if (!keyId) throw new CodecDecodeError(`an encrypted payload carries no ${KEY_ID_METADATA}: it was not written by this codec`);
  const key = ring.byId.get(keyId);
  if (!key) {
    throw new CodecDecodeError(
      `payload was encrypted with key "${keyId}", which ${ring.source} does not hold (it holds: ${keyIds(ring).join(', ')}); ` +
        'add that key to the key file (keep old keys after a rotation)',
    );
  }
  const sealed = Buffer.from(payload.data ?? new Uint8Array());
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new CodecDecodeError(`encrypted payload (key "${keyId}") is truncated: ${sealed.length} bytes`);
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
    decipher.setAAD(aad(keyId));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new CodecDecodeError(
      `payload encrypted with key "${keyId}" does not decrypt with the key of that id in ${ring.source}: wrong key material or tampered data`,
    );
  }
  const decoded = PayloadProto.decode(plain);
  return { metadata: decoded.metadata ?? {}, data: decoded.data ?? new Uint8Array() };
}

/** Encrypts with the keyring's primary key; decrypts with whichever key the payload names. */
export class EncryptionCodec implements PayloadCodec {
  constructor(readonly keyring: Keyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => encryptPayload(p, this.keyring.primary));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    // Payloads stored before the codec was turned on stay readable.
    return payloads.map((p) => (isEncrypted(p) ? decryptPayload(p, this.keyring) : p));
  }
}

/**
 * Used when no key is configured: passes everything through, but an encrypted payload fails with what to do,
 * instead of the converter's bare "unknown encoding".
 */
export class MissingKeyCodec implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    const encrypted = payloads.find(isEncrypted);
    if (encrypted) {
      throw new CodecDecodeError(
        `this data is encrypted (${ENCRYPTED_ENCODING}, key "${metadataText(encrypted, KEY_ID_METADATA) ?? '?'}") and no codec key is configured: ` +
          'pass --codec-key-file FILE or set COZY_PROXMOX_CODEC_KEY_FILE',
      );
    }
    return payloads;
  }
}
