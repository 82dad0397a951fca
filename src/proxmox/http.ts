// The transport: one axios instance per client, the envelope unwrapped, every failure typed, reads retried, tickets
// renewed. Typed API methods live in client.ts on top of this.
import axios, { AxiosInstance } from 'axios';
import type { Agent } from 'node:https';
import { authHeaders, DEFAULT_TICKET_RENEW_AFTER_MS, ProxmoxCredentials, Ticket, TicketSession } from './auth';
import { errorFromResponse, errorFromTransport } from './error-mapping';
import { ProxmoxAuthError, ProxmoxError, ProxmoxNotImplementedError, RequestContext } from './errors';
import { DEFAULT_READ_RETRY, RetryPolicy, withRetry } from './retry';
import { createHttpsAgent, TlsMode, tlsModeFromSettings, TlsSettings } from './tls';
import { normaliseBaseUrl } from './url';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type Params = Record<string, string | number | boolean | undefined>;

export interface ProxmoxHttpOptions {
  /** https://host:8006, with or without a trailing slash or /api2/json. */
  url: string;
  credentials: ProxmoxCredentials;
  tls?: TlsSettings;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  readRetry?: Partial<RetryPolicy>;
  ticketRenewAfterMs?: number;
  /** Milliseconds; replaceable so that tests can age a ticket without waiting two hours. */
  clock?: () => number;
  /** Aborts every request in flight, e.g. the activity's cancellation signal. */
  signal?: AbortSignal;
  maxSockets?: number;
  /** Sent as User-Agent, so that a server's access log tells this client's calls apart; default cozy-proxmox. */
  userAgent?: string;
}

export const DEFAULT_USER_AGENT = 'cozy-proxmox';

/** Encodes each interpolated value as one path segment: UPIDs and volume IDs contain ':' and '/'. */
export function apiPath(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  return strings.reduce((acc, s, i) => acc + s + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}

function formBody(params: Params | undefined): string {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === undefined) continue;
    body.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return body.toString();
}

function queryParams(params: Params | undefined): Record<string, string> | undefined {
  if (!params) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined) out[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  }
  return out;
}

