// What a failed Kubernetes API call says: its HTTP status, the apiserver's Status body, a network error code, whether
// the resource type is not served. The activity layer classifies failures from these (activities/kubernetes/to-failure).

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

export function networkCodeOf(err: unknown): string | undefined {
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

export function reasonOf(err: unknown): string {
  const status = statusBodyOf(err);
  if (status?.message) return status.message;
  return err instanceof Error ? err.message : String(err);
}

/** The kubeconfig cannot be used (missing file, unknown context, no cluster): an input error. */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}
