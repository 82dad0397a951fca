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
}

export class MonitoringHttp {
  readonly base: string;
  private readonly http: AxiosInstance;

  constructor(readonly service: MonitoringService, options: MonitoringHttpOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.http = axios.create({
      baseURL: this.base,
      timeout: options.timeoutMs ?? 10_000,
      signal: options.signal,
      headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
    });
  }

  async get<T>(path: string, params?: Record<string, string>): Promise<T> {
    try {
      return (await this.http.get<T>(path, { params })).data;
    } catch (err) {
      if (!isAxiosError(err)) throw err;
      const status = err.response?.status;
      const body = typeof err.response?.data === 'string' ? err.response.data : JSON.stringify(err.response?.data ?? '');
      throw new MonitoringHttpError(this.service, `${this.base}${path}`, status, status === undefined ? (err.code ?? err.message) : body.slice(0, 200));
    }
  }
}
