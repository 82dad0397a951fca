// Test helpers: a raw HTTPS client that trusts the simulator's CA and shows everything a client sees (status, reason
// phrase, content type, body), plus ticket login and task waiting.
import { Agent, fetch } from 'undici';
import type { RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { DEFAULT_ROOT_PASSWORD, DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, startProxmoxSimulator } from '../../packages/sandbox/src/proxmox-sim';

export interface RawResponse {
  status: number;
  reason: string;
  contentType: string | null;
  text: string;
  json: { data: unknown; message?: string; errors?: Record<string, string>; total?: number; changes?: string } | undefined;
}

export interface Credentials {
  cookie?: string;
  csrf?: string;
  token?: string;
}

export const TOKEN_AUTH: Credentials = { token: `${DEFAULT_TOKEN_ID}=${DEFAULT_TOKEN_SECRET}` };

export class SimClient {
  readonly agent: Agent;
  constructor(readonly sim: RunningSimulator) {
    this.agent = new Agent({ connect: { ca: sim.caPem }, keepAliveTimeout: 10_000 });
  }

  async request(method: string, path: string, opts: { auth?: Credentials; form?: Record<string, string | number>; json?: unknown; body?: string | Buffer; contentType?: string } = {}): Promise<RawResponse> {
    const headers: Record<string, string> = {};
    const auth = opts.auth;
    if (auth?.cookie) headers.cookie = `PVEAuthCookie=${auth.cookie}`;
    if (auth?.csrf) headers.CSRFPreventionToken = auth.csrf;
    if (auth?.token) headers.authorization = `PVEAPIToken=${auth.token}`;
    let body: string | Buffer | undefined = opts.body;
    if (opts.form) {
      body = new URLSearchParams(Object.entries(opts.form).map(([k, v]): [string, string] => [k, String(v)])).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    }
    if (opts.contentType) headers['content-type'] = opts.contentType;
    const res = await fetch(`${this.sim.url}/api2/json${path}`, { method, headers, body, dispatcher: this.agent });
    const text = await res.text();
    let json: RawResponse['json'];
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, reason: res.statusText, contentType: res.headers.get('content-type'), text, json };
  }

  async login(username = 'root@pam', password = DEFAULT_ROOT_PASSWORD): Promise<Credentials> {
    const res = await this.request('POST', '/access/ticket', { form: { username, password } });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.reason}`);
    const data = res.json!.data as { ticket: string; CSRFPreventionToken: string };
    return { cookie: data.ticket, csrf: data.CSRFPreventionToken };
  }

  /** GET data or throw with the status line. */
  async get<T>(path: string, auth: Credentials = TOKEN_AUTH): Promise<T> {
    const res = await this.request('GET', path, { auth });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.reason}`);
    return res.json!.data as T;
  }

  async waitTask(node: string, upid: string, auth: Credentials = TOKEN_AUTH, timeoutMs = 30_000): Promise<{ status: string; exitstatus?: string }> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.get<{ status: string; exitstatus?: string }>(`/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`, auth);
      if (s.status === 'stopped') return s;
      if (Date.now() > until) throw new Error(`task ${upid} still running after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async taskLog(node: string, upid: string, auth: Credentials = TOKEN_AUTH): Promise<string[]> {
    const lines = await this.get<Array<{ n: number; t: string }>>(`/nodes/${node}/tasks/${encodeURIComponent(upid)}/log?limit=1000`, auth);
    return lines.map((l) => l.t);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export interface SuiteSimulator {
  sim: RunningSimulator;
  client: SimClient;
  /** root@pam's ticket, for what the integration's token may not do. */
  root: Credentials;
}

/** A simulator for the whole suite: started with a client and root's ticket before its tests, stopped after them. */
export function suiteSimulator(taskSpeed: number, ready: (fixture: SuiteSimulator) => void): void {
  let fixture: SuiteSimulator | undefined;
  beforeAll(async () => {
    const sim = await startProxmoxSimulator({ taskSpeed });
    const client = new SimClient(sim);
    fixture = { sim, client, root: await client.login() };
    ready(fixture);
  });
  afterAll(async () => {
    await fixture?.client.close();
    await fixture?.sim.stop();
  });
}
