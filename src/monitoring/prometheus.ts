// The two Prometheus HTTP API calls step 7 makes: the active targets and instant queries. Works with any server
// that implements the Prometheus HTTP API (Prometheus itself, single-node VictoriaMetrics; a VictoriaMetrics cluster's
// vmselect for queries and its vmagent for the targets).
import { MonitoringAnswerError } from './errors';
import { MonitoringHttp, type MonitoringHttpOptions } from './http';

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

export class PrometheusClient {
  private readonly http: MonitoringHttp;
  private readonly setting?: string;

  constructor(options: MonitoringHttpOptions) {
    this.http = new MonitoringHttp('Prometheus', options);
    this.setting = options.setting;
  }

  get baseUrl(): string {
    return this.http.base;
  }

  private async get<T>(path: string, params?: Record<string, string>): Promise<T> {
    const body = await this.http.get<ApiEnvelope<T>>(path, params);
    if (typeof body !== 'object' || body === null || body.status !== 'success' || body.data === undefined) {
      const why = typeof body === 'object' && body?.error ? `${body.errorType ?? 'error'}: ${body.error}` : 'not a Prometheus API answer';
      throw new MonitoringAnswerError('Prometheus', `${this.http.base}${path}`, why, this.setting);
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
