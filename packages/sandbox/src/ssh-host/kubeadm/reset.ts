// `kubeadm reset -f`: stops what the join set up on the host and removes its files. Like kubeadm, it leaves the
// Node object in the cluster (deleting it is the cluster side's job).
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { KubeadmError, type ParsedArgs } from './args';
import { shownPath, type HostPaths } from './host-paths';
import { recordInState } from './state';

export function reset(args: ParsedArgs, paths: HostPaths, log: (l: string) => void): void {
  if (!args.switches.has('f') && !args.switches.has('force')) {
    throw new KubeadmError('kubeadm reset asks for confirmation; run it non-interactively with -f', 'preflight');
  }
  log('[reset] Stopping the kubelet service');
  const etcKubernetes = dirname(paths.kubeletConf);
  for (const dir of [paths.kubeletDir, etcKubernetes]) {
    if (existsSync(dir)) log(`[reset] Deleting contents of directories: [${shownPath(paths, dir)}]`);
    rmSync(dir, { recursive: true, force: true });
  }
  recordInState(paths.state, (state) => state.resets.push({ at: new Date().toISOString() }));
  log('The reset process does not clean CNI configuration, iptables or IPVS tables, nor the Node object in the cluster.');
}
