// The certificates another program must trust to reach this Proxmox VE the way cozy-proxmox does, for programs that
// have no fingerprint pinning and no CA option of their own but read a PEM bundle (the Proxmox CSI controller reads
// one through SSL_CERT_FILE): the configured CA file, or, for a pinned fingerprint, the pinned certificate itself,
// fetched from the server and checked against the fingerprint first. A Go client accepts a certificate that is in
// its trust pool as a whole chain, and still checks the host name against it.
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { FingerprintMismatchError, normaliseFingerprint, type TlsMode } from './tls';

/** PEM text, or undefined when the system roots (verify without a CA file) or no verification (insecure) apply. */
export async function trustBundle(mode: TlsMode, url: string, timeoutMs = 10_000): Promise<string | undefined> {
  if (mode.kind === 'verify') return mode.caFile ? readFileSync(mode.caFile, 'utf8') : undefined;
  if (mode.kind === 'insecure') return undefined;
  const { raw: der, fingerprint256 } = await peerCertificate(url, timeoutMs);
  const actual = normaliseFingerprint(fingerprint256);
  const expected = normaliseFingerprint(mode.sha256);
  if (actual !== expected) throw new FingerprintMismatchError(mode.sha256, actual);
  return toPem(der);
}

function peerCertificate(url: string, timeoutMs: number): Promise<{ raw: Buffer; fingerprint256: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    // Not verified here: the fingerprint comparison that follows is the check.
    const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 443), servername: isIp(u.hostname) ? undefined : u.hostname, rejectUnauthorized: false });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS handshake with ${u.host} within ${timeoutMs} ms`)));
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      if (cert?.raw) resolve({ raw: cert.raw, fingerprint256: cert.fingerprint256 });
      else reject(new Error(`${u.host} presented no certificate`));
    });
  });
}

const isIp = (host: string) => /^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[');

function toPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
