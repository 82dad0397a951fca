// The platform part of Cluster API as CozyStack installs it: cert-manager (controller and cainjector) and the real
// cluster-api-operator, built by `npm run tools -- capi-operator`, with their CRDs. The operator installs the
// providers from their components, which make Deployments (run by the sandbox operator's capi-provider-pods runner,
// operator/capi-provider-pods.ts), Services and webhook configurations kube-apiserver reaches through the pod network
// (pod-network.ts), and cert-manager Certificates for their serving certificates.
// Each program runs in a network namespace of its own (operator/network-namespace.ts): each binds servers on every
// interface (metrics, health, the operator's webhook port) that would clash with each other and with other sandboxes.
// The operator's own admission webhooks (validating provider objects) are not registered: it runs here as a process,
// not behind a Service.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolPath } from '../../../../src/tools/tool-paths';
import type { KubeClient } from '../../../../src/kubernetes/client';
import { CertificateAuthority } from './certificates';
import { applyCrds, upstreamCrds } from './crds';
import { portOf } from './ports';
import { startInNetworkNamespace, type RunningNamespacedProgram } from '../operator/network-namespace';

export interface CapiPlatformOptions {
  kube: KubeClient;
  kubeconfig: string;
  /** Folder of the programs' logs and sockets (short: Unix socket paths are limited). */
  dir: string;
  /** Namespace cert-manager keeps the resources of cluster-scoped issuers in, and the operator's own namespace. */
  namespace: string;
  /** Limit the operator to the providers of one namespace (the tests: a control plane of their own is not needed). */
  watchNamespace?: string;
}

export interface RunningCapiPlatform {
  programs: RunningNamespacedProgram[];
  stop(): Promise<void>;
}

const TOOL = 'capi-operator';

/** What the platform needs from `npm run tools` (checked before a sandbox starts, with the command that installs it). */
export function checkCapiPlatformTools(): void {
  for (const key of ['CAPI_OPERATOR_MANAGER', 'CERT_MANAGER_CONTROLLER', 'CERT_MANAGER_CAINJECTOR']) toolPath(key, TOOL);
  upstreamCrds('certManager');
  upstreamCrds('capiOperator');
}

export async function startCapiPlatform(opts: CapiPlatformOptions): Promise<RunningCapiPlatform> {
  await applyCrds(opts.kube, [...upstreamCrds('certManager'), ...upstreamCrds('capiOperator')]);
  const apiPort = portOf(opts.kube.server);
  const env = { PATH: process.env.PATH, KUBECONFIG: opts.kubeconfig };
  const programs: RunningNamespacedProgram[] = [];
  const start = async (name: string, command: string, args: string[]) => {
    programs.push(await startInNetworkNamespace({ name, command, args, env, dir: join(opts.dir, name), reach: [apiPort], serve: [] }));
  };
  try {
    await start('cert-manager', toolPath('CERT_MANAGER_CONTROLLER', TOOL), [
      `--kubeconfig=${opts.kubeconfig}`,
      '--leader-elect=false',
      `--cluster-resource-namespace=${opts.namespace}`,
      // The ACME solvers and ingress shims need what a sandbox has not (internet, ingress controllers).
      '--controllers=*,-ingress-shim,-gateway-shim',
    ]);
    await start('cert-manager-cainjector', toolPath('CERT_MANAGER_CAINJECTOR', TOOL), [`--kubeconfig=${opts.kubeconfig}`, '--leader-elect=false']);
    // Its webhook server will not start without a serving certificate, though nothing calls it here.
    const certDir = join(opts.dir, 'capi-operator-certs');
    mkdirSync(certDir, { recursive: true });
    const serving = CertificateAuthority.create('cozy-sandbox-capi-operator').issueServing('capi-operator-webhook', { ips: ['127.0.0.1'], dnsNames: ['localhost'] });
    writeFileSync(join(certDir, 'tls.crt'), serving.certPem);
    writeFileSync(join(certDir, 'tls.key'), serving.keyPem, { mode: 0o600 });
    await start('capi-operator', toolPath('CAPI_OPERATOR_MANAGER', TOOL), [
      `--kubeconfig=${opts.kubeconfig}`,
      '--leader-elect=false',
      `--webhook-cert-dir=${certDir}`,
      ...(opts.watchNamespace ? [`--namespace=${opts.watchNamespace}`] : []),
    ]);
  } catch (err) {
    await Promise.all(programs.map((p) => p.stop()));
    throw err;
  }
  return {
    programs,
    stop: async () => {
      await Promise.all(programs.map((p) => p.stop()));
    },
  };
}
