// The Cluster API providers the sandbox runs for real, as cluster-api-operator's provider objects name them: which
// program (built by `npm run tools`, scripts/tools/capi.sh), with which CRDs (from the components, the core's from
// its Go module) and which
// arguments — those of the provider's released Deployment, with every address on the loopback of the network
// namespace the manager runs in (network-namespace.ts). Webhooks are served as the Deployments serve them, on 9443.
import { join } from 'node:path';
import { CAPI_OPERATOR_API } from '../../../../src/kubernetes/cozystack';
import { toolPath } from '../../../../src/tools/tool-paths';
import type { CrdSource } from '../kubernetes/crds';

/** Where a manager serves inside its namespace. */
export const WEBHOOK_PORT = 9443;

export interface ProviderManager {
  /** cluster-api-operator's kind and the provider name its catalogue knows. */
  kind: 'CoreProvider' | 'InfrastructureProvider' | 'IPAMProvider';
  name: string;
  /** Short name for logs and folders. */
  short: string;
  /** The Go module (by its CRD source) whose config/crd/bases and config/webhook/manifests.yaml are the provider's. */
  module: CrdSource;
  /** Core's CRDs come with the cluster's seed (CozyStack installs them with Cluster API): not applied again. */
  installCrds: boolean;
  /** CAPMOX's machine CRDs repeat a validation rule, which server-side apply refuses: those are created/replaced. */
  crdHow: 'apply' | 'replace';
  binary: () => string;
  /** The namePrefix the core's release gives its webhook configurations (the others' components carry theirs). */
  webhookPrefix?: string;
  /** Port of /readyz inside the namespace. */
  healthPort: number;
  args(dirs: { certDir: string }, proxmox: { caFile?: string }): string[];
  /**
   * Environment beyond KUBECONFIG: the provider's configSecret variables its Deployment reads (cluster-api-operator
   * substitutes them into the components) and TMPDIR, under which controller-runtime looks for the webhook
   * certificate when the program has no flag for it (k8s-webhook-server/serving-certs).
   */
  env(config: Record<string, string>, dirs: { tmpDir: string }): NodeJS.ProcessEnv;
}

export const CERTS_UNDER_TMPDIR = join('k8s-webhook-server', 'serving-certs');

export const PROVIDER_MANAGERS: ProviderManager[] = [
  {
    kind: 'CoreProvider',
    name: 'cluster-api',
    short: 'capi',
    module: 'capi',
    installCrds: false,
    crdHow: 'apply',
    binary: () => toolPath('CAPI_MANAGER', 'capi'),
    webhookPrefix: 'capi-',
    healthPort: 9440,
    // ClusterTopology off: ClusterClass-based clusters are not used by step 3, and the topology controllers need
    // the runtime SDK's extension servers.
    args: ({ certDir }) => [
      '--leader-elect=false',
      `--webhook-port=${WEBHOOK_PORT}`,
      `--webhook-cert-dir=${certDir}`,
      '--health-addr=127.0.0.1:9440',
      '--diagnostics-address=127.0.0.1:8443',
      '--insecure-diagnostics',
      '--feature-gates=ClusterTopology=false',
    ],
    env: () => ({}),
  },
  {
    kind: 'InfrastructureProvider',
    name: 'proxmox',
    short: 'capmox',
    module: 'capmox',
    installCrds: true,
    crdHow: 'replace',
    binary: () => toolPath('CAPMOX_MANAGER', 'capi'),
    healthPort: 8081,
    args: (_dirs, proxmox) => [
      '--leader-elect=false',
      '--metrics-bind-address=127.0.0.1:8080',
      '--health-probe-bind-address=127.0.0.1:8081',
      ...(proxmox.caFile ? [`--proxmox-root-cert-file=${proxmox.caFile}`] : []),
    ],
    env: (config, { tmpDir }) => ({
      TMPDIR: tmpDir,
      PROXMOX_URL: config.PROXMOX_URL ?? '',
      PROXMOX_TOKEN: config.PROXMOX_TOKEN ?? '',
      PROXMOX_SECRET: config.PROXMOX_SECRET ?? '',
      // The simulator's certificate is checked against --proxmox-root-cert-file, never skipped.
      PROXMOX_INSECURE: 'false',
    }),
  },
  {
    kind: 'IPAMProvider',
    name: 'in-cluster',
    short: 'capi-ipam',
    module: 'capiIpam',
    installCrds: true,
    crdHow: 'apply',
    binary: () => toolPath('CAPI_IPAM_MANAGER', 'capi'),
    healthPort: 8081,
    args: ({ certDir }) => [
      '--leader-elect=false',
      '--metrics-bind-address=127.0.0.1:8080',
      '--health-probe-bind-address=127.0.0.1:8081',
      `--webhook-port=${WEBHOOK_PORT}`,
      `--webhook-cert-dir=${certDir}`,
    ],
    env: (_config, { tmpDir }) => ({ TMPDIR: tmpDir }),
  },
];

export const PROVIDER_API = CAPI_OPERATOR_API;
