// The clients a step reaches its systems with. The worker makes one set of factories and hands it to every activity
// through the step wrapper; a test hands in fakes where a fake is the honest test (a step's decision on an answer a
// sandbox cannot give). Outside a worker (a benchmark, a test calling a step directly) the real factories serve.
import { AsyncLocalStorage } from 'node:async_hooks';
import { HelmClient, type HelmClientOptions } from '../../helm/client';
import { KubeClient } from '../../kubernetes/client';
import { GrafanaClient } from '../../monitoring/grafana';
import type { MonitoringHttpOptions } from '../../monitoring/http';
import { PrometheusClient } from '../../monitoring/prometheus';
import { VictoriaLogsClient, type VictoriaLogsOptions } from '../../monitoring/victorialogs';
import type { KubeconfigSource } from '../../kubernetes/kubeconfig';
import { ProxmoxClient } from '../../proxmox/client';
import type { ProxmoxHttpOptions } from '../../proxmox/http';
import { SshClient, type SshConnectOptions } from '../../ssh/client';
import { guardedClientFactories } from '../../worker-policy/guarded-clients';

export interface ClientFactories {
  kubernetes(source: KubeconfigSource): Promise<KubeClient>;
  proxmox(options: ProxmoxHttpOptions): ProxmoxClient;
  helm(options: HelmClientOptions): HelmClient;
  ssh(options: SshConnectOptions): Promise<SshClient>;
  prometheus(options: MonitoringHttpOptions): PrometheusClient;
  grafana(options: MonitoringHttpOptions): GrafanaClient;
  victoriaLogs(options: VictoriaLogsOptions): VictoriaLogsClient;
}

export function realClientFactories(): ClientFactories {
  return {
    kubernetes: (source) => KubeClient.connect(source),
    proxmox: (options) => new ProxmoxClient(options),
    helm: (options) => new HelmClient(options),
    ssh: (options) => SshClient.connect(options),
    prometheus: (options) => new PrometheusClient(options),
    grafana: (options) => new GrafanaClient(options),
    victoriaLogs: (options) => new VictoriaLogsClient(options),
  };
}

// Every set of factories a step gets is guarded by the worker policy's host check (src/worker-policy): here, where
// they are handed to the step, so no client of any step, however its activities were made, escapes it.
const DEFAULT_FACTORIES = guardedClientFactories(realClientFactories());
const scope = new AsyncLocalStorage<ClientFactories>();

/** Runs `body` (an activity) with these factories. */
export function withClientFactories<T>(factories: ClientFactories, body: () => Promise<T>): Promise<T> {
  return scope.run(guardedClientFactories(factories), body);
}

/** The factories of the running activity. */
export function clientFactories(): ClientFactories {
  return scope.getStore() ?? DEFAULT_FACTORIES;
}
