// The HTTP layer: what pveproxy does before and after a handler runs. Authentication (ticket cookie + CSRF header, or
// API token), 501 for unknown methods, the permission check, then parameter verification, then the handler; answers
// in the JSON envelope with Content-Type exactly "application/json;charset=UTF-8" and the message's first line as
// the HTTP reason phrase. Faults (latency, transient errors) are applied here.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Simulation } from './core';
import { ApiError, AuthError } from './errors';
import { checkApiPermissions, requireAll } from './permissions';
import type { Router } from './router';
import { installMultipartParser, isMultipartBody, UPLOAD_PATH } from './upload-body';
import { validateParameters } from './validate';
import { permissionsFor } from './version-permissions';

const JSON_TYPE = 'application/json;charset=UTF-8';
const MAX_BODY = 64 * 1024;
/** Calls that need no authentication, as in the real server. */
const UNAUTHENTICATED = new Set(['GET /access/ticket', 'POST /access/ticket', 'GET /access/domains']);
/** Methods proxied to the node in the path: they fail when that node is offline. */
const NODE_SCOPED = /^\/nodes\/[^/]+\//;

export interface RequestRecord {
  time: number;
  method: string;
  path: string;
  status: number;
  ms: number;
  authid?: string;
  /** The client's User-Agent header, which tells the project's calls from the sandbox operator's and the exporter's. */
  userAgent?: string;
  /** The API method served, e.g. "POST /nodes/{node}/qemu/{vmid}/clone"; absent when none matched. */
  route?: string;
}

export interface ClientCounts {
  requests: number;
  /** Answers with a 5xx status (injected faults among them). */
  serverErrors: number;
  /** Requests per API method served. */
  routes: Record<string, number>;
}

export class RequestLog {
  count = 0;
  /** Requests per User-Agent since the start, so that a benchmark can tell whose calls they were. */
  readonly byClient: Record<string, ClientCounts> = {};
  private recent: RequestRecord[] = [];
  add(r: RequestRecord): void {
    this.count++;
    const client = (this.byClient[r.userAgent ?? '(none)'] ??= { requests: 0, serverErrors: 0, routes: {} });
    client.requests++;
    if (r.status >= 500) client.serverErrors++;
    if (r.route) client.routes[r.route] = (client.routes[r.route] ?? 0) + 1;
    this.recent.push(r);
    if (this.recent.length > 2000) this.recent.splice(0, 1000);
  }
  list(limit = 200): RequestRecord[] {
    return this.recent.slice(-limit);
  }
}

function reasonPhrase(message: string): string {
  // The first line only, and only characters a status line may carry.
  return message.split('\n')[0].replace(/[^\t\x20-\x7e]/g, '?') || 'Error';
}

function sendJson(reply: FastifyReply, status: number, body: unknown, reason?: string): void {
  if (reason) reply.raw.statusMessage = reasonPhrase(reason);
  void reply.code(status).header('content-type', JSON_TYPE).send(JSON.stringify(body));
}

function sendError(reply: FastifyReply, err: ApiError): void {
  const body: Record<string, unknown> = { data: null, message: err.message };
  if (err.errors) body.errors = err.errors;
  sendJson(reply, err.status, body, err.message);
}

/** Body parameters: form-encoded (repeated keys joined with NUL, as the real server does) or JSON. */
function parseBody(request: FastifyRequest): Record<string, unknown> {
  const raw = request.body;
  if (typeof raw !== 'string' || raw.length === 0) return {};
  const type = String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiError(400, 'Parameter verification failed.\n', { '': 'an object is required' });
    return parsed as Record<string, unknown>;
  }
  return formDecode(raw);
}

