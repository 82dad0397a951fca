// Which cluster and user: config.kubernetes.kubeconfig, else KUBECONFIG, else ~/.kube/config (the client's default
// loading rules), then config.kubernetes.context if set. A kubeconfig that cannot be used is an input error.
import { existsSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeconfigError } from './errors';
import { kubernetesClientModule } from './module';
import { useSharedAgents } from './shared-agents';

export interface KubeconfigSource {
  kubeconfig?: string;
  context?: string;
}

export async function loadKubeConfig(source: KubeconfigSource = {}): Promise<KubeConfig> {
  const k8s = await kubernetesClientModule();
  const kc = new k8s.KubeConfig();
  try {
    if (source.kubeconfig) {
      if (!existsSync(source.kubeconfig)) throw new Error(`file ${source.kubeconfig} does not exist`);
      kc.loadFromFile(source.kubeconfig);
    } else {
      kc.loadFromDefault();
    }
  } catch (err) {
    const where = source.kubeconfig ?? (process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG}` : '~/.kube/config');
    throw new KubeconfigError(`cannot load the kubeconfig (${where}): ${(err as Error).message}; set kubernetes.kubeconfig in the config`);
  }
  if (source.context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(source.context)) {
      throw new KubeconfigError(`kubeconfig has no context "${source.context}" (it has: ${names.join(', ') || 'none'}); fix kubernetes.context`);
    }
    kc.setCurrentContext(source.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeconfigError('the kubeconfig names no cluster for its current context; set kubernetes.kubeconfig or kubernetes.context');
  }
  return useSharedAgents(kc);
}
