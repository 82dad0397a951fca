// A plain HTTPS request to the API server with the kubeconfig's credentials, for what the object API does not cover
// (the status subresource, timing a bare GET). Errors carry `code` and `body` like the client's ApiException, so the
// same classification applies.
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class KubernetesHttpError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
    method: string,
    path: string,
  ) {
    super(`${method} ${path}: HTTP ${code}: ${statusMessage(body)}`);
    this.name = 'KubernetesHttpError';
  }
}

function statusMessage(body: string): string {
  try {
    return String((JSON.parse(body) as { message?: unknown }).message ?? body.slice(0, 300));
  } catch {
    return body.slice(0, 300);
  }
}

export interface RawResponse {
  status: number;
  body: string;
}

export interface RawRequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

export async function rawRequest(kc: KubeConfig, path: string, opts: RawRequestOptions = {}): Promise<RawResponse> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server + path);
  const method = opts.method ?? 'GET';
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const options: https.RequestOptions = {
    method,
    headers: {
      accept: 'application/json',
      ...(payload !== undefined ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
    },
    timeout: opts.timeoutMs ?? 30_000,
  };
  await kc.applyToHTTPSOptions(options);
  const transport = url.protocol === 'https:' ? https : http;
  const response = await new Promise<RawResponse>((resolve, reject) => {
    const req = transport.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`${method} ${path} timed out`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
  if (response.status >= 400) throw new KubernetesHttpError(response.status, response.body, method, path);
  return response;
}
