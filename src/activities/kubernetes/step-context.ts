// What every Kubernetes step shares: a client from config.kubernetes (kubeconfig path or the default loading rules,
// context), heartbeats when running as an activity, and errors mapped to the failure classification.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { KubeClient } from '../../kubernetes/client';
import { cancellationSignal, heartbeat } from '../common/activity-context';
import { clientFactories } from '../common/clients';
import { toFailure } from '../common/to-failure';

export { cancellationSignal, heartbeat };

export function connect(input: StepInput): Promise<KubeClient> {
  const k = input.config.kubernetes;
  return clientFactories().kubernetes({ kubeconfig: k.kubeconfig, context: k.context });
}

/**
 * Runs a step body with a client. `action` names what the step does, for the message of an unclassified error
 * ("cannot <action>: ..."). A wait that timed out is a failed check (retried in an undo): the message says what was last seen.
 */
export async function runKubernetesStep(input: StepInput, action: string, body: (client: KubeClient) => Promise<StepOutcome>): Promise<StepOutcome> {
  try {
    const client = await connect(input);
    return await body(client);
  } catch (err) {
    // A cancellation is reported as such by the step wrapper, whatever the interrupted call threw.
    throw toFailure(err, action);
  }
}
