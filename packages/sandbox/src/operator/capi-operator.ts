// cluster-api-operator's part, played by installing the real providers: for the CoreProvider `cluster-api`, the
// InfrastructureProvider `proxmox` and the IPAMProvider `in-cluster`, it reads the provider's components from the
// ConfigMaps its fetchConfig.selector finds (provider-components.ts; the core's CRDs come with the cluster's seed),
// applies their CRDs, starts the real manager built by `npm run tools` (capi-providers.ts; in a network namespace of its own,
// network-namespace.ts) with the variables of the provider's configSecret, registers the release's admission
// webhooks, and reports the provider installed (ProviderInstalled, Ready, installedVersion) once the manager answers
// /readyz. A manager that exits is started again on a later pass, as its Deployment would restart it; a provider
// deleted has its manager stopped and its webhooks removed. Providers of other names are left alone, as the real
// operator would fail to find them in its provider list.
// What stays played rather than real: running the components' Deployments; here the programs are the released
// ones, run from the local build with the admin kubeconfig, and their webhooks are reached at a URL instead of
// through their Services.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../../../src/kubernetes/types';
import { CertificateAuthority } from '../kubernetes/certificates';
import { applyCrds, upstreamCrds, upstreamModuleDir } from '../kubernetes/crds';
import { SANDBOX_LABEL } from '../kubernetes/seed-objects';
import { healthProbe, waitFor } from '../kubernetes/http-probe';
import { portOf } from '../kubernetes/ports';
import { CERTS_UNDER_TMPDIR, PROVIDER_API, PROVIDER_MANAGERS, WEBHOOK_PORT, type ProviderManager } from './capi-providers';
import type { OperatorContext, RunningController, StartController } from './context';
import { differs, patchStatus } from './kube-ops';
import { startInNetworkNamespace, type RunningNamespacedProgram } from './network-namespace';
import { ComponentsFetchError, fetchComponents, fetchSelector } from './provider-components';
import { moduleWebhookConfigurations, pointedAtManager, registerWebhooks, unregisterWebhooks } from './provider-webhooks';
import { reconcileLoop } from './reconcile-loop';

export const CAPI_OPERATOR_CONTROLLER = 'capi-operator';
export const PROXMOX_PROVIDER_NAME = 'proxmox';

const READY_TIMEOUT_MS = 120_000;

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

interface Installed {
  uid: string;
  program: RunningNamespacedProgram;
  webhooks: KubeObject[];
}

/** The status cluster-api-operator reports once a provider's components are installed (metav1.Condition). */
function installedStatus(provider: KubeObject): Record<string, unknown> {
  const version = String((provider.spec as { version?: string } | undefined)?.version ?? '');
  const generation = provider.metadata.generation ?? 1;
  const previous = (provider.status as { conditions?: Array<{ type: string; status: string; lastTransitionTime: string }> } | undefined)?.conditions ?? [];
  const condition = (type: string) => {
    const before = previous.find((c) => c.type === type && c.status === 'True');
    return { type, status: 'True', reason: type, message: '', lastTransitionTime: before?.lastTransitionTime ?? now(), observedGeneration: generation };
  };
  return { installedVersion: version, observedGeneration: generation, conditions: [condition('PreflightCheckPassed'), condition('ProviderInstalled'), condition('Ready')] };
}

async function markInstalled(ctx: OperatorContext, provider: KubeObject): Promise<void> {
  const status = installedStatus(provider);
  const current = provider.status as Record<string, unknown> | undefined;
  const comparable = (s: Record<string, unknown> | undefined) => ({ installedVersion: s?.installedVersion, observedGeneration: s?.observedGeneration, conditions: s?.conditions });
  if (!differs(comparable(current), comparable(status))) return;
  await patchStatus(ctx.kube, provider, status);
  ctx.log(CAPI_OPERATOR_CONTROLLER, `${provider.kind} ${provider.metadata.namespace}/${provider.metadata.name} ${status.installedVersion} installed`);
}

