// The codec endpoint the Temporal UI (and `temporal --codec-endpoint`) calls to show encrypted payloads in clear
// to someone who may see them, without giving the UI the key: POST /encode and POST /decode with
// {"payloads": [...]}, the namespace in X-Namespace, CORS for the UI's origin, optionally a bearer token.
// Bound to 127.0.0.1 unless told otherwise.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import { findCodecError } from './errors';
import { payloadsFromJson, payloadsToJson } from './payload-json';

export interface CodecServerOptions {
  codec: PayloadCodec;
  host?: string;
  port?: number;
  /** Origins allowed to call from a browser (the Temporal UI's, e.g. http://127.0.0.1:8080). */
  corsOrigins?: string[];
  /** When set, requests need `Authorization: Bearer <token>`. */
  token?: string;
  /** When set, only these namespaces (X-Namespace) are served. */
  namespaces?: string[];
  /** One line per request, without payload contents. */
  log?: (line: string) => void;
}

export interface RunningCodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const MAX_BODY_BYTES = 16 * 1024 * 1024;
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        fail(new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function corsHeaders(req: IncomingMessage, origins: string[]): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !origins.includes(origin)) return { Vary: 'Origin' };
  return {
    Vary: 'Origin',
    'Access-Control-Allow-Origin': origin,
    // The UI may send cookies or its access token with the request ("include credentials").
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Max-Age': '600',
  };
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) });
  res.end(text);
}

async function handle(req: IncomingMessage, opts: CodecServerOptions): Promise<{ status: number; body?: unknown }> {
  const path = new URL(req.url ?? '/', 'http://codec').pathname.replace(/\/+$/, '');
  if (req.method === 'GET' && path === '/health') return { status: 200, body: { ok: true } };
  const action = path.endsWith('/encode') ? 'encode' : path.endsWith('/decode') ? 'decode' : undefined;
  if (!action) throw new HttpError(404, `no such endpoint ${path || '/'}: use POST /encode or POST /decode`);
  if (req.method !== 'POST') throw new HttpError(405, `${path} takes POST`);
  if (opts.token) {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : '';
    if (!given || !sameSecret(given, opts.token)) throw new HttpError(401, 'missing or wrong bearer token');
  }
  const namespace = req.headers['x-namespace'];
  if (opts.namespaces && opts.namespaces.length > 0 && (typeof namespace !== 'string' || !opts.namespaces.includes(namespace))) {
    throw new HttpError(403, `namespace "${String(namespace ?? '')}" is not served here (X-Namespace must be one of ${opts.namespaces.join(', ')})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, 'body is not JSON');
  }
  const payloads = payloadsFromJson(body);
  if (typeof payloads === 'string') throw new HttpError(400, payloads);
  try {
    const result = action === 'encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
    return { status: 200, body: payloadsToJson(result) };
  } catch (err) {
    const codecError = findCodecError(err);
    // A payload this server cannot open is the caller's data problem, not a server fault.
    if (codecError) throw new HttpError(422, codecError.message);
    throw err;
  }
}

export function startCodecServer(opts: CodecServerOptions): Promise<RunningCodecServer> {
  const origins = opts.corsOrigins ?? [];
  const log = opts.log ?? (() => undefined);
  const server: Server = createServer((req, res) => {
    const cors = corsHeaders(req, origins);
    if (req.method === 'OPTIONS') {
      // Preflight: allowed only for the configured origins; carries no credentials, so no token check.
      send(res, cors['Access-Control-Allow-Origin'] ? 204 : 403, cors);
      return;
    }
    handle(req, opts).then(
      ({ status, body }) => {
        log(`${req.method} ${req.url} ${status} namespace=${String(req.headers['x-namespace'] ?? '-')}`);
        send(res, status, cors, body);
      },
      (err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const message = err instanceof Error ? err.message : String(err);
        log(`${req.method} ${req.url} ${status} ${message}`);
        send(res, status, status === 401 ? { ...cors, 'WWW-Authenticate': 'Bearer' } : cors, { error: message });
      },
    );
  });
  const host = opts.host ?? '127.0.0.1';
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', fail);
      const { port } = server.address() as AddressInfo;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      ok({
        url: `http://${shownHost}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
