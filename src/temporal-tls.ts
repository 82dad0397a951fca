// TLS (and mTLS) to the Temporal frontend, with the Temporal CLI's names for it: --tls-cert-path, --tls-key-path,
// --tls-ca-path, --tls-server-name, and TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA,
// TEMPORAL_TLS_SERVER_NAME; TEMPORAL_TLS=true for TLS with the system's CAs and no client certificate. The same
// settings serve the CLI and the worker, so one environment configures both.
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';

export interface TemporalTlsOptions {
  certPath?: string;
  keyPath?: string;
  caPath?: string;
  serverName?: string;
}

export const TLS_ENV = { cert: 'TEMPORAL_TLS_CERT', key: 'TEMPORAL_TLS_KEY', ca: 'TEMPORAL_TLS_CA', serverName: 'TEMPORAL_TLS_SERVER_NAME', enabled: 'TEMPORAL_TLS' } as const;

/** Settings that cannot be used (a file missing, a certificate without its key): bad input, named. */
export class TemporalTlsError extends Error {}

/** Flags first, then the environment; undefined: plain TCP. */
export function temporalTls(opts: TemporalTlsOptions = {}, env: NodeJS.ProcessEnv = process.env): TLSConfig | undefined {
  const certPath = opts.certPath ?? (env[TLS_ENV.cert] || undefined);
  const keyPath = opts.keyPath ?? (env[TLS_ENV.key] || undefined);
  const caPath = opts.caPath ?? (env[TLS_ENV.ca] || undefined);
  const serverName = opts.serverName ?? (env[TLS_ENV.serverName] || undefined);
  const enabled = /^(1|true|yes)$/i.test(env[TLS_ENV.enabled] ?? '');
  if (!certPath && !keyPath && !caPath && !serverName && !enabled) return undefined;
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new TemporalTlsError(`a client certificate needs its key and a key its certificate: give both --tls-cert-path and --tls-key-path (or ${TLS_ENV.cert} and ${TLS_ENV.key})`);
  }
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new TemporalTlsError(`cannot read the Temporal TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return {
    ...(certPath && keyPath ? { clientCertPair: { crt: read('certificate', certPath), key: read('key', keyPath) } } : {}),
    ...(caPath ? { serverRootCACertificate: read('CA certificate', caPath) } : {}),
    ...(serverName ? { serverNameOverride: serverName } : {}),
  };
}
