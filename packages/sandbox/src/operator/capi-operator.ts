// cluster-api-operator's part, played by installing the real providers: for the CoreProvider `cluster-api`, the
// InfrastructureProvider `proxmox` and the IPAMProvider `in-cluster`, it applies the provider's CRDs from its Go
// module, starts the real manager built by `npm run tools` (capi-providers.ts; in a network namespace of its own,
// network-namespace.ts) with the variables of the provider's configSecret, registers the release's admission
// webhooks, and reports the provider installed (ProviderInstalled, Ready, installedVersion) once the manager answers
// /readyz. A manager that exits is started again on a later pass, as its Deployment would restart it; a provider
// deleted has its manager stopped and its webhooks removed. Providers of other names are left alone, as the real
// operator would fail to find them in its provider list.
// What stays played rather than real: fetching the components (the real operator reads them from GitHub or from
// ConfigMaps named by fetchConfig) and running them as Deployments; here the programs are the released ones, run
// from the local build with the admin kubeconfig.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../../../src/kubernetes/types';
import { CertificateAuthority } from '../kubernetes/certificates';
import { applyCrds, upstreamCrds, upstreamModuleDir } from '../kubernetes/crds';
import { healthProbe, waitFor } from '../kubernetes/http-probe';
import { CERTS_UNDER_TMPDIR, PROVIDER_API, PROVIDER_MANAGERS, WEBHOOK_PORT, type ProviderManager } from './capi-providers';
import type { OperatorContext, RunningController, StartController } from './context';
import { differs, patchStatus } from './kube-ops';
import { startInNetworkNamespace, type RunningNamespacedProgram } from './network-namespace';
import { providerWebhookConfigurations, registerWebhooks, unregisterWebhooks } from './provider-webhooks';
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

/** The provider's configSecret as variables (what the operator substitutes into the components). */
async function configVariables(ctx: OperatorContext, provider: KubeObject): Promise<Record<string, string>> {
  const ref = (provider.spec as { configSecret?: { name: string; namespace?: string } } | undefined)?.configSecret;
  if (!ref) return {};
  const secret = await ctx.kube.find({ apiVersion: 'v1', kind: 'Secret', name: ref.name, namespace: ref.namespace ?? provider.metadata.namespace });
  if (!secret) throw new Error(`configSecret ${ref.namespace ?? provider.metadata.namespace}/${ref.name} of ${provider.kind} ${provider.metadata.name} not found`);
  const data = (secret as { data?: Record<string, string> }).data ?? {};
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

function portOf(url: string): number {
  const u = new URL(url);
  return Number(u.port || (u.protocol === 'https:' ? 443 : 80));
}

async function install(ctx: OperatorContext, ca: CertificateAuthority, spec: ProviderManager, provider: KubeObject): Promise<Installed> {
  const say = (m: string) => ctx.log(CAPI_OPERATOR_CONTROLLER, `${spec.kind} ${provider.metadata.namespace}/${provider.metadata.name}: ${m}`);
  if (spec.installCrds) {
    say(`applying the CRDs of ${upstreamModuleDir(spec.module)}`);
    await applyCrds(ctx.kube, upstreamCrds(spec.module), {}, spec.crdHow);
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
    const webhooks = providerWebhookConfigurations(upstreamModuleDir(spec.module), spec.webhookPrefix, program.published.get(WEBHOOK_PORT)!, ca.certPem);
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
    if (!current) installed.set(spec.short, await install(ctx, ca, spec, provider));
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
