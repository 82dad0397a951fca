// Shared pieces of the codec suites: a key file, and every payload of a run's raw history.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { wrapStepActivities } from '../../src/activities/common/step-wrapper';
import type { StepActivity } from '../../src/catalogue/types';
import { generateKeyLine } from '../../src/codec/keyring';
import { createWorker } from '../../src/worker';
import { bundleWorkflows } from '../../src/workflow-bundle';
import { temporalAddress } from '../helpers/temporal';

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

/**
 * A worker with the codec on, as `cozy-proxmox worker --codec-key-file` runs one: payloads and failures encrypted,
 * the workflow code bundled with the failure converter. Returns what stops it.
 */
export async function startEncryptedWorker(queue: string, activities: Record<string, StepActivity>, keyFile: string): Promise<() => Promise<void>> {
  const { worker, connection } = await createWorker({
    address: temporalAddress(),
    taskQueue: queue,
    activities: wrapStepActivities(activities),
    workflowBundle: await bundleWorkflows({ encodeFailures: true }),
    codecKeyFile: keyFile,
  });
  const running = worker.run();
  return async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
  };
}
