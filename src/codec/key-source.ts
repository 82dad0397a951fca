// Where the codec key comes from: a key file (--codec-key-file, COZY_PROXMOX_CODEC_KEY_FILE) or a reference to
// one (--codec-key env:NAME | file:PATH, COZY_PROXMOX_CODEC_KEY). Never from a workflow input: the key must not
// travel with the data it protects. Empty values count as unset, so a compose file can pass the variable through.
import { readFileSync } from 'node:fs';
import { parseSecretRef } from '../config/secret-ref';
import { CodecKeyError } from './errors';
import { parseKeyring, type Keyring } from './keyring';

export const KEY_FILE_ENV = 'COZY_PROXMOX_CODEC_KEY_FILE';
export const KEY_REF_ENV = 'COZY_PROXMOX_CODEC_KEY';

export interface CodecOptions {
  /** Path of a key file. */
  codecKeyFile?: string;
  /** A reference to the keys: env:NAME (the variable holds the key file's text) or file:PATH. */
  codecKey?: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CodecKeyError(`cannot read codec key file ${path}: ${(err as Error).message}`);
  }
}

function fromText(text: string, source: string): Keyring {
  const ring = parseKeyring(text, source);
  if (Array.isArray(ring)) throw new CodecKeyError(`codec keys unusable: ${ring.join('; ')}`);
  return ring;
}

/** The configured keyring, or undefined when the codec is off (the default). */
export function loadKeyring(opts: CodecOptions = {}, env: NodeJS.ProcessEnv = process.env): Keyring | undefined {
  const file = nonEmpty(opts.codecKeyFile) ?? (nonEmpty(opts.codecKey) ? undefined : nonEmpty(env[KEY_FILE_ENV]));
  if (file) return fromText(readKeyFile(file), `key file ${file}`);
  const refText = nonEmpty(opts.codecKey) ?? nonEmpty(env[KEY_REF_ENV]);
  if (!refText) return undefined;
  const ref = parseSecretRef(refText);
  if (typeof ref === 'string') throw new CodecKeyError(`codec key reference "${refText}": ${ref}`);
  if (ref.kind === 'file') return fromText(readKeyFile(ref.path), `key file ${ref.path}`);
  if (ref.kind === 'env') {
    const text = nonEmpty(env[ref.name]);
    if (!text) throw new CodecKeyError(`codec key reference env:${ref.name}: the variable is not set`);
    return fromText(text, `variable ${ref.name}`);
  }
  throw new CodecKeyError(`codec key reference "${refText}": only env:NAME and file:PATH are supported for the codec key`);
}
