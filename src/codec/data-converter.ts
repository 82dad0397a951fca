// The data converter the worker and the client share: with a key, payloads are encrypted, failure messages and stack
// traces with them; without one, plain (the default), with a clear error if encrypted data shows up.
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, MissingKeyCodec } from './encryption-codec';
import { loadKeyring, type CodecOptions } from './key-source';
import type { Keyring } from './keyring';

export interface CodecSetup {
  dataConverter: DataConverter;
  /** The keyring in use, undefined when the codec is off. */
  keyring?: Keyring;
}

/** The module exporting `failureConverter` that encodes failure messages and stack traces (failure-converter.ts). */
export const ENCODED_FAILURES_CONVERTER_PATH = require.resolve('./failure-converter');

export function codecSetup(opts: CodecOptions = {}, env: NodeJS.ProcessEnv = process.env): CodecSetup {
  const keyring = loadKeyring(opts, env);
  if (!keyring) return { dataConverter: { payloadCodecs: [new MissingKeyCodec()] } };
  // With the codec on, failures are encoded too: their messages and stack traces would otherwise stay in clear.
  return { dataConverter: { payloadCodecs: [new EncryptionCodec(keyring)], failureConverterPath: ENCODED_FAILURES_CONVERTER_PATH }, keyring };
}
