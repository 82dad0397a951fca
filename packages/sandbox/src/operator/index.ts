// Starts the sandbox operator's controllers in one process (or in a test) and stops them together.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../../../src/kubernetes/client';
import type { OperatorContext, OperatorProxmox, RunningController, StartController } from './context';
import { OPERATOR_CONTROLLERS } from './controllers';
import { containerLogsDir } from './container-log';
import { startPodNetwork, type RunningPodNetwork } from '../kubernetes/pod-network';

export type { OperatorContext, RunningController } from './context';

export interface OperatorOptions {
  kubeconfig: string;
  proxmox: OperatorProxmox;
  resyncSeconds?: number;
  /** Folders of the programs run for pods (default: <tmp>/cozy-pods-<pid>). */
  podsDir?: string;
  /**
   * Serve the pod network kube-apiserver reaches pods through on this socket (kubernetes/pod-network.ts): for a
   * control plane started detached, whose starter is gone. Unset: the control plane's starter serves it.
   */
  podNetworkSocket?: string;
  /** Which controllers to run (default: all). */
  controllers?: string[];
  log?: (controller: string, message: string) => void;
}

export interface RunningOperator {
  controllers: string[];
  stop(): Promise<void>;
}

export async function startOperator(opts: OperatorOptions): Promise<RunningOperator> {
  const kube = await KubeClient.connect({ kubeconfig: opts.kubeconfig });
  const podsDir = opts.podsDir ?? join(tmpdir(), `cozy-pods-${process.pid}`);
  mkdirSync(containerLogsDir(podsDir), { recursive: true });
  const ctx: OperatorContext = {
    kube,
    kubeconfig: opts.kubeconfig,
    proxmox: opts.proxmox,
    podsDir,
    resyncSeconds: opts.resyncSeconds ?? 0.5,
    log: opts.log ?? ((c, m) => console.log(`${new Date().toISOString()} [${c}] ${m}`)),
  };
  const chosen = Object.entries(OPERATOR_CONTROLLERS).filter(([name]) => !opts.controllers || opts.controllers.includes(name));
  const running: RunningController[] = [];
  let podNetwork: RunningPodNetwork | undefined;
  try {
    if (opts.podNetworkSocket) podNetwork = await startPodNetwork({ socket: opts.podNetworkSocket, kubeconfig: opts.kubeconfig, log: (m) => ctx.log('pod-network', m) });
    for (const [, start] of chosen) running.push(await (start as StartController)(ctx));
  } catch (err) {
    await Promise.all(running.map((c) => c.stop()));
    await podNetwork?.stop();
    throw err;
  }
  return {
    controllers: running.map((c) => c.name),
    stop: async () => {
      await Promise.all(running.map((c) => c.stop()));
      await podNetwork?.stop();
      // A folder of our own making goes with the operator; one the caller named (the sandbox's) stays.
      if (!opts.podsDir) rmSync(ctx.podsDir, { recursive: true, force: true });
    },
  };
}
