// HTTPS to the API server as the kubelet sees it: verified against the cluster CA, with the bootstrap token or the
// node's client certificate.
import * as https from 'node:https';

export interface ApiCall {
  method?: string;
  body?: unknown;
  /** Verify the server against this CA. */
  caPem?: string;
  bearerToken?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  timeoutMs?: number;
}

export interface ApiResponse {
  status: number;
  body: string;
  json<T>(): T;
}

export function apiCall(server: string, path: string, call: ApiCall = {}): Promise<ApiResponse> {
  const url = new URL(path, server);
  const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'kubelet-standin/cozy-proxmox-sandbox' };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  if (call.bearerToken) headers.authorization = `Bearer ${call.bearerToken}`;
  const options: https.RequestOptions = {
    method: call.method ?? 'GET',
    headers,
    timeout: call.timeoutMs ?? 10_000,
    rejectUnauthorized: call.caPem !== undefined,
    ...(call.caPem ? { ca: call.caPem } : {}),
    ...(call.clientCertPem ? { cert: call.clientCertPem, key: call.clientKeyPem } : {}),
  };
  return new Promise<ApiResponse>((resolve, reject) => {
    const req = https.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body, json: <T>() => JSON.parse(body) as T });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${options.method} ${url.href} timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The message of a Kubernetes Status body, or the start of the body. */
export function statusMessage(res: ApiResponse): string {
  try {
    return String(res.json<{ message?: string }>().message ?? res.body.slice(0, 300));
  } catch {
    return res.body.slice(0, 300);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