function unescapeForm(text: string): string {
  const plus = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    // Like the real server: decode the valid %XX escapes and keep the rest as it is.
    return plus.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

function formDecode(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of text.split(/[&;]/)) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const k = unescapeForm(eq < 0 ? pair : pair.slice(0, eq));
    const v = eq < 0 ? '' : unescapeForm(pair.slice(eq + 1));
    out[k] = out[k] === undefined ? v : `${out[k]}\0${v}`;
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function installApi(app: FastifyInstance, sim: Simulation, router: Router, log: RequestLog): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
  installMultipartParser(app);

  // Outside /api2 the real server only serves files; anything else is "no such file".
  app.setNotFoundHandler((request, reply) => {
    reply.raw.statusMessage = reasonPhrase(`no such file '${request.url.split('?')[0]}'`);
    void reply.code(501).send();
  });

  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'],
    url: '/api2/*',
    handler: async (request, reply) => {
      const started = performance.now();
      const rec: RequestRecord = { time: Date.now(), method: request.method, path: request.url.split('?')[0], status: 0, ms: 0, userAgent: request.headers['user-agent'] };
      reply.header('server', 'pve-api-daemon/3.0').header('cache-control', 'max-age=0').header('pragma', 'no-cache').header('expires', new Date().toUTCString());
      let closed = false;
      try {
        closed = (await handleApi(request, reply, sim, router, rec)) === 'closed';
      } finally {
        // 0: the connection was closed without an answer (as pveproxy leaves a refused upload).
        rec.status = closed ? 0 : reply.statusCode;
        rec.ms = Math.round((performance.now() - started) * 100) / 100;
        log.add(rec);
      }
      return reply;
    },
  });
}

async function handleApi(request: FastifyRequest, reply: FastifyReply, sim: Simulation, router: Router, rec: RequestRecord): Promise<'closed' | void> {
  const method = request.method;
  if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) {
    reply.raw.statusMessage = `method '${method}' not available`;
    void reply.code(501).send();
    return;
  }
  const [rawPath, query = ''] = request.url.split('?', 2);
  const m = /^\/api2\/+([a-z][a-z0-9]+)(\/.*)?$/.exec(rawPath);
  if (!m) {
    reply.raw.statusMessage = 'no such uri';
    void reply.code(501).send();
    return;
  }
  if (m[1] !== 'json') {
    reply.raw.statusMessage = `no formatter for uri ${m[2] ?? '/'}, ${m[1]}`;
    void reply.code(501).send();
    return;
  }
  const segments = (m[2] ?? '/').split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const relPath = `/${segments.join('/')}`;
  const faults = sim.faults;
  if (faults.latencyMs) await sleep(faults.latencyMs);

  // Authentication comes first, for known and unknown paths alike.
  const plainKey = `${method} ${relPath}`;
  // pveproxy treats this one method as a file upload: no CSRF token needed, its privilege checked while
  // authenticating (before the body is read), the body streamed to a temporary file.
  const upload = method === 'POST' ? UPLOAD_PATH.exec(relPath) : null;
  let authid: string | undefined;
  if (!UNAUTHENTICATED.has(plainKey)) {
    try {
      authid = authenticate(request, sim, method, !!upload);
    } catch (err) {
      reply.raw.statusMessage = reasonPhrase((err as Error).message);
      void reply.code(401).send();
      return;
    }
    rec.authid = authid;
  }
  if (upload && authid) {
    try {
      requireAll(sim.state, authid, `/storage/${upload[2]}`, ['Datastore.AllocateTemplate']);
    } catch (err) {
      reply.raw.statusMessage = reasonPhrase((err as Error).message);
      void reply.code(403).send();
      return;
    }
  }

  if (faults.errorRate && (plainKey !== 'POST /access/ticket' || faults.errorRateIncludesLogin) && Math.random() < faults.errorRate) {
    const transient = Math.random() < 0.5 ? new ApiError(503, 'Service Unavailable\n') : new ApiError(500, "got timeout\n");
    reply.header('x-simulator-fault', 'error-rate');
    sendError(reply, transient);
    return;
  }

  // Body problems are answered by the HTTP layer itself: status and reason only, no JSON.
  const body = typeof request.body === 'string' ? request.body : '';
  const multipart = isMultipartBody(request.body) ? request.body : undefined;
  const hasBody = body.length > 0 || multipart !== undefined;
  const bareError = (status: number, reason: string) => {
    reply.raw.statusMessage = reasonPhrase(reason);
    void reply.code(status).send();
  };
  if (hasBody && method !== 'POST' && method !== 'PUT') return bareError(501, `Unexpected content for method '${method}'`);
  let params: Record<string, unknown>;
  let tmpfilename: string | undefined;
  if (upload && hasBody) {
    // An upload body that is not multipart/form-data with a boundary: pveproxy dies inside its header callback and
    // never answers; the client sees the connection close.
    if (!multipart?.upload) {
      reply.hijack();
      request.raw.socket.destroy();
      return 'closed';
    }
    const { fields, file, error } = multipart.upload;
    if (error || !file) return bareError(501, 'upload failed');
    tmpfilename = sim.uploads.add(file);
    params = { ...formDecode(query), ...fields, filename: file.filename, tmpfilename };
  } else {
    const length = multipart ? Number(request.headers['content-length'] ?? 0) : body.length;
    if (length > MAX_BODY) return bareError(501, 'for data too large');
    const contentType = String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (hasBody && contentType && contentType !== 'application/x-www-form-urlencoded' && contentType !== 'application/json') {
      return bareError(506, `upload 'Content-Type '${request.headers['content-type']}' not implemented`);
    }
    try {
      params = method === 'POST' || method === 'PUT' ? parseBody(request) : {};
    } catch (err) {
      if (err instanceof ApiError) return sendError(reply, err);
      return bareError(501, `malformed JSON string: ${(err as Error).message}`);
    }
    Object.assign(params, formDecode(query));
  }
  try {
    await dispatch(reply, sim, router, rec, { method, relPath, segments, authid, params });
  } finally {
    if (tmpfilename) sim.uploads.remove(tmpfilename);
  }
}

