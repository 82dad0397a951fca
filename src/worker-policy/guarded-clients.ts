// The host check for every client a step makes: the worker's client factories wrapped once (allActivities), so each
// Proxmox, Kubernetes, helm, SSH, Prometheus, Grafana and VictoriaLogs client is checked against the running activity's policy
// before it sends anything. A new kind of client added to ClientFactories has to be added here, or this file does
// not compile.
import type { ClientFactories } from '../activities/common/clients';
import type { KubeconfigSource } from '../kubernetes/kubeconfig';
import { assertHostAllowed, assertUrlAllowed } from './guard';
import { currentWorkerPolicy } from './context';

/** The API server a kubeconfig (as a step names it) points at, checked; loaded only under an allow-list. */
export async function assertKubeconfigAllowed(source: KubeconfigSource): Promise<void> {
  if (!currentWorkerPolicy()?.allow) return;
  const { loadKubeConfig } = await import('../kubernetes/kubeconfig');
  const server = (await loadKubeConfig(source)).getCurrentCluster()?.server ?? '';
  assertUrlAllowed(server, `the Kubernetes API server of ${source.kubeconfig ? `kubeconfig ${source.kubeconfig}` : 'the default kubeconfig'}`);
}

export function guardedClientFactories(inner: ClientFactories): ClientFactories {
  return {
    kubernetes: async (source) => {
      const client = await inner.kubernetes(source);
      // Made, not yet used: no request has left. Checked on the client's own server, the one it will call.
      assertUrlAllowed(client.server, `the Kubernetes API server of ${source.kubeconfig ? `kubeconfig ${source.kubeconfig}` : 'the default kubeconfig'}`);
      return client;
    },
    proxmox: (options) => {
      assertUrlAllowed(options.url, 'the Proxmox VE API (proxmox.url)');
      return inner.proxmox(options);
    },
    // helm runs as a separate program against the same kubeconfig; its client checks before each command.
    helm: (options) => inner.helm({ ...options, beforeCommand: () => assertKubeconfigAllowed(options) }),
    ssh: (options) => {
      assertHostAllowed(options.host, options.port, 'SSH to the Proxmox host (ssh.host)');
      return inner.ssh(options);
    },
    prometheus: (options) => {
      assertUrlAllowed(options.baseUrl, 'Prometheus (monitoring.prometheus)');
      return inner.prometheus(options);
    },
    grafana: (options) => {
      assertUrlAllowed(options.baseUrl, 'Grafana (monitoring.grafana)');
      return inner.grafana(options);
    },
    victoriaLogs: (options) => {
      assertUrlAllowed(options.baseUrl, 'VictoriaLogs (monitoring.logs)');
      return inner.victoriaLogs(options);
    },
  };
}
