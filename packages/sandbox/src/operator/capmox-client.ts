// How CAPMOX reaches Proxmox for a ProxmoxCluster: the Secret named by spec.credentialsRef holds `url`, `token`
// (USER@REALM!TOKENID) and `secret`, as CAPMOX reads it; the connection trusts the CA the operator was given. Clients
// are kept per Secret version, so a rotated secret takes effect on the next pass.
import { ProxmoxClient } from '../../../../src/proxmox/client';
import type { KubeClient } from '../../../../src/kubernetes/client';
import type { KubeObject } from '../../../../src/kubernetes/types';
import { OPERATOR_USER_AGENT, type OperatorProxmox } from './context';

export class CredentialsError extends Error {}

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

export interface CredentialsRef {
  name?: string;
  namespace?: string;
}

export class CapmoxClients {
  private readonly clients = new Map<string, ProxmoxClient>();

  constructor(
    private readonly kube: KubeClient,
    private readonly proxmox: OperatorProxmox,
  ) {}

  async forCluster(proxmoxCluster: KubeObject): Promise<ProxmoxClient> {
    const ref = (proxmoxCluster.spec as { credentialsRef?: CredentialsRef } | undefined)?.credentialsRef;
    if (!ref?.name) throw new CredentialsError('spec.credentialsRef is not set: no credentials to reach Proxmox with');
    const namespace = ref.namespace || proxmoxCluster.metadata.namespace;
    const secret = await this.kube.find<SecretObject>({ apiVersion: 'v1', kind: 'Secret', name: ref.name, namespace });
    if (!secret) throw new CredentialsError(`credentials Secret ${namespace}/${ref.name} not found`);
    const value = (key: string) => (secret.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : '');
    const [url, token, tokenSecret] = [value('url'), value('token'), value('secret')];
    const missing = [['url', url], ['token', token], ['secret', tokenSecret]].filter(([, v]) => !v).map(([k]) => k);
    if (missing.length > 0) throw new CredentialsError(`credentials Secret ${namespace}/${ref.name} lacks key(s) ${missing.join(', ')}`);
    const key = `${namespace}/${ref.name}@${secret.metadata.resourceVersion}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new ProxmoxClient({
        url,
        credentials: { kind: 'token', tokenId: token, secret: tokenSecret },
        tls: { verify: true, caFile: this.proxmox.caFile },
        timeoutMs: 15_000,
        userAgent: OPERATOR_USER_AGENT,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  closeAll(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
