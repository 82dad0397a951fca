// Shared pieces of the codec suites: a key file, and every payload of a run's raw history.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { generateKeyLine } from '../../src/codec/keyring';

/** Writes a key file with the given key ids (fresh keys) and returns its path. */
export function writeKeyFile(ids: string[], lines: string[] = ids.map((id) => generateKeyLine(id))): string {
  const dir = mkdtempSync(join(tmpdir(), 'cozy-codec-'));
  const file = join(dir, 'codec.keys');
  writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
  return file;
}

export interface FoundPayload {
  path: string;
  payload: Payload;
}

function isPayload(value: unknown): value is Payload {
  if (!value || typeof value !== 'object') return false;
  const meta = (value as Payload).metadata;
  return !!meta && typeof meta === 'object' && Object.values(meta).every((v) => v instanceof Uint8Array) && 'encoding' in meta;
}

/**
 * Every payload in a run's history, as the server stores it (fetched without any codec), except search attribute
 * values: the server indexes those, so they are never encrypted.
 */
export async function historyPayloads(client: Client, workflowId: string): Promise<FoundPayload[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const found: FoundPayload[] = [];
  const walk = (value: unknown, path: string) => {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
    if (isPayload(value)) {
      found.push({ path, payload: value });
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      if (k === 'searchAttributes') continue;
      walk(v, `${path}.${k}`);
    }
  };
  walk(history, 'history');
  return found;
}

export function encodingOf(p: Payload): string {
  return Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString('utf8');
}

/** All bytes of the payloads as text, so that a search finds anything stored in clear. */
export function payloadText(payloads: Payload[]): string {
  return payloads
    .map((p) => [...Object.values(p.metadata ?? {}), p.data ?? new Uint8Array()].map((b) => Buffer.from(b).toString('utf8')).join(' '))
    .join('\n');
}
