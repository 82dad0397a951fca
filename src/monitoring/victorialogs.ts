// The VictoriaLogs HTTP API call step7.logs makes: a LogsQL query (/select/logsql/query), answered with one JSON
// object per line. Single-node VictoriaLogs and a cluster's vlselect answer alike; a cluster keeps each tenant's logs
// apart by the AccountID/ProjectID headers, 0/0 being where CozyStack's fluent-bit writes.
import { MonitoringAnswerError } from './errors';
import { MonitoringHttp, type MonitoringHttpOptions } from './http';

export type LogRecord = Record<string, string>;

export interface VictoriaLogsOptions extends MonitoringHttpOptions {
  accountId?: number;
  projectId?: number;
}

export class VictoriaLogsClient {
  private readonly http: MonitoringHttp;

  constructor(options: VictoriaLogsOptions) {
    const tenant = { AccountID: String(options.accountId ?? 0), ProjectID: String(options.projectId ?? 0) };
    this.http = new MonitoringHttp('VictoriaLogs', { ...options, headers: { ...options.headers, ...tenant } });
  }

  get baseUrl(): string {
    return this.http.base;
  }

  /** The records (or, with a `stats` pipe, the result rows) a LogsQL query returns. */
  async query(logsql: string): Promise<LogRecord[]> {
    const path = '/select/logsql/query';
    const text = await this.http.getText(path, { query: logsql });
    const records: LogRecord[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        throw new MonitoringAnswerError('VictoriaLogs', `${this.http.base}${path}`, `not a line of JSON: ${line.slice(0, 80)}`);
      }
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        throw new MonitoringAnswerError('VictoriaLogs', `${this.http.base}${path}`, `not a log record: ${line.slice(0, 80)}`);
      }
      records.push(record as LogRecord);
    }
    return records;
  }
}
