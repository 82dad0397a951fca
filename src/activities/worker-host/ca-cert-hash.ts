// The CA pin of `kubeadm join --discovery-token-ca-cert-hash`: sha256 over the DER SubjectPublicKeyInfo of the
// cluster CA certificate, written sha256:<hex>.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubeClient } from '../../kubernetes/client';
import { fail, FailureType } from '../common/failures';

export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** The cluster CA as the kubeconfig carries it (embedded data or a file). */
export function clusterCaPem(client: KubeClient): string {
  const cluster = client.kc.getCurrentCluster();
  if (cluster?.caData) return Buffer.from(cluster.caData, 'base64').toString('utf8');
  if (cluster?.caFile) return readFileSync(cluster.caFile, 'utf8');
  throw fail(
    FailureType.Validation,
    'the kubeconfig carries no cluster CA (certificate-authority-data or certificate-authority), so the CA hash a joining host pins cannot be computed; use a kubeconfig that verifies the API server',
  );
}
