// cluster-api-operator as CozyStack runs it, with cert-manager beside it: the real programs, built by
// `npm run tools -- capi-operator` and started by kubernetes/capi-platform.ts. The operator installs the providers
// the cluster's CoreProvider, InfrastructureProvider and IPAMProvider objects name, from their components
// ConfigMaps (fetchConfig.selector); the pods of the providers' Deployments are run by the capi-provider-pods
// controller (capi-provider-pods.ts), which runs the real Cluster API, CAPMOX and in-cluster IPAM managers.
import { join } from 'node:path';
import { startCapiPlatform } from '../kubernetes/capi-platform';
import type { StartController } from './context';

export const CAPI_OPERATOR_CONTROLLER = 'capi-operator';

/** Where CozyStack installs cert-manager; it keeps the resources of cluster-scoped issuers there. */
export const CERT_MANAGER_NAMESPACE = 'cozy-cert-manager';

export const startCapiOperator: StartController = async (ctx) => {
  await ctx.kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: CERT_MANAGER_NAMESPACE } });
  const platform = await startCapiPlatform({ kube: ctx.kube, kubeconfig: ctx.kubeconfig, dir: join(ctx.podsDir, 'platform'), namespace: CERT_MANAGER_NAMESPACE });
  for (const p of platform.programs) ctx.log(CAPI_OPERATOR_CONTROLLER, `${p.process.name} running (pid ${p.process.pid}, log ${p.process.logFile})`);
  return { name: CAPI_OPERATOR_CONTROLLER, stop: () => platform.stop() };
};
