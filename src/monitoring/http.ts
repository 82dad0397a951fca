// One GET against a monitoring API, its failures raised as the client's own errors.
import axios, { isAxiosError, type AxiosInstance } from 'axios';
import { MonitoringHttpError, type MonitoringService } from './errors';

export interface MonitoringHttpOptions {
  baseUrl: string;
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** Ends a call in flight (the activity's cancellation). */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The setting that gave the URL, for errors ("monitoring.scraper"); default: the service's own. */
  setting?: string;
  /** Sent with every call (VictoriaLogs' AccountID/ProjectID tenant headers). */
  headers?: Record<string, string>;
}

export class MonitoringHttp {
  readonly base: string;
  private readonly http: AxiosInstance;
  private readonly setting?: string;

  constructor(readonly service: MonitoringService, options: MonitoringHttpOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.setting = options.setting;
    this.http = axios.create({
      baseURL: this.base,
      timeout: options.timeoutMs ?? 10_000,
      signal: options.signal,
      headers: { ...options.headers, ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}) },
    });
  }

  async get<T>(path: string, params?: Record<string, string>): Promise<T> {
    return this.call(() => this.http.get<T>(path, { params }), path);
  }

  /** The answer as text, unparsed (an API that answers one JSON object per line). */
  async getText(path: string, params?: Record<string, string>): Promise<string> {
    return this.call(() => this.http.get<string>(path, { params, responseType: 'text', transformResponse: (d: unknown) => d }), path);
  }

  private async call<T>(request: () => Promise<{ data: T }>, path: string): Promise<T> {
    try {
      return (await request()).data;
    } catch (err) {
      if (!isAxiosError(err)) throw err;
      const status = err.response?.status;
      const body = typeof err.response?.data === 'string' ? err.response.data : JSON.stringify(err.response?.data ?? '');
      throw new MonitoringHttpError(this.service, `${this.base}${path}`, status, status === undefined ? (err.code ?? err.message) : body.slice(0, 200), this.setting);
    }
  }
}
