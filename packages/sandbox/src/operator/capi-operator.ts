// cluster-api-operator's part: an InfrastructureProvider `proxmox` gets CAPMOX's CRDs applied (the provider's
// components) and then conditions ProviderInstalled and Ready True with status.installedVersion; an IPAMProvider is
// reported installed the same way (its pool CRDs come with the cluster's seed). Providers of other names are left
// alone, as the real operator would fail to find them in its provider list.
import { CAPI_OPERATOR_API } from '../../../../src/kubernetes/cozystack';
import { type KubeObject } from '../../../../src/kubernetes/types';
import { applyCrds } from '../kubernetes/crds';
import { CAPMOX_CRDS } from '../kubernetes/crds-capmox';
import type { OperatorContext, RunningController, StartController } from './context';
import { differs, patchStatus } from './kube-ops';
import { reconcileLoop } from './reconcile-loop';

export const CAPI_OPERATOR_CONTROLLER = 'capi-operator';
export const PROXMOX_PROVIDER_NAME = 'proxmox';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The status cluster-api-operator reports once a provider's components are installed (metav1.Condition). */
function installedStatus(provider: KubeObject): Record<string, unknown> {
  const version = String((provider.spec as { version?: string } | undefined)?.version ?? '');
  const generation = provider.metadata.generation ?? 1;
  const previous = ((provider.status as { conditions?: Array<{ type: string; status: string; lastTransitionTime: string }> } | undefined)?.conditions ?? []);
  const condition = (type: string) => {
    const before = previous.find((c) => c.type === type && c.status === 'True');
    return { type, status: 'True', reason: type, message: '', lastTransitionTime: before?.lastTransitionTime ?? now(), observedGeneration: generation };
  };
  return {
    installedVersion: version,
    observedGeneration: generation,
    conditions: [condition('PreflightCheckPassed'), condition('ProviderInstalled'), condition('Ready')],
  };
}

async function markInstalled(ctx: OperatorContext, provider: KubeObject): Promise<void> {
  const status = installedStatus(provider);
  const current = provider.status as Record<string, unknown> | undefined;
  const comparable = (s: Record<string, unknown> | undefined) => ({ installedVersion: s?.installedVersion, observedGeneration: s?.observedGeneration, conditions: s?.conditions });
  if (!differs(comparable(current), comparable(status))) return;
  await patchStatus(ctx.kube, provider, status);
  ctx.log(CAPI_OPERATOR_CONTROLLER, `${provider.kind} ${provider.metadata.namespace}/${provider.metadata.name} ${status.installedVersion} installed`);
}

async function pass(ctx: OperatorContext, state: { crdsApplied: boolean }): Promise<void> {
  const infra = await ctx.kube.list(CAPI_OPERATOR_API, 'InfrastructureProvider');
  for (const provider of infra) {
    if (provider.metadata.name !== PROXMOX_PROVIDER_NAME || provider.metadata.deletionTimestamp) continue;
    if (!state.crdsApplied) {
      ctx.log(CAPI_OPERATOR_CONTROLLER, `applying the CAPMOX CRDs for InfrastructureProvider ${provider.metadata.namespace}/${provider.metadata.name}`);
      await applyCrds(ctx.kube, CAPMOX_CRDS);
      state.crdsApplied = true;
    }
    await markInstalled(ctx, provider);
  }
  let ipam: KubeObject[] = [];
  try {
    ipam = await ctx.kube.list(CAPI_OPERATOR_API, 'IPAMProvider');
  } catch {
    // Older cluster-api-operator releases have no IPAMProvider kind.
  }
  for (const provider of ipam) if (!provider.metadata.deletionTimestamp) await markInstalled(ctx, provider);
}

export const startCapiOperator: StartController = async (ctx): Promise<RunningController> => {
  const state = { crdsApplied: false };
  return reconcileLoop(ctx, CAPI_OPERATOR_CONTROLLER, () => pass(ctx, state));
};