interface Dispatch {
  method: string;
  relPath: string;
  segments: string[];
  authid: string | undefined;
  params: Record<string, unknown>;
}

/** rest_handler: the method lookup, repeated path parameters, permissions, parameter verification, the handler. */
async function dispatch(reply: FastifyReply, sim: Simulation, router: Router, rec: RequestRecord, call: Dispatch): Promise<void> {
  const { method, relPath, segments, authid, params } = call;
  const matched = router.match(method, segments);
  if (!matched) {
    sendError(reply, new ApiError(501, `Method '${method} ${relPath}' not implemented\n`));
    return;
  }
  const { route, uriParams } = matched;
  rec.route = route.key;
  try {
    if (authid?.includes('!') && !route.definition.allowtoken) throw new ApiError(401, 'API tokens are not allowed for this method\n');
    delete params._dc;
    // A body or query parameter may repeat a path parameter with the same value (clients such as go-proxmox send
    // `node` in the body of POST /nodes/{node}/storage/{storage}/content); a different value is refused
    // (pve-manager PVE/HTTPServer.pm, rest_handler).
    for (const k of Object.keys(params)) {
      if (uriParams[k] !== undefined && String(params[k]) !== String(uriParams[k])) {
        throw new ApiError(400, 'Parameter verification failed.\n', { [k]: 'duplicate parameter (already defined in URI) with conflicting values!' });
      }
    }
    Object.assign(params, uriParams);
    checkApiPermissions(sim.state, permissionsFor(route.key, route.definition.permissions, sim.state.version.version), authid, params);
    validateParameters(route.definition.parameters, params);
    if (NODE_SCOPED.test(relPath) && sim.state.nodes.get(segments[1])?.online === false) {
      throw new ApiError(595, `Connection refused\n`);
    }
    const attributes: Record<string, unknown> = {};
    const data = await route.handler({ sim, authid: authid as string, params, attributes });
    sendJson(reply, 200, { data: data === undefined ? null : data, ...attributes });
  } catch (err) {
    if (err instanceof ApiError) sendError(reply, err);
    else sendError(reply, new ApiError(500, `${(err as Error).message.replace(/\n+$/, '')}\n`));
  }
}

/** Returns the authenticated user/token, or throws with the 401 reason. */
function authenticate(request: FastifyRequest, sim: Simulation, method: string, isUpload: boolean): string {
  const cookie = request.headers.cookie;
  const authorization = request.headers.authorization;
  let ticket = extract(cookie, 'PVEAuthCookie');
  if (!ticket) ticket = extract(authorization, 'PVEAuthCookie');
  if (!ticket) {
    const token = extract(authorization, 'PVEAPIToken');
    if (token) {
      try {
        return sim.auth.verifyApiToken(token);
      } catch (err) {
        throw new AuthError((err as Error).message);
      }
    }
    throw new AuthError('No ticket');
  }
  const entry = sim.auth.verifyTicket(ticket);
  if (!entry) throw new AuthError('permission denied - invalid PVE ticket');
  if (method !== 'GET' && !isUpload) {
    const csrf = request.headers.csrfpreventiontoken;
    if (!sim.auth.verifyCsrf(entry.userid, Array.isArray(csrf) ? csrf[0] : csrf)) throw new AuthError('Permission denied - invalid csrf token');
  }
  return entry.userid;
}

/** NAME=value from a Cookie or Authorization header (several may be separated by ';'). */
function extract(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const p = part.trim();
    if (p.startsWith(`${name}=`)) {
      const value = p.slice(name.length + 1);
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return undefined;
}
