// Turns an HTTP answer or a transport failure into one of the typed errors, following the server's conventions:
// the reason is in the envelope's `message` (or the status line when the body is empty, as for 401), per-parameter
// errors in `errors`, and ordinary failures are 500s told apart only by their text.
import { AxiosError } from 'axios';
import {
  ProxmoxAlreadyExistsError,
  ProxmoxAuthError,
  ProxmoxError,
  ProxmoxNetworkError,
  ProxmoxNotFoundError,
  ProxmoxNotImplementedError,
  ProxmoxPermissionError,
  ProxmoxServerError,
  ProxmoxValidationError,
  RequestContext,
} from './errors';

export const FINGERPRINT_MISMATCH = 'ERR_PROXMOX_FINGERPRINT_MISMATCH';

// Certificate and handshake failures: the configuration has to change, so they are not retried.
const TLS_CODES = new Set([
  FINGERPRINT_MISMATCH,
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'EPROTO',
]);

interface Envelope {
  data?: unknown;
  message?: string;
  errors?: Record<string, string>;
}

function reasonOf(statusText: string | undefined, body: unknown): string {
  const envelope = (typeof body === 'object' && body !== null ? body : {}) as Envelope;
  const text = (envelope.message || statusText || '').trim();
  return text.length > 0 ? text : 'no reason given';
}

/** "Permission check failed (/vms/100, VM.Clone)" → path and privileges ("A|B" when any of several would do). */
export function parsePermissionMessage(message: string): { aclPath?: string; privileges: string[] } {
  const m = /Permission check failed \(([^,)]+),\s*([^)]+)\)/.exec(message);
  if (!m) return { privileges: [] };
  const privileges = m[2]
    .split(/[|,\s]+/)
    .map((p) => p.trim())
    .filter((p) => /^[A-Z][A-Za-z]*\.[A-Za-z.]+$/.test(p));
  return { aclPath: m[1].trim(), privileges };
}

export function errorFromResponse(ctx: RequestContext, status: number, statusText: string, body: unknown): ProxmoxError {
  const reason = reasonOf(statusText, body);
  const where = `${ctx.method} ${ctx.path}`;
  if (status === 400) {
    const errors = ((body as Envelope | undefined)?.errors ?? {}) as Record<string, string>;
    const perParam = Object.entries(errors).map(([k, v]) => `${k}: ${String(v).trim()}`);
    const suffix = perParam.length > 0 ? ` (${perParam.join('; ')})` : '';
    return new ProxmoxValidationError(`${where}: ${reason}${suffix}`, ctx, errors);
  }
  if (status === 401) return new ProxmoxAuthError(`${where}: authentication failed (${reason})`, ctx, 401);
  if (status === 403) {
    const { aclPath, privileges } = parsePermissionMessage(reason);
    return new ProxmoxPermissionError(`${where}: ${reason}`, ctx, aclPath, privileges);
  }
  if (status === 404) return new ProxmoxNotFoundError(`${where}: ${reason}`, ctx, 404);
  if (status === 501) return new ProxmoxNotImplementedError(`${where}: ${reason}`, ctx, 501);
  if (status === 429 || status >= 500) {
    if (/does not exist|no such /i.test(reason)) return new ProxmoxNotFoundError(`${where}: ${reason}`, ctx, status);
    if (/already exists/i.test(reason)) return new ProxmoxAlreadyExistsError(`${where}: ${reason}`, ctx, status);
    return new ProxmoxServerError(`${where}: HTTP ${status} ${reason}`, ctx, status);
  }
  // Any other 4xx is a request this client should not have made: retrying it cannot help.
  return new ProxmoxValidationError(`${where}: HTTP ${status} ${reason}`, ctx, {}, status);
}

export function errorFromTransport(ctx: RequestContext, err: unknown): ProxmoxError {
  if (err instanceof ProxmoxError) return err;
  const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
  const message = err instanceof Error ? err.message : String(err);
  const where = `${ctx.method} ${ctx.path}`;
  const tls = code !== undefined && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_'));
  if (tls) {
    const hint =
      code === FINGERPRINT_MISMATCH
        ? 'check proxmox.tls.fingerprint against the certificate the server presents now'
        : 'set proxmox.tls.caFile to the CA that signed the server certificate, or pin proxmox.tls.fingerprint';
    return new ProxmoxNetworkError(`${where}: TLS rejected the server (${code}: ${message}); ${hint}`, ctx, code, true);
  }
  if (err instanceof AxiosError && code === 'ERR_CANCELED') {
    return new ProxmoxNetworkError(`${where}: cancelled`, ctx, code, false, false);
  }
  const what = code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'timed out' : 'network failure';
  return new ProxmoxNetworkError(`${where}: ${what} (${code ?? 'no code'}: ${message})`, ctx, code, false);
}
