// Minimal HTTP(S) requests to the loopback components: health probes and the few API calls the harness makes.
import * as http from 'node:http';
import * as https from 'node:https';

export interface TlsClient {
  /** CA to verify the server with; omitted means the server's self-signed certificate is accepted as is. */
  caPem?: string;
  certPem?: string;
  keyPem?: string;
}

export interface HttpResult {
  status: number;
  body: string;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  tls?: TlsClient;
  timeoutMs?: number;
}

export function request(url: string, options: RequestOptions = {}): Promise<HttpResult> {
  const target = new URL(url);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const common = { method: options.method ?? 'GET', headers, timeout: options.timeoutMs ?? 5_000 };
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req =
      target.protocol === 'https:'
        ? https.request(target, {
            ...common,
            ca: options.tls?.caPem,
            cert: options.tls?.certPem,
            key: options.tls?.keyPem,
            rejectUnauthorized: options.tls?.caPem !== undefined,
          }, onResponse)
        : http.request(target, common, onResponse);
    req.on('timeout', () => req.destroy(new Error(`timed out after ${common.timeout} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked between attempts: a component that died will never answer, so stop waiting at once. */
  abortIf?: () => string | undefined;
}

/** Polls `check` until it returns true; the error names what was awaited and the last thing seen. */
export async function waitFor(what: string, check: () => Promise<boolean | string>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const aborted = options.abortIf?.();
    if (aborted) throw new Error(`${what}: ${aborted}`);
    try {
      const result = await check();
      if (result === true) return;
      if (typeof result === 'string') last = result;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) throw new Error(`${what}: not ready after ${options.timeoutMs} ms (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}

/** A probe for a health endpoint (`/readyz`, `/livez`, `/health`) that returns 200 when healthy. */
export function healthProbe(url: string, tls?: TlsClient): () => Promise<boolean | string> {
  return async () => {
    const res = await request(url, { tls, timeoutMs: 3_000 });
    return res.status === 200 ? true : `HTTP ${res.status}: ${res.body.slice(0, 300)}`;
  };
}