/** ProviderInstalled and Ready False with the reason, as the operator reports a provider it could not install. */
async function markFailed(ctx: OperatorContext, provider: KubeObject, err: Error): Promise<void> {
  const { message } = err;
  const reason = err instanceof ComponentsFetchError ? 'ComponentsFetchError' : 'ComponentsInstallError';
  const generation = provider.metadata.generation ?? 1;
  const condition = (type: string) => ({ type, status: 'False', reason, message, lastTransitionTime: now(), observedGeneration: generation });
  const previous = (provider.status as { conditions?: Array<{ type: string; message?: string }> } | undefined)?.conditions ?? [];
  if (previous.some((c) => c.type === 'ProviderInstalled' && c.message === message)) return;
  await patchStatus(ctx.kube, provider, { observedGeneration: generation, conditions: [condition('ProviderInstalled'), condition('Ready')] });
  ctx.log(CAPI_OPERATOR_CONTROLLER, `${provider.kind} ${provider.metadata.namespace}/${provider.metadata.name} not installed: ${message}`);
}

/** The provider's configSecret as variables (what the operator substitutes into the components). */
async function configVariables(ctx: OperatorContext, provider: KubeObject): Promise<Record<string, string>> {
  const ref = (provider.spec as { configSecret?: { name: string; namespace?: string } } | undefined)?.configSecret;
  if (!ref) return {};
  const secret = await ctx.kube.find({ apiVersion: 'v1', kind: 'Secret', name: ref.name, namespace: ref.namespace ?? provider.metadata.namespace });
  if (!secret) throw new Error(`configSecret ${ref.namespace ?? provider.metadata.namespace}/${ref.name} of ${provider.kind} ${provider.metadata.name} not found`);
  const data = (secret as { data?: Record<string, string> }).data ?? {};
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

/**
 * What the operator installs for the provider: its components from the ConfigMaps its fetchConfig.selector finds.
 * Without a fetchConfig the real operator downloads the release, which nothing here can; only the providers of the
 * cluster's seed (standing for CozyStack's own, installed from ConfigMaps the seed does not hold) are then taken
 * from their modules.
 */
async function componentsOf(ctx: OperatorContext, spec: ProviderManager, provider: KubeObject): Promise<KubeObject[] | undefined> {
  const selector = fetchSelector(provider);
  if (selector) return fetchComponents(ctx.kube, provider, selector);
  if (provider.metadata.labels?.[SANDBOX_LABEL] === 'true') return undefined;
  throw new ComponentsFetchError(`${spec.kind} ${provider.metadata.name} has no fetchConfig: its components would be downloaded from the provider's releases, and this sandbox has no internet access`);
}

async function install(ctx: OperatorContext, ca: CertificateAuthority, spec: ProviderManager, provider: KubeObject): Promise<Installed> {
  const say = (m: string) => ctx.log(CAPI_OPERATOR_CONTROLLER, `${spec.kind} ${provider.metadata.namespace}/${provider.metadata.name}: ${m}`);
  const components = await componentsOf(ctx, spec, provider);
  if (spec.installCrds) {
    const crds = components ? components.filter((o) => o.kind === 'CustomResourceDefinition') : upstreamCrds(spec.module);
    say(`applying ${crds.length} CRDs ${components ? 'of its components' : `of ${upstreamModuleDir(spec.module)}`}`);
    await applyCrds(ctx.kube, crds, {}, spec.crdHow);
  }
  const dir = join(ctx.podsDir, spec.short);
  const tmpDir = join(dir, 'tmp');
  const certDir = join(tmpDir, CERTS_UNDER_TMPDIR);
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(certDir, { recursive: true });
  const serving = ca.issueServing(`${spec.short}-webhook`, { ips: ['127.0.0.1'], dnsNames: ['localhost'] });
  writeFileSync(join(certDir, 'tls.crt'), serving.certPem);
  writeFileSync(join(certDir, 'tls.key'), serving.keyPem, { mode: 0o600 });
  const reach = [portOf(ctx.kube.server), ...(spec.kind === 'InfrastructureProvider' ? [portOf(ctx.proxmox.url)] : [])];
  const program = await startInNetworkNamespace({
    name: spec.short,
    command: spec.binary(),
    args: spec.args({ certDir }, ctx.proxmox),
    env: { PATH: process.env.PATH, HOME: tmpDir, KUBECONFIG: ctx.kubeconfig, ...spec.env(await configVariables(ctx, provider), { tmpDir }) },
    dir: join(dir, 'ns'),
    reach,
    serve: [WEBHOOK_PORT, spec.healthPort],
  });
  try {
    const health = program.published.get(spec.healthPort)!;
    await waitFor(`${spec.short} manager /readyz`, healthProbe(`http://127.0.0.1:${health}/readyz`), {
      timeoutMs: READY_TIMEOUT_MS,
      abortIf: () => (program.process.running ? undefined : `the manager ${program.process.exitReason}:\n${program.process.logTail(15)}`),
    });
    const webhooks = pointedAtManager(components ?? moduleWebhookConfigurations(upstreamModuleDir(spec.module), spec.webhookPrefix ?? ''), program.published.get(WEBHOOK_PORT)!, ca.certPem);
    await registerWebhooks(ctx.kube, webhooks);
    say(`manager ${spec.binary()} running (pid ${program.process.pid}, log ${program.process.logFile}); ${webhooks.length} webhook configuration(s) registered`);
    return { uid: provider.metadata.uid ?? '', program, webhooks };
  } catch (err) {
    await program.stop();
    throw err;
  }
}

async function uninstall(ctx: OperatorContext, installed: Installed): Promise<void> {
  await unregisterWebhooks(ctx.kube, installed.webhooks);
  await installed.program.stop();
}

async function listProviders(ctx: OperatorContext, kind: string): Promise<KubeObject[]> {
  try {
    return await ctx.kube.list(PROVIDER_API, kind);
  } catch {
    // Older cluster-api-operator releases have no IPAMProvider kind; a cluster without the operator has none.
    return [];
  }
}

async function pass(ctx: OperatorContext, ca: CertificateAuthority, installed: Map<string, Installed>): Promise<void> {
  for (const spec of PROVIDER_MANAGERS) {
    const provider = (await listProviders(ctx, spec.kind)).find((p) => p.metadata.name === spec.name && !p.metadata.deletionTimestamp);
    let current = installed.get(spec.short);
    if (current && (!provider || provider.metadata.uid !== current.uid || !current.program.process.running)) {
      const why = !provider ? 'provider deleted' : current.program.process.running ? 'provider replaced' : `manager ${current.program.process.exitReason}:\n${current.program.process.logTail(10)}`;
      ctx.log(CAPI_OPERATOR_CONTROLLER, `${spec.kind} ${spec.name}: stopping its manager (${why})`);
      installed.delete(spec.short);
      await uninstall(ctx, current);
      current = undefined;
    }
    if (!provider) continue;
    if (!current) {
      try {
        installed.set(spec.short, await install(ctx, ca, spec, provider));
      } catch (err) {
        // As the operator reports it: on the provider, for `kubectl describe` and the steps that wait for it.
        await markFailed(ctx, provider, err as Error);
        continue;
      }
    }
    await markInstalled(ctx, provider);
  }
}

export const startCapiOperator: StartController = async (ctx): Promise<RunningController> => {
  const ca = CertificateAuthority.create('cozy-sandbox-capi-webhooks');
  const installed = new Map<string, Installed>();
  const loop = reconcileLoop(ctx, CAPI_OPERATOR_CONTROLLER, () => pass(ctx, ca, installed));
  return {
    name: loop.name,
    stop: async () => {
      await loop.stop();
      for (const i of installed.values()) await uninstall(ctx, i);
      installed.clear();
    },
  };
};
