// What the worker steps share: skipped with the reason when the config has no ssh section, a Kubernetes client with
// the usual error classification.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeClient } from '../../kubernetes/client';
import { runKubernetesStep } from '../kubernetes/step-context';
import { workerSsh, type WorkerSsh } from './settings';

export const NO_SSH_REASON = 'config has no ssh section: joining the Proxmox host as a worker needs SSH access to it (ssh.host, ssh.privateKey, ssh.hostKeyFingerprint)';

export function runWorkerStep(input: StepInput, action: string, body: (client: KubeClient, ssh: WorkerSsh) => Promise<StepOutcome>): Promise<StepOutcome> {
  const ssh = workerSsh(input.config);
  if (!ssh) return Promise.resolve({ status: 'skipped', message: NO_SSH_REASON });
  return runKubernetesStep(input, action, (client) => body(client, ssh));
}
