// A throwaway PKI for one sandbox control plane: a CA, the apiserver's serving certificate, client certificates for
// each component (identities that Kubernetes' bootstrap RBAC already knows) and the service-account signing key.
// Keys come from Node's crypto (fast native RSA); node-forge only assembles and signs the X.509 certificates.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as forge from 'node-forge';

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export interface ClientIdentity {
  commonName: string;
  organizations?: string[];
}

export interface ServingNames {
  ips: string[];
  dnsNames: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

function rsaKeyPem(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

function newCertificate(publicPem: string, validDays: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  // A positive serial: the top bit cleared keeps the DER integer from reading as negative.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  // Back-dated a little so a clock that lags the signer's by seconds still accepts it.
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + validDays * DAY_MS);
  return cert;
}

function subject(identity: ClientIdentity): forge.pki.CertificateField[] {
  const fields: forge.pki.CertificateField[] = [{ name: 'commonName', value: identity.commonName }];
  for (const org of identity.organizations ?? []) fields.push({ name: 'organizationName', value: org });
  return fields;
}

export class CertificateAuthority {
  private constructor(
    readonly certPem: string,
    readonly keyPem: string,
    private readonly cert: forge.pki.Certificate,
    private readonly key: forge.pki.rsa.PrivateKey,
  ) {}

  static create(commonName: string, validDays = 365): CertificateAuthority {
    const { privatePem, publicPem } = rsaKeyPem();
    const key = forge.pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey;
    const cert = newCertificate(publicPem, validDays);
    cert.setSubject([{ name: 'commonName', value: commonName }]);
    cert.setIssuer([{ name: 'commonName', value: commonName }]);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    cert.sign(key, forge.md.sha256.create());
    return new CertificateAuthority(forge.pki.certificateToPem(cert), privatePem, cert, key);
  }

  /**
   * A TLS server certificate valid for the given IP addresses and DNS names; `clientAuth` also for a peer that
   * presents it as a client (servers that talk to each other with one certificate, e.g. Temporal's internode).
   */
  issueServing(commonName: string, names: ServingNames, validDays = 365, clientAuth = false): KeyPairPem {
    const altNames = [
      ...names.ips.map((ip) => ({ type: 7, ip })),
      ...names.dnsNames.map((value) => ({ type: 2, value })),
    ];
    return this.issue({ commonName }, validDays, [
      { name: 'extKeyUsage', serverAuth: true, clientAuth },
      { name: 'subjectAltName', altNames },
    ]);
  }

  /** A TLS client certificate: Kubernetes reads the user from CN and the groups from O. */
  issueClient(identity: ClientIdentity, validDays = 365): KeyPairPem {
    return this.issue(identity, validDays, [{ name: 'extKeyUsage', clientAuth: true }]);
  }

  private issue(identity: ClientIdentity, validDays: number, extensions: object[]): KeyPairPem {
    const { privatePem, publicPem } = rsaKeyPem();
    const cert = newCertificate(publicPem, validDays);
    cert.setSubject(subject(identity));
    cert.setIssuer(this.cert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'authorityKeyIdentifier', keyIdentifier: this.cert.generateSubjectKeyIdentifier().getBytes() },
      ...extensions,
    ]);
    cert.sign(this.key, forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(cert), keyPem: privatePem };
  }
}

/** The key pair the apiserver signs service-account tokens with (and verifies them against). */
export function serviceAccountKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privatePem, publicPem } = rsaKeyPem();
  return { privateKeyPem: privatePem, publicKeyPem: publicPem };
}
