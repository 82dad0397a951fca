// The two Prometheus HTTP API calls step 7 makes: the active targets and instant queries. Works with any server
// that implements the Prometheus HTTP API (Prometheus itself, VictoriaMetrics' vmselect/vmsingle for queries).
import axios, { type AxiosInstance } from 'axios';
import { checkFailed } from '../common/failures';
import { monitoringHttpFailure } from './http-failure';

export interface ActiveTarget {
  scrapePool: string;
  scrapeUrl: string;
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape: string;
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

interface ApiEnvelope<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

export class PrometheusApi {
  private readonly http: AxiosInstance;

  constructor(readonly baseUrl: string, signal?: AbortSignal) {
    this.http = axios.create({ baseURL: baseUrl.replace(/\/+$/, ''), timeout: 10_000, signal });
  }

  private async get<T>(path: string, params?: Record<string, string>): Promise<T> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    let body: ApiEnvelope<T>;
    try {
      body = (await this.http.get<ApiEnvelope<T>>(path, { params })).data;
    } catch (err) {
      throw monitoringHttpFailure(err, { service: 'Prometheus', setting: 'monitoring.prometheus', url });
    }
    if (typeof body !== 'object' || body === null || body.status !== 'success' || body.data === undefined) {
      const why = typeof body === 'object' && body?.error ? `${body.errorType ?? 'error'}: ${body.error}` : 'not a Prometheus API answer';
      throw checkFailed(`Prometheus at ${url} did not answer as the Prometheus HTTP API does (${why}): monitoring.prometheus must be the Prometheus base URL`);
    }
    return body.data;
  }

  async activeTargets(): Promise<ActiveTarget[]> {
    const data = await this.get<{ activeTargets: ActiveTarget[] }>('/api/v1/targets', { state: 'active' });
    return data.activeTargets ?? [];
  }

  async query(promql: string): Promise<Sample[]> {
    const data = await this.get<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>('/api/v1/query', { query: promql });
    if (data.resultType !== 'vector') return [];
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }
}

/** A target that scrapes a pve exporter: its scrape path is /pve (what the exporter serves), or its job says pve. */
export function isPveExporterTarget(t: ActiveTarget): boolean {
  let path = '';
  try {
    path = new URL(t.scrapeUrl).pathname;
  } catch {
    /* a target without a parsable URL is judged by its job */
  }
  return path === '/pve' || /(^|[-_])(pve|proxmox)([-_]|$)/i.test(t.labels.job ?? t.scrapePool ?? '');
}