function parseBody(text: unknown): unknown {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class ProxmoxHttp {
  readonly origin: string;
  readonly apiBase: string;
  readonly urlHadApiSuffix: boolean;
  readonly tlsMode: TlsMode;
  readonly credentials: ProxmoxCredentials;
  /** Things the caller should repeat in its outcome (insecure TLS, a URL that needed fixing). */
  readonly warnings: string[] = [];
  private readonly agent: Agent;
  private readonly axios: AxiosInstance;
  private readonly session?: TicketSession;
  private readonly readRetry: RetryPolicy;
  /** Aborts requests and waits (the activity's cancellation). */
  readonly signal?: AbortSignal;
  private requests = 0;

  constructor(options: ProxmoxHttpOptions) {
    const url = normaliseBaseUrl(options.url);
    this.origin = url.origin;
    this.apiBase = url.apiBase;
    this.urlHadApiSuffix = url.urlHadApiSuffix;
    this.credentials = options.credentials;
    this.tlsMode = tlsModeFromSettings(options.tls);
    this.signal = options.signal;
    this.readRetry = { ...DEFAULT_READ_RETRY, ...options.readRetry };
    if (this.tlsMode.kind === 'insecure') {
      this.warnings.push(
        `TLS verification is off for ${this.origin} (proxmox.tls.verify: false): the server's identity is not checked; ` +
          'set proxmox.tls.caFile or proxmox.tls.fingerprint',
      );
    }
    if (url.urlHadApiSuffix) {
      this.warnings.push(`proxmox.url ends in /api2/json; the base URL is ${this.origin}`);
    }
    this.agent = createHttpsAgent(this.tlsMode, { maxSockets: options.maxSockets });
    this.axios = axios.create({
      baseURL: this.apiBase,
      httpsAgent: this.agent,
      timeout: options.timeoutMs ?? 30_000,
      validateStatus: () => true,
      // The body is parsed here (parseBody), once: axios' own JSON and decompression handling cost more CPU per
      // request than the API's small answers justify.
      responseType: 'text',
      transformResponse: [],
      decompress: false,
      headers: { Accept: 'application/json', 'Accept-Encoding': 'identity', 'User-Agent': options.userAgent ?? DEFAULT_USER_AGENT },
      // Redirects from the API are never expected; following one could send credentials elsewhere.
      maxRedirects: 0,
      proxy: false,
    });
    if (options.credentials.kind === 'ticket') {
      const { username, password } = options.credentials;
      this.session = new TicketSession(
        () => this.createTicket(username, password),
        options.clock ?? Date.now,
        options.ticketRenewAfterMs ?? DEFAULT_TICKET_RENEW_AFTER_MS,
      );
    }
  }

  get tlsInsecure(): boolean {
    return this.tlsMode.kind === 'insecure';
  }

  /** Logins performed so far (ticket auth only). */
  get loginCount(): number {
    return this.session?.logins ?? 0;
  }

  get currentTicket(): Ticket | undefined {
    return this.session?.ticket;
  }

  get requestCount(): number {
    return this.requests;
  }

  /** Logs in now (ticket auth) so that a wrong password shows up at once, not at the first real call. */
  async login(): Promise<Ticket | undefined> {
    return this.session ? this.session.renew(this.session.ticket) : undefined;
  }

  get<T>(path: string, params?: Params): Promise<T> {
    return withRetry(
      this.readRetry,
      (err) => err instanceof ProxmoxError && err.retryable,
      () => this.request<T>('GET', path, params),
      this.signal,
    );
  }

  post<T>(path: string, params?: Params): Promise<T> {
    return this.request<T>('POST', path, params);
  }

  put<T>(path: string, params?: Params): Promise<T> {
    return this.request<T>('PUT', path, params);
  }

  delete<T>(path: string, params?: Params): Promise<T> {
    return this.request<T>('DELETE', path, params);
  }

  /** One request; with a ticket, a 401 triggers one fresh login and one repeat (the server did not run the call). */
  async request<T>(method: HttpMethod, path: string, params?: Params): Promise<T> {
    const ticket = this.session ? await this.session.valid() : undefined;
    try {
      return await this.send<T>(method, path, params, ticket);
    } catch (err) {
      if (!(err instanceof ProxmoxAuthError) || !this.session || !ticket) throw err;
      const fresh = await this.session.renew(ticket);
      return this.send<T>(method, path, params, fresh);
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private async send<T>(method: HttpMethod, path: string, params: Params | undefined, ticket?: Ticket): Promise<T> {
    const ctx: RequestContext = { method, path };
    const hasBody = method === 'POST' || method === 'PUT';
    const headers: Record<string, string> = authHeaders(this.credentials, ticket, method);
    if (hasBody) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    this.requests++;
    let response;
    try {
      response = await this.axios.request({
        method,
        url: path,
        params: hasBody ? undefined : queryParams(params),
        data: hasBody ? formBody(params) : undefined,
        headers,
        signal: this.signal,
      });
    } catch (err) {
      throw errorFromTransport(ctx, err);
    }
    const body = parseBody(response.data);
    if (response.status < 200 || response.status >= 300) {
      throw errorFromResponse(ctx, response.status, response.statusText, body);
    }
    if (typeof body !== 'object' || body === null || !('data' in body)) {
      throw new ProxmoxNotImplementedError(
        `${method} ${path}: the answer is not the API's JSON envelope; is ${this.origin} a Proxmox VE API?`,
        ctx,
        response.status,
      );
    }
    return (body as { data: T }).data;
  }

  private async createTicket(username: string, password: string): Promise<Omit<Ticket, 'issuedAt'>> {
    const data = await this.send<{ ticket?: string; CSRFPreventionToken?: string; username: string }>(
      'POST',
      '/access/ticket',
      { username, password },
    );
    if (!data?.ticket || !data.CSRFPreventionToken) {
      // A second factor is configured for this user: the API answers with a challenge instead of a ticket.
      throw new ProxmoxAuthError(
        `POST /access/ticket: ${username} needs a second factor; use an API token for automation`,
        { method: 'POST', path: '/access/ticket' },
        401,
      );
    }
    return { ticket: data.ticket, csrfToken: data.CSRFPreventionToken, username: data.username };
  }
}
