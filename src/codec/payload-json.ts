// Payloads as the Temporal UI's and CLI's remote codec protocol carries them: {"payloads": [{"metadata":
// {"encoding": "<base64>"}, "data": "<base64>"}]} (the protobuf JSON form, bytes as base64).
import type { Payload } from '@temporalio/common';

export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Parses a request body; returns the payloads or a message saying what is wrong with it. */
export function payloadsFromJson(body: unknown): Payload[] | string {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { payloads?: unknown }).payloads)) {
    return 'body must be JSON {"payloads": [...]}';
  }
  const out: Payload[] = [];
  for (const [i, item] of ((body as { payloads: unknown[] }).payloads).entries()) {
    if (!item || typeof item !== 'object') return `payloads[${i}] must be an object`;
    const { metadata = {}, data = '' } = item as JsonPayload;
    if (typeof metadata !== 'object' || metadata === null) return `payloads[${i}].metadata must be an object`;
    const decodedMeta: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string' || !BASE64.test(v)) return `payloads[${i}].metadata.${k} must be base64 text`;
      decodedMeta[k] = Buffer.from(v, 'base64');
    }
    if (typeof data !== 'string' || !BASE64.test(data)) return `payloads[${i}].data must be base64 text`;
    out.push({ metadata: decodedMeta, data: Buffer.from(data, 'base64') });
  }
  return out;
}

export function payloadsToJson(payloads: Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
