// Maps a failed Kubernetes API call to the project's failure classification (activities/common/failures.ts): what
// another attempt cannot fix (no permission, bad credentials, a CRD that is not installed, an invalid object) is
// non-retryable with a message that says what to do; conflicts, throttling, server errors and network errors stay
// retryable so Temporal backs off and tries again.
import type { ApplicationFailure } from '@temporalio/common';
import { fail, FailureType } from '../activities/common/failures';

export interface KubernetesCallContext {
  /** What was being done, e.g. "list CoreProviders in capi-operator-system". */
  action: string;
  /** The CRD the resource type comes from (plural.group), named when its type turns out to be missing. */
  crd?: string;
}

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  details?: { name?: string; kind?: string; group?: string };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE', 'UND_ERR_SOCKET']);

/** The HTTP status of an error from the client (ApiException.code, a watch error's statusCode), if it has one. */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | null;
  if (e && typeof e.code === 'number') return e.code;
  if (e && typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The apiserver's Status object from an error body (a JSON string or an already parsed object). */
export function statusBodyOf(err: unknown): StatusBody | undefined {
  const body = (err as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body.slice(0, 300) };
    }
  }
  if (body && typeof body === 'object') return body as StatusBody;
  return undefined;
}

function networkCodeOf(err: unknown): string | undefined {
  let current: unknown = err;
  // fetch wraps the socket error: look through the causes.
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The apiserver answers a request for a resource type it does not serve with a bare NotFound that names nothing. */
export function isMissingResourceType(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  if (/Unrecognized API version and kind/.test(message)) return true;
  if (httpStatusOf(err) !== 404) return false;
  const status = statusBodyOf(err);
  return !status?.details?.name && /could not find the requested resource|404 page not found/i.test(status?.message ?? String((err as { body?: unknown }).body ?? ''));
}

export function isNotFound(err: unknown): boolean {
  return httpStatusOf(err) === 404 || isMissingResourceType(err);
}

function reasonOf(err: unknown): string {
  const status = statusBodyOf(err);
  if (status?.message) return status.message;
  return err instanceof Error ? err.message : String(err);
}

export function kubernetesErrorToFailure(err: unknown, ctx: KubernetesCallContext): ApplicationFailure {
  const code = httpStatusOf(err);
  const reason = reasonOf(err);
  if (isMissingResourceType(err)) {
    const crd = ctx.crd ? `the CRD ${ctx.crd} is not installed` : 'the resource type is not served by this cluster';
    return fail(FailureType.NotFound, `cannot ${ctx.action}: ${crd} (install the component that provides it)`);
  }
  switch (code) {
    case 401:
      return fail(FailureType.Auth, `cannot ${ctx.action}: the cluster rejected the credentials (HTTP 401: ${reason}); check the kubeconfig's user and that its certificate or token has not expired`);
    case 403:
      return fail(FailureType.Permission, `cannot ${ctx.action}: forbidden (HTTP 403: ${reason}); grant the kubeconfig's user this permission through RBAC`);
    case 404:
      return fail(FailureType.NotFound, `cannot ${ctx.action}: not found (${reason})`);
    case 400:
    case 422:
      return fail(FailureType.Validation, `cannot ${ctx.action}: the cluster refused the object (HTTP ${code}: ${reason})`);
  }
  if (code === 409 || code === 429 || (code !== undefined && code >= 500)) {
    return fail(FailureType.Transient, `cannot ${ctx.action} yet (HTTP ${code}: ${reason}); retrying`);
  }
  const network = networkCodeOf(err);
  if (network) return fail(FailureType.Transient, `cannot ${ctx.action}: the API server is unreachable (${network}); retrying`);
  return fail(FailureType.Transient, `cannot ${ctx.action}: ${code !== undefined ? `HTTP ${code}: ` : ''}${reason}`);
}
