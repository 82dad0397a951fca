// The kubelet's TLS bootstrap: a key and a CSR for system:node:<name> in system:nodes, sent with the bootstrap token
// as signer kubernetes.io/kube-apiserver-client-kubelet; kube-controller-manager's csrapproving controller approves
// it (the token's group holds the nodeclient permission) and csrsigning issues the certificate.
import { generateKeyPairSync } from 'node:crypto';
import * as forge from 'node-forge';
import { apiCall, sleep, statusMessage } from './api';


const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

interface Csr {
  metadata: { name: string };
  status?: { certificate?: string; conditions?: { type: string; reason?: string; message?: string }[] };
}

export interface NodeCredentials {
  certPem: string;
  keyPem: string;
}

function csrPem(nodeName: string, publicPem: string, privatePem: string): string {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(publicPem);
  csr.setSubject([
    { name: 'commonName', value: `system:node:${nodeName}` },
    { name: 'organizationName', value: 'system:nodes' },
  ]);
  csr.sign(forge.pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

export async function tlsBootstrap(server: string, caPem: string, token: string, nodeName: string, timeoutMs: number, log: (l: string) => void): Promise<NodeCredentials> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const created = await apiCall(server, CSRS, {
    method: 'POST',
    caPem,
    bearerToken: token,
    body: {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'csr-' },
      spec: {
        request: Buffer.from(csrPem(nodeName, publicKey, privateKey)).toString('base64'),
        signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        usages: ['digital signature', 'key encipherment', 'client auth'],
      },
    },
  });
  if (created.status !== 201) {
    throw new Error(`the kubelet's certificate signing request was refused: HTTP ${created.status}: ${statusMessage(created)}`);
  }
  const name = created.json<Csr>().metadata.name;
  log(`[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap (CertificateSigningRequest ${name})`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await apiCall(server, `${CSRS}/${name}`, { caPem, bearerToken: token });
    if (res.status === 200) {
      const csr = res.json<Csr>();
      const refused = csr.status?.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (refused) throw new Error(`CertificateSigningRequest ${name} ${refused.type.toLowerCase()}: ${refused.reason ?? ''} ${refused.message ?? ''}`.trim());
      if (csr.status?.certificate) return { certPem: Buffer.from(csr.status.certificate, 'base64').toString('utf8'), keyPem: privateKey };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for CertificateSigningRequest ${name} to be approved and signed: is kube-controller-manager running with its csrapproving and csrsigning controllers, and may the token's group auto-approve node client certificates?`,
      );
    }
    await sleep(300);
  }
}
