// Where the sandbox Temporal server's mTLS files are, and the environment that points a client at them. No crypto here:
// the CLI's `sandbox status` reads it.
import { join } from 'node:path';
import { TLS_ENV } from '../../../../src/temporal-tls';

/** The certificate files, as the Temporal CLI's TEMPORAL_TLS_* variables and cozy-proxmox's --tls-* flags take them. */
export interface TemporalTlsFiles {
  ca: string;
  clientCert: string;
  clientKey: string;
  frontendCert: string;
  frontendKey: string;
  internodeCert: string;
  internodeKey: string;
}

/** The name every server certificate carries and clients check (SNI). */
export const TEMPORAL_TLS_SERVER_NAME = 'localhost';

export function temporalTlsFiles(dir: string): TemporalTlsFiles {
  const d = join(dir, 'temporal-tls');
  return {
    ca: join(d, 'ca.pem'),
    clientCert: join(d, 'client.pem'),
    clientKey: join(d, 'client-key.pem'),
    frontendCert: join(d, 'frontend.pem'),
    frontendKey: join(d, 'frontend-key.pem'),
    internodeCert: join(d, 'internode.pem'),
    internodeKey: join(d, 'internode-key.pem'),
  };
}

/** The Temporal CLI's environment for this sandbox's server (cozy-proxmox reads the same names). */
export function temporalTlsEnv(files: TemporalTlsFiles): Record<string, string> {
  return { [TLS_ENV.cert]: files.clientCert, [TLS_ENV.key]: files.clientKey, [TLS_ENV.ca]: files.ca, [TLS_ENV.serverName]: TEMPORAL_TLS_SERVER_NAME };
}
