// The settings of one join, from the command line (`kubeadm join ENDPOINT --token ... --discovery-token-ca-cert-hash
// ...`) or from a JoinConfiguration file (`--config FILE`, /dev/stdin included), as kubeadm reads them.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse } from 'yaml';
import { KubeadmError, type ParsedArgs } from './args';
import type { NodeTaint } from '../../kubernetes/fake-node';

export interface JoinSettings {
  endpoint: string;
  token: string;
  caCertHashes: string[];
  nodeName: string;
  criSocket: string;
  kubeletExtraArgs: Record<string, string>;
  taints: NodeTaint[];
  discoveryTimeoutMs: number;
  tlsBootstrapTimeoutMs: number;
}

interface JoinConfigurationDoc {
  apiVersion?: string;
  kind?: string;
  discovery?: { bootstrapToken?: { apiServerEndpoint?: string; token?: string; caCertHashes?: string[] }; timeout?: string; tlsBootstrapToken?: string };
  nodeRegistration?: {
    name?: string;
    criSocket?: string;
    taints?: NodeTaint[];
    kubeletExtraArgs?: { name: string; value: string }[] | Record<string, string>;
  };
  timeouts?: { discovery?: string; tlsBootstrap?: string };
}

function durationMs(text: string | undefined, fallback: number): number {
  if (!text) return fallback;
  const m = /^(\d+)(ms|s|m)$/.exec(text);
  if (!m) throw new KubeadmError(`invalid duration "${text}"`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
}

function fromConfigFile(file: string): JoinSettings {
  let text: string;
  try {
    text = file === '/dev/stdin' || file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (err) {
    throw new KubeadmError(`unable to read config from "${file}": ${(err as Error).message}`);
  }
  const docs = text.split(/^---\s*$/m).map((d) => parse(d) as JoinConfigurationDoc | null);
  const doc = docs.find((d) => d?.kind === 'JoinConfiguration');
  if (!doc) throw new KubeadmError(`no JoinConfiguration in "${file}"`);
  if (!doc.apiVersion?.startsWith('kubeadm.k8s.io/')) throw new KubeadmError(`unsupported apiVersion "${doc.apiVersion}" for JoinConfiguration`);
  const bt = doc.discovery?.bootstrapToken;
  if (!bt?.apiServerEndpoint || !bt.token) throw new KubeadmError('discovery.bootstrapToken needs apiServerEndpoint and token');
  const extra = doc.nodeRegistration?.kubeletExtraArgs ?? [];
  const extraArgs = Array.isArray(extra) ? Object.fromEntries(extra.map((a) => [a.name, a.value])) : extra;
  return {
    endpoint: bt.apiServerEndpoint,
    token: bt.token,
    caCertHashes: bt.caCertHashes ?? [],
    nodeName: doc.nodeRegistration?.name ?? hostname().toLowerCase(),
    criSocket: doc.nodeRegistration?.criSocket ?? 'unix:///var/run/containerd/containerd.sock',
    kubeletExtraArgs: extraArgs,
    taints: doc.nodeRegistration?.taints ?? [],
    discoveryTimeoutMs: durationMs(doc.timeouts?.discovery ?? doc.discovery?.timeout, 300_000),
    tlsBootstrapTimeoutMs: durationMs(doc.timeouts?.tlsBootstrap, 300_000),
  };
}

function fromFlags(args: ParsedArgs, endpoint: string | undefined): JoinSettings {
  const token = args.flags.get('discovery-token') ?? args.flags.get('token');
  if (!endpoint) throw new KubeadmError('the API server endpoint is required: kubeadm join HOST:PORT ...');
  if (!token) throw new KubeadmError('--token (or --discovery-token) is required for token discovery');
  const hashes = args.flags.get('discovery-token-ca-cert-hash');
  if (!hashes && !args.flags.has('discovery-token-unsafe-skip-ca-verification')) {
    throw new KubeadmError('using token-based discovery without caCertHashes can be unsafe. Set --discovery-token-ca-cert-hash');
  }
  return {
    endpoint,
    token,
    caCertHashes: hashes ? hashes.split(',') : [],
    nodeName: args.flags.get('node-name') ?? hostname().toLowerCase(),
    criSocket: args.flags.get('cri-socket') ?? 'unix:///var/run/containerd/containerd.sock',
    kubeletExtraArgs: {},
    taints: [],
    discoveryTimeoutMs: 300_000,
    tlsBootstrapTimeoutMs: 300_000,
  };
}

export function joinSettings(args: ParsedArgs, endpoint: string | undefined): JoinSettings {
  const config = args.flags.get('config');
  if (config) {
    const mixed = ['token', 'discovery-token', 'discovery-token-ca-cert-hash', 'node-name'].filter((f) => args.flags.has(f));
    if (mixed.length > 0) throw new KubeadmError(`can not mix '--config' with arguments [${mixed.join(' ')}]`);
    return fromConfigFile(config);
  }
  return fromFlags(args, endpoint);
}
