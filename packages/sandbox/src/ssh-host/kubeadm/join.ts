// `kubeadm join`: preflight, token discovery, the kubelet's TLS bootstrap and node registration, then the files a
// joined host has (kubelet.conf, the cluster CA) and a record of the join.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { type ParsedArgs } from './args';
import { discover } from './discovery';
import type { HostPaths } from './host-paths';
import { joinSettings } from './join-config';
import { ignoredChecks, runPreflight } from './preflight';
import { parseLabels, parseTaints, registerNode } from './register-node';
import { recordInState } from './state';
import { tlsBootstrap, type NodeCredentials } from './tls-bootstrap';

function write(path: string, text: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode });
}

function kubeletKubeconfig(server: string, caPem: string, nodeName: string, clientPem: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default-cluster', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'default-auth', user: { 'client-certificate': clientPem, 'client-key': clientPem } }],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', user: 'default-auth', namespace: 'default' } }],
    'current-context': 'default-context',
    preferences: {},
  }).replace(/^/, `# kubelet credentials of node ${nodeName}\n`);
}

function writeJoinedFiles(paths: HostPaths, server: string, caPem: string, nodeName: string, creds: NodeCredentials): void {
  write(paths.pkiCa, caPem, 0o644);
  write(paths.kubeletClientPem, creds.certPem + creds.keyPem);
  write(paths.kubeletConf, kubeletKubeconfig(server, caPem, nodeName, paths.kubeletClientPem));
}

export async function joinPreflight(args: ParsedArgs, endpoint: string | undefined, paths: HostPaths, log: (l: string) => void): Promise<void> {
  const settings = joinSettings(args, endpoint);
  runPreflight(paths, settings.criSocket, ignoredChecks(args.flags.get('ignore-preflight-errors')), log);
}

export async function join(args: ParsedArgs, endpoint: string | undefined, paths: HostPaths, log: (l: string) => void): Promise<void> {
  const s = joinSettings(args, endpoint);
  runPreflight(paths, s.criSocket, ignoredChecks(args.flags.get('ignore-preflight-errors')), log);
  const { server, caPem } = await discover(s.endpoint, s.token, s.caCertHashes, s.discoveryTimeoutMs, log);
  const creds = await tlsBootstrap(server, caPem, s.token, s.nodeName, s.tlsBootstrapTimeoutMs, log);
  log('[kubelet-start] Starting the kubelet');
  const registered = await registerNode(server, caPem, creds, {
    nodeName: s.nodeName,
    labels: parseLabels(s.kubeletExtraArgs['node-labels'] ?? ''),
    taints: [...s.taints, ...parseTaints(s.kubeletExtraArgs['register-with-taints'] ?? '')],
    criSocket: s.criSocket,
  });
  writeJoinedFiles(paths, server, caPem, s.nodeName, creds);
  recordInState(paths.state, (state) => state.joins.push({ nodeName: s.nodeName, server, at: new Date().toISOString() }));
  if (registered === 'existed') log(`[kubelet-start] Node ${s.nodeName} was already registered; the kubelet took it over`);
  log('');
  log('This node has joined the cluster:');
  log('* Certificate signing request was sent to apiserver and a response was received.');
  log('* The Kubelet was informed of the new secure connection details.');
  log('');
  log("Run 'kubectl get nodes' on the control-plane to see this node join the cluster.");
}
