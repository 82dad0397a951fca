// Kubernetes clients of one process share one keep-alive connection pool per TLS identity: many steps polling the
// same API server reuse connections instead of a TLS handshake per request.
import type * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kubernetes/client';
import { loadKubeConfig } from '../../src/kubernetes/kubeconfig';
import { sharedControlPlane } from '../helpers/control-plane';

const plane = sharedControlPlane();

async function agentOf(kc: KubeConfig): Promise<https.Agent> {
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  return options.agent as https.Agent;
}

const socketsOf = (agent: https.Agent) => [...Object.values(agent.sockets), ...Object.values(agent.freeSockets)].flat().length;

test('two clients of one kubeconfig share one agent, and their requests reuse one connection', async () => {
  const [a, b] = await Promise.all([loadKubeConfig({ kubeconfig: plane.kubeconfigPath }), loadKubeConfig({ kubeconfig: plane.kubeconfigPath })]);
  const agent = await agentOf(a);
  expect(await agentOf(b)).toBe(agent);
  expect(agent.options.keepAlive).toBe(true);

  const [ca, cb] = await Promise.all([KubeClient.fromKubeConfig(a), KubeClient.fromKubeConfig(b)]);
  for (let i = 0; i < 10; i++) {
    await ca.getPath('/version');
    expect((await cb.list('v1', 'Namespace')).some((n) => n.metadata.name === 'kube-system')).toBe(true);
  }
  // Twenty requests one after the other, through both clients and both of the client's request paths: one socket.
  expect(socketsOf(agent)).toBe(1);
});
