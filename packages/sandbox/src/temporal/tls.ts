// The sandbox Temporal server's mTLS: a CA of its own, the frontend's and the internode certificate (127.0.0.1 and
// localhost), and one client certificate the CLI, the worker and the setup scripts present. Made once per sandbox
// directory; the CA's key is not kept (nothing else is ever issued).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateAuthority } from '../kubernetes/certificates';
import { TEMPORAL_TLS_SERVER_NAME, temporalTlsFiles, type TemporalTlsFiles } from './tls-files';

export function makeTemporalTls(dir: string): TemporalTlsFiles {
  const files = temporalTlsFiles(dir);
  if (Object.values(files).every((f) => existsSync(f))) return files;
  mkdirSync(join(dir, 'temporal-tls'), { recursive: true, mode: 0o700 });
  const ca = CertificateAuthority.create('cozy-proxmox sandbox Temporal CA');
  const names = { ips: ['127.0.0.1'], dnsNames: [TEMPORAL_TLS_SERVER_NAME] };
  const frontend = ca.issueServing('temporal-frontend', names);
  const internode = ca.issueServing('temporal-internode', names, 365, true);
  const client = ca.issueClient({ commonName: 'cozy-proxmox' });
  const write = (file: string, pem: string, mode: number) => writeFileSync(file, pem, { mode });
  write(files.ca, ca.certPem, 0o644);
  write(files.frontendCert, frontend.certPem, 0o644);
  write(files.frontendKey, frontend.keyPem, 0o600);
  write(files.internodeCert, internode.certPem, 0o644);
  write(files.internodeKey, internode.keyPem, 0o600);
  write(files.clientCert, client.certPem, 0o644);
  write(files.clientKey, client.keyPem, 0o600);
  return files;
}

/** The server config's global.tls: mTLS on the frontend and between the server's own services. */
export function serverTlsConfig(files: TemporalTlsFiles): Record<string, unknown> {
  const client = { serverName: TEMPORAL_TLS_SERVER_NAME, rootCaFiles: [files.ca] };
  const server = (certFile: string, keyFile: string) => ({ certFile, keyFile, requireClientAuth: true, clientCaFiles: [files.ca] });
  return {
    internode: { server: server(files.internodeCert, files.internodeKey), client },
    frontend: { server: server(files.frontendCert, files.frontendKey), client },
    // The server's own system worker (namespace replication, scheduler, ...) calls the frontend as a client.
    systemWorker: { certFile: files.clientCert, keyFile: files.clientKey, client },
  };
}
