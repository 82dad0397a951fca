// What a monitoring API (Prometheus, Grafana, VictoriaLogs) call can fail with, as the client saw it. The activity layer decides
// what each means for a step (activities/monitoring/http-failure.ts).
export type MonitoringService = 'Prometheus' | 'Grafana' | 'VictoriaLogs';

export class MonitoringHttpError extends Error {
  override readonly name = 'MonitoringHttpError';
  constructor(
    readonly service: MonitoringService,
    readonly url: string,
    /** The HTTP status, absent when no answer came (refused, reset, timed out). */
    readonly status: number | undefined,
    /** The network error code or message when no answer came; the start of the body otherwise. */
    readonly said: string,
    /** The setting that gave the URL, where it is not the service's usual one. */
    readonly setting?: string,
  ) {
    super(status === undefined ? `cannot reach ${service} at ${url} (${said})` : `${service} at ${url} answered HTTP ${status}${said ? `: ${said}` : ''}`);
  }
}

/** An answer that is not what the service's API returns: the URL points at something else. */
export class MonitoringAnswerError extends Error {
  override readonly name = 'MonitoringAnswerError';
  constructor(readonly service: MonitoringService, readonly url: string, readonly why: string, readonly setting?: string) {
    super(`${service} at ${url} did not answer as its HTTP API does (${why})`);
  }
}
