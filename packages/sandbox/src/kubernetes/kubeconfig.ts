// A self-contained kubeconfig (certificates embedded) for one user of the sandbox control plane: a client
// certificate (the components, the admin) or a bearer token (a ServiceAccount's).
import { stringify } from 'yaml';

export type KubeconfigCredentials = { clientCertPem: string; clientKeyPem: string } | { token: string };

export type KubeconfigInput = KubeconfigCredentials & {
  server: string;
  caPem: string;
  user: string;
  clusterName?: string;
};

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export function renderKubeconfig(input: KubeconfigInput): string {
  const cluster = input.clusterName ?? 'cozy-sandbox';
  const context = `${input.user}@${cluster}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: input.server, 'certificate-authority-data': b64(input.caPem) } }],
    users: [
      {
        name: input.user,
        user: 'token' in input ? { token: input.token } : { 'client-certificate-data': b64(input.clientCertPem), 'client-key-data': b64(input.clientKeyPem) },
      },
    ],
    contexts: [{ name: context, context: { cluster, user: input.user } }],
    'current-context': context,
    preferences: {},
  });
}
