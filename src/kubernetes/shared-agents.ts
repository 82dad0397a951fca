// One keep-alive HTTPS agent per TLS identity (server CA, client certificate and key, verification settings) for
// the whole process, the way client-go shares one transport per TLS config. @kubernetes/client-node 1.x builds a
// new agent for every request: a new TLS handshake and TLS context each time, which under many concurrent steps
// costs the worker memory and the API server CPU. Bearer tokens travel in headers, so requests of different users
// with the same TLS identity can share connections; client certificates are part of the key.
import { createHash } from 'node:crypto';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

// Idle connections close after this, so that a process that stopped talking to a cluster holds no sockets.
const IDLE_SOCKET_MS = 30_000;

const agents = new Map<string, https.Agent>();

type AgentFactory = (cluster: { server?: string; proxyUrl?: string } | null, options: https.AgentOptions) => unknown;

function identity(server: string, o: https.AgentOptions): string {
  const h = createHash('sha256');
  for (const part of [server, o.ca, o.cert, o.key, o.pfx, o.passphrase, String(o.rejectUnauthorized), o.servername]) h.update(String(part ?? '')).update('\0');
  return h.digest('hex');
}

/** Makes `kc` take its HTTPS agents from the process-wide pool (proxied and plain-HTTP clusters keep the client's own). */
export function useSharedAgents(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createAgent: AgentFactory };
  const own = target.createAgent.bind(kc);
  target.createAgent = (cluster, options) => {
    const server = cluster?.server ?? '';
    if (cluster?.proxyUrl || !server.startsWith('https:')) return own(cluster, options);
    const key = identity(server, options);
    let agent = agents.get(key);
    if (!agent) {
      agent = new https.Agent({ ...options, keepAlive: true, timeout: IDLE_SOCKET_MS });
      agents.set(key, agent);
    }
    return agent;
  };
  return kc;
}
