// Certificates: a CA (reused from the data directory when present) and one certificate per node signed by it, like
// pve-root-ca.pem and pve-ssl.pem. The first node's certificate is the one the HTTPS server presents. Keys come from
// node's crypto (fast native RSA); node-forge builds and signs the X.509 structures.
import { createHash, generateKeyPair, sign, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import type { CertificateInfo } from './core';
import type { NodeCertificateSettings } from './state';

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

const DAY = 86_400_000;

const generateRsa = promisify(generateKeyPair);

/** A fresh RSA key (generated on libuv's thread pool, so several can be made at once). */
export async function newKeys(): Promise<{ publicKey: forge.pki.rsa.PublicKey; keyPem: string }> {
  const { publicKey, privateKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    keyPem: privateKey,
  };
}

/** Signs with node's native RSA (node-forge's own RSA is about a hundred times slower). */
function signCertificate(cert: forge.pki.Certificate, signerKeyPem: string): void {
  const c = cert as unknown as { signatureOid: string; siginfo: { algorithmOid: string }; tbsCertificate: forge.asn1.Asn1; signature: string };
  c.signatureOid = forge.pki.oids.sha256WithRSAEncryption;
  c.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption;
  c.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(c.tbsCertificate).getBytes(), 'binary');
  c.signature = sign('sha256', tbs, signerKeyPem).toString('binary');
}

/** PEM with plain newlines (node-forge writes CRLF). */
function toPem(cert: forge.pki.Certificate): string {
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
}

function serial(): string {
  return forge.util.bytesToHex(forge.random.getBytesSync(16)).replace(/^[89a-f]/, '1');
}

/** "/CN=x/O=y" or "CN=x, O=y" into forge attributes. */
function parseSubject(subject: string): forge.pki.CertificateField[] {
  const parts = subject.startsWith('/') ? subject.slice(1).split('/') : subject.split(/\s*,\s*/);
  return parts
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      return { shortName: p.slice(0, eq).trim(), value: p.slice(eq + 1).trim() };
    });
}

async function createCa(): Promise<KeyPair> {
  const keys = await newKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + 3650 * DAY);
  const attrs = [
    { shortName: 'CN', value: 'Proxmox Virtual Environment' },
    { shortName: 'OU', value: 'cozy-proxmox simulator' },
    { shortName: 'O', value: 'PVE Cluster Manager CA' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(cert, keys.keyPem);
  return { certPem: toPem(cert), keyPem: keys.keyPem };
}

/** The CA in dataDir (ca.pem, ca.key) if both files are there and valid for a year more, else a fresh one. */
export async function loadOrCreateCa(dataDir: string): Promise<KeyPair> {
  const certFile = join(dataDir, 'ca.pem');
  const keyFile = join(dataDir, 'ca.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    try {
      const pair = { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
      const x509 = new X509Certificate(pair.certPem);
      if (new Date(x509.validTo).getTime() > Date.now() + 365 * DAY) return pair;
    } catch {
      // unreadable: replace it below
    }
  }
  const ca = await createCa();
  writeFileSync(certFile, ca.certPem);
  writeFileSync(keyFile, ca.keyPem, { mode: 0o600 });
  return ca;
}

export function nodeCertificate(ca: KeyPair, keys: { publicKey: forge.pki.rsa.PublicKey; keyPem: string }, nodeName: string, settings: NodeCertificateSettings, served: boolean): KeyPair {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - settings.notBeforeDaysAgo * DAY);
  cert.validity.notAfter = settings.notAfter
    ? new Date(settings.notAfter)
    : new Date(now + (settings.expiresInDays ?? 730) * DAY);
  cert.setSubject(parseSubject(settings.subject ?? `/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=${nodeName}.localdomain`));
  cert.setIssuer(caCert.subject.attributes);
  const names = new Set<string>(settings.san ?? []);
  // Clients reach the simulator on loopback: the served certificate must name it.
  for (const n of served ? ['127.0.0.1', 'localhost', nodeName, `${nodeName}.localdomain`] : [nodeName, `${nodeName}.localdomain`]) names.add(n);
  const altNames = [...names].map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) || n.includes(':') ? { type: 7, ip: n } : { type: 2, value: n }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, nonRepudiation: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  signCertificate(cert, ca.keyPem);
  return { certPem: toPem(cert), keyPem: keys.keyPem };
}

export function fingerprintOf(certPem: string): string {
  const der = new X509Certificate(certPem).raw;
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

function dn(attrs: forge.pki.CertificateField[]): string {
  return attrs.map((a) => `/${a.shortName}=${a.value}`).join('');
}

/** What /nodes/{node}/certificates/info reports for one PEM file. */
export function certificateInfo(filename: string, certPem: string): CertificateInfo {
  const cert = forge.pki.certificateFromPem(certPem);
  const x509 = new X509Certificate(certPem);
  const san = (x509.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((e) => e.replace(/^(DNS|IP Address):/, ''));
  return {
    filename,
    pem: certPem,
    fingerprint: fingerprintOf(certPem),
    issuer: dn(cert.issuer.attributes),
    subject: dn(cert.subject.attributes),
    notbefore: Math.floor(cert.validity.notBefore.getTime() / 1000),
    notafter: Math.floor(cert.validity.notAfter.getTime() / 1000),
    san,
    'public-key-type': 'rsaEncryption',
    'public-key-bits': 2048,
  };
}
