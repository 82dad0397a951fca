// What a monitoring API failure means for a step: unreachable and 5xx are transient (Temporal retries), credentials
// and privileges are not, and a wrong URL says which setting to fix.
import type { ApplicationFailure } from '@temporalio/common';
import { MonitoringAnswerError, MonitoringHttpError, type MonitoringService } from '../../monitoring/errors';
import { checkFailed, fail, FailureType } from '../common/failures';

const SETTING: Record<MonitoringService, string> = { Prometheus: 'monitoring.prometheus', Grafana: 'monitoring.grafana', VictoriaLogs: 'monitoring.logs' };

export function monitoringErrorToFailure(err: MonitoringHttpError | MonitoringAnswerError): ApplicationFailure {
  const setting = err.setting ?? SETTING[err.service];
  if (err instanceof MonitoringAnswerError) return checkFailed(`${err.message}: ${setting} must be the ${err.service} base URL`);
  const { service, url, status } = err;
  const said = status !== undefined && err.said ? `: ${err.said}` : '';
  if (status === undefined) return fail(FailureType.Transient, `cannot reach ${service} at ${url} (${err.said}): check that it runs and that ${setting} is its address`);
  if (status === 401) return fail(FailureType.Auth, `${service} at ${url} rejected the credentials (HTTP 401)${said}`);
  if (status === 403) return fail(FailureType.Permission, `${service} at ${url} refused the request (HTTP 403)${said}: the credentials lack the permission`);
  // VictoriaMetrics' and VictoriaLogs' programs answer a path they do not serve with 400 "unsupported path requested".
  if (status === 404 || (status === 400 && /unsupported path/i.test(err.said))) return fail(FailureType.NotFound, `${service} has no such API at ${url} (HTTP ${status}): ${setting} must be the base URL of ${service}`);
  if (status >= 500) return fail(FailureType.Transient, `${service} at ${url} answered HTTP ${status}${said}`);
  return fail(FailureType.Validation, `${service} at ${url} refused the request (HTTP ${status})${said}`);
}
