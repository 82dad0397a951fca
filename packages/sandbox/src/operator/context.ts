// What every controller of the sandbox operator receives. The sandbox operator runs, against the Proxmox simulator
// and the sandbox's real control plane, the real programs a cluster would run (cert-manager and cluster-api-operator;
// the Cluster API managers, the Proxmox CSI controller and prometheus-pve-exporter for their pods), and plays what
// cannot run here (the CSI node side, a kubelet stopping with its VM). It talks to both through
// their public APIs only.
import type { KubeClient } from '../../../../src/kubernetes/client';

export interface OperatorProxmox {
  /** API root of the simulator, e.g. https://127.0.0.1:8006 */
  url: string;
  /** CA that signed the simulator's certificate (verified like a real controller with a custom CA). */
  caFile?: string;
}

/** The User-Agent of the operator's Proxmox calls: the simulator's request log tells them from the run's. */
export const OPERATOR_USER_AGENT = 'cozy-proxmox-sandbox-operator';

export interface OperatorContext {
  kube: KubeClient;
  kubeconfig: string;
  proxmox: OperatorProxmox;
  /** Where programs run for pods (csi-controller-pod.ts) keep their folders and logs. */
  podsDir: string;
  /** Seconds between two passes of a polling reconciler (the sandbox uses 0.5). */
  resyncSeconds: number;
  log(controller: string, message: string): void;
}

/** A running controller; stop() resolves once its loop has ended. */
export interface RunningController {
  name: string;
  stop(): Promise<void>;
}

export type StartController = (ctx: OperatorContext) => Promise<RunningController>;
