// Typed errors of the Proxmox VE API. Each says whether another attempt can help (`retryable`), so that the in-client
// retry and the activity-level classification (activities/proxmox/to-failure.ts) take the same decision.

export interface RequestContext {
  method: string;
  /** API path without the /api2/json prefix, e.g. /nodes/pve1/qemu. */
  path: string;
}

export abstract class ProxmoxError extends Error {
  abstract readonly retryable: boolean;
  readonly method: string;
  readonly path: string;
  readonly status?: number;

  constructor(message: string, ctx: RequestContext, status?: number) {
    super(message);
    this.method = ctx.method;
    this.path = ctx.path;
    this.status = status;
    this.name = new.target.name;
  }
}

/** 400 "Parameter verification failed.": the request is wrong, per parameter. */
export class ProxmoxValidationError extends ProxmoxError {
  readonly retryable = false;
  constructor(
    message: string,
    ctx: RequestContext,
    readonly parameterErrors: Record<string, string>,
    status = 400,
  ) {
    super(message, ctx, status);
  }
}

/** 401: no ticket, an expired or invalid ticket, a wrong password or token secret. */
export class ProxmoxAuthError extends ProxmoxError {
  readonly retryable = false;
}

/** 403 "Permission check failed (/path, Priv)". */
export class ProxmoxPermissionError extends ProxmoxError {
  readonly retryable = false;
  constructor(
    message: string,
    ctx: RequestContext,
    /** The ACL path the server checked, e.g. /vms/100. */
    readonly aclPath?: string,
    /** The privilege(s) it wanted, e.g. ["VM.Clone"]; several when the server accepts any of them. */
    readonly privileges: string[] = [],
  ) {
    super(message, ctx, 403);
  }
}

/** 500 "... does not exist" (and 404 from a proxy in front of the API). */
export class ProxmoxNotFoundError extends ProxmoxError {
  readonly retryable = false;
}

/** 500 "... already exists". */
export class ProxmoxAlreadyExistsError extends ProxmoxError {
  readonly retryable = false;
}

/** 501 "Method 'GET /x' not implemented": the server does not know this call (usually an older version). */
export class ProxmoxNotImplementedError extends ProxmoxError {
  readonly retryable = false;
}

/** Any other 5xx (and 429): the server had a problem that may pass. */
export class ProxmoxServerError extends ProxmoxError {
  readonly retryable = true;
}

/** The request never got an HTTP answer: refused, reset, timed out, or TLS rejected the peer. */
export class ProxmoxNetworkError extends ProxmoxError {
  readonly retryable: boolean;
  constructor(
    message: string,
    ctx: RequestContext,
    /** Node's error code, e.g. ECONNREFUSED, ETIMEDOUT, DEPTH_ZERO_SELF_SIGNED_CERT. */
    readonly code: string | undefined,
    /** The peer's certificate was not accepted: no retry can change that, the configuration must. */
    readonly tls: boolean,
    /** Refusals, resets and timeouts may pass; a TLS rejection or a cancellation does not. */
    retryable = !tls,
  ) {
    super(message, ctx);
    this.retryable = retryable;
  }
}

/** A UPID task ended with an error; carries the last lines of its log. */
export class ProxmoxTaskError extends ProxmoxError {
  readonly retryable: boolean;
  constructor(
    message: string,
    ctx: RequestContext,
    readonly upid: string,
    readonly exitStatus: string,
    readonly logTail: string[],
  ) {
    super(message, ctx);
    // A lock held by another task or a timeout inside the task passes by itself; anything else needs a fix.
    this.retryable = /\block(ed)?\b|got timeout|timeout waiting|temporarily/i.test(exitStatus);
  }
}

/** Waiting for a UPID task took longer than allowed; the task may still finish. */
export class ProxmoxTaskTimeoutError extends ProxmoxError {
  readonly retryable = true;
  constructor(
    message: string,
    ctx: RequestContext,
    readonly upid: string,
    readonly lastStatus: string,
  ) {
    super(message, ctx);
  }
}

export function isProxmoxError(err: unknown): err is ProxmoxError {
  return err instanceof ProxmoxError;
}
