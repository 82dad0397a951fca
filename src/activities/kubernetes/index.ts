// The Kubernetes step activities of phase 1, by name: the worker registers them under these names.
import { kubernetesApiLatency } from './api-latency';
import { kubernetesCapiOperator } from './capi-operator';
import { kubernetesCozystack } from './cozystack';
import { kubernetesIpam } from './ipam';
import { kubernetesDeleteTestNamespace, kubernetesTestNamespace } from './test-namespace';
import { kubernetesVersion } from './version';

export const kubernetesActivities = {
  kubernetesVersion,
  kubernetesCozystack,
  kubernetesCapiOperator,
  kubernetesIpam,
  kubernetesApiLatency,
  kubernetesTestNamespace,
  kubernetesDeleteTestNamespace,
};

export type KubernetesActivities = typeof kubernetesActivities;
