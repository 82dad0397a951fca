// The data converter the worker and the client share: with a key, payloads are encrypted; without one, plain
// (the default), with a clear error if encrypted data shows up.
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, MissingKeyCodec } from './encryption-codec';
import { loadKeyring, type CodecOptions } from './key-source';
import type { Keyring } from './keyring';

export interface CodecSetup {
  dataConverter: DataConverter;
  /** The keyring in use, undefined when the codec is off. */
  keyring?: Keyring;
}

export function codecSetup(opts: CodecOptions = {}, env: NodeJS.ProcessEnv = process.env): CodecSetup {
  const keyring = loadKeyring(opts, env);
  const codec = keyring ? new EncryptionCodec(keyring) : new MissingKeyCodec();
  return { dataConverter: { payloadCodecs: [codec] }, keyring };
}
