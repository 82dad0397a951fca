// The step-8 steps talk to both APIs in one body: a Kubernetes client from the Kubernetes step context and a Proxmox
// client from the Proxmox one, each error classified by the side it came from (common/to-failure.ts), the client always closed.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeClient } from '../../kubernetes/client';
import type { ProxmoxClient } from '../../proxmox/client';
import { runKubernetesStep } from '../kubernetes/step-context';
import { clientFor } from '../proxmox/step-context';

export function runE2eStep(input: StepInput, action: string, body: (kube: KubeClient, px: ProxmoxClient) => Promise<StepOutcome>): Promise<StepOutcome> {
  return runKubernetesStep(input, action, async (kube) => {
    const px = await clientFor(input);
    try {
      return await body(kube, px);
    } finally {
      px.close();
    }
  });
}
