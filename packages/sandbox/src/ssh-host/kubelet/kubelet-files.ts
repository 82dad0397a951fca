// What the kubelet reads at start on a kubeadm-style host, as the kubelet package's systemd drop-in passes it:
// --config=/var/lib/kubelet/config.yaml, the flags in /var/lib/kubelet/kubeadm-flags.env, the runtime endpoint in
// /var/lib/kubelet/instance-config.yaml, --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf and
// --kubeconfig=/etc/kubernetes/kubelet.conf. `kubeadm join` writes these files, and so does step4.join on a cluster
// kubeadm cannot join (Talos).
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseLabelList } from '../../../../../src/activities/worker-host/label-list';
import type { HostPaths } from './host-paths';

export interface KubeletSettings {
  nodeName: string;
  labels: Record<string, string>;
  taints: string;
  runtimeEndpoint: string;
  healthzAddress: string;
  healthzPort: number;
}

/** The flags of KUBELET_KUBEADM_ARGS="--a=b --c=d" (values never contain spaces in what kubeadm writes). */
export function parseFlagsEnv(text: string): Map<string, string> {
  const m = /KUBELET_KUBEADM_ARGS="([^"]*)"/.exec(text);
  const flags = new Map<string, string>();
  for (const word of (m?.[1] ?? '').split(/\s+/).filter(Boolean)) {
    const body = word.replace(/^--/, '');
    const eq = body.indexOf('=');
    flags.set(eq >= 0 ? body.slice(0, eq) : body, eq >= 0 ? body.slice(eq + 1) : 'true');
  }
  return flags;
}

function yamlFile(path: string): Record<string, unknown> {
  return (parse(readFileSync(path, 'utf8')) ?? {}) as Record<string, unknown>;
}

/** Throws, as the kubelet exits, when the configuration file is missing: systemd restarts it until it appears. */
export function readKubeletSettings(paths: HostPaths, hostname: string): KubeletSettings {
  if (!existsSync(paths.kubeletConfig)) throw new Error(`failed to load kubelet config file, path: ${paths.shown(paths.kubeletConfig)}: no such file`);
  const config = yamlFile(paths.kubeletConfig);
  const flags = existsSync(paths.kubeletFlagsEnv) ? parseFlagsEnv(readFileSync(paths.kubeletFlagsEnv, 'utf8')) : new Map<string, string>();
  const instance = existsSync(paths.instanceConfig) ? yamlFile(paths.instanceConfig) : {};
  return {
    nodeName: (flags.get('hostname-override') ?? hostname).toLowerCase(),
    labels: parseLabelList(flags.get('node-labels') ?? ''),
    taints: flags.get('register-with-taints') ?? '',
    runtimeEndpoint: flags.get('container-runtime-endpoint') ?? String(instance.containerRuntimeEndpoint ?? config.containerRuntimeEndpoint ?? ''),
    healthzAddress: String(config.healthzBindAddress ?? '127.0.0.1'),
    healthzPort: Number(config.healthzPort ?? 10248),
  };
}

interface Kubeconfig {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
  users?: { user?: { token?: string; 'client-certificate'?: string; 'client-key'?: string } }[];
}

export interface KubeconfigFile {
  server: string;
  caPem: string;
  token?: string;
  clientCertFile?: string;
}

export function readKubeconfig(path: string): KubeconfigFile {
  const doc = yamlFile(path) as Kubeconfig;
  const cluster = doc.clusters?.[0]?.cluster ?? {};
  const user = doc.users?.[0]?.user ?? {};
  if (!cluster.server || !cluster['certificate-authority-data']) throw new Error(`${path}: no server or certificate-authority-data`);
  return {
    server: cluster.server,
    caPem: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'),
    ...(user.token ? { token: user.token } : {}),
    ...(user['client-certificate'] ? { clientCertFile: user['client-certificate'] } : {}),
  };
}
