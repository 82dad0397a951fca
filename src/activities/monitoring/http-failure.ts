// Maps an HTTP failure of a monitoring API (Prometheus, Grafana) to the failure classification: unreachable and 5xx
// are transient (Temporal retries), credentials and privileges are not, and a wrong URL says which setting to fix.
import { isAxiosError } from 'axios';
import type { ApplicationFailure } from '@temporalio/common';
import { fail, FailureType } from '../common/failures';

export interface HttpCallContext {
  /** "Prometheus", "Grafana". */
  service: string;
  /** The config key holding the URL, named in the fix. */
  setting: string;
  url: string;
}

export function monitoringHttpFailure(err: unknown, ctx: HttpCallContext): ApplicationFailure {
  if (!isAxiosError(err)) return fail(FailureType.Transient, `${ctx.service} request to ${ctx.url} failed: ${(err as Error).message}`);
  const status = err.response?.status;
  if (status === undefined) {
    const reason = err.code ?? err.message;
    return fail(FailureType.Transient, `cannot reach ${ctx.service} at ${ctx.url} (${reason}): check that it runs and that ${ctx.setting} is its address`);
  }
  const body = typeof err.response?.data === 'string' ? err.response.data : JSON.stringify(err.response?.data ?? '');
  const said = body ? `: ${body.slice(0, 200)}` : '';
  if (status === 401) return fail(FailureType.Auth, `${ctx.service} at ${ctx.url} rejected the credentials (HTTP 401)${said}`);
  if (status === 403) return fail(FailureType.Permission, `${ctx.service} at ${ctx.url} refused the request (HTTP 403)${said}: the credentials lack the permission`);
  if (status === 404) {
    return fail(FailureType.NotFound, `${ctx.service} has no such API at ${ctx.url} (HTTP 404): ${ctx.setting} must be the base URL of ${ctx.service}`);
  }
  if (status >= 500) return fail(FailureType.Transient, `${ctx.service} at ${ctx.url} answered HTTP ${status}${said}`);
  return fail(FailureType.Validation, `${ctx.service} at ${ctx.url} refused the request (HTTP ${status})${said}`);
}
