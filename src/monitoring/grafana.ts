// The two Grafana HTTP API calls step 7 makes: a dashboard search and a dashboard by its uid.
import { MonitoringAnswerError } from './errors';
import { MonitoringHttp, type MonitoringHttpOptions } from './http';

export interface DashboardHit {
  uid: string;
  title: string;
  url?: string;
  folderTitle?: string;
}

export class GrafanaClient {
  private readonly http: MonitoringHttp;

  constructor(options: MonitoringHttpOptions) {
    this.http = new MonitoringHttp('Grafana', options);
  }

  get baseUrl(): string {
    return this.http.base;
  }

  async searchDashboards(query: string): Promise<DashboardHit[]> {
    const hits = await this.http.get<DashboardHit[]>('/api/search', { query, type: 'dash-db' });
    if (!Array.isArray(hits)) throw new MonitoringAnswerError('Grafana', `${this.http.base}/api/search`, 'not a list of dashboards');
    return hits;
  }

  async dashboardPanels(uid: string): Promise<Array<{ title?: string }>> {
    const full = await this.http.get<{ dashboard?: { panels?: { title?: string }[] } }>(`/api/dashboards/uid/${encodeURIComponent(uid)}`);
    return full.dashboard?.panels ?? [];
  }
}
