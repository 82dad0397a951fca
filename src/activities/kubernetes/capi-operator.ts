// kubernetes.capi-operator: cluster-api-operator is installed (its CRDs) and a CoreProvider is Ready, so the
// Proxmox InfrastructureProvider of phase 2 has a Cluster API core to join. A CoreProvider that is still installing
// is given a short while (watched, with heartbeats) before the step fails.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { CAPI_OPERATOR_API, CORE_PROVIDER, CORE_PROVIDER_CRD, crdRef, INFRASTRUCTURE_PROVIDER_CRD } from '../../kubernetes/cozystack';
import { conditionIsTrue, describeConditions } from '../../kubernetes/conditions';
import { refOf, type KubeObject } from '../../kubernetes/types';
import { waitForCondition } from '../../kubernetes/wait';
import { checkFailed } from '../common/failures';
import { cancellationSignal, heartbeat, runKubernetesStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';

/** How long a CoreProvider that is not Ready yet is watched before the step fails. */
export const CORE_PROVIDER_GRACE_MS = 30_000;

const INSTALL_HINT =
  'install cluster-api-operator (CozyStack ships it as the cozy-capi-operator release; upstream: the cluster-api-operator Helm chart) ' +
  `and create a CoreProvider, e.g. \`${CORE_PROVIDER.name}\` in namespace ${CORE_PROVIDER.namespace}`;

export function kubernetesCapiOperator(input: StepInput): Promise<StepOutcome> {
  return runKubernetesStep(input, 'read the cluster-api-operator providers', async (client) => {
    const missingCrds: string[] = [];
    for (const name of [CORE_PROVIDER_CRD, INFRASTRUCTURE_PROVIDER_CRD]) if (!(await client.find(crdRef(name)))) missingCrds.push(name);
    if (missingCrds.length > 0) {
      throw checkFailed(`cluster-api-operator is not installed: CRD ${missingCrds.join(' and ')} missing; ${INSTALL_HINT}`);
    }
    const providers = await client.list(CAPI_OPERATOR_API, 'CoreProvider');
    if (providers.length === 0) {
      throw checkFailed(`cluster-api-operator is installed but no CoreProvider exists: ${INSTALL_HINT}`);
    }
    let ready: KubeObject | undefined = providers.find((p) => conditionIsTrue(p, 'Ready'));
    if (!ready) {
      const candidate = providers[0];
      try {
        ready = await waitForCondition(client, refOf(candidate), 'Ready', {
          timeoutMs: CORE_PROVIDER_GRACE_MS,
          onEvent: (e) => heartbeat({ coreProvider: candidate.metadata.name, event: e.type, elapsedMs: e.elapsedMs }),
          signal: cancellationSignal(),
        });
      } catch {
        const seen = providers.map((p) => `${p.metadata.namespace}/${p.metadata.name}: ${describeConditions(p)}`);
        throw checkFailed(
          `no CoreProvider is Ready (${seen.join('; ')}): check the operator's logs in its namespace and the provider's conditions with \`kubectl describe coreprovider -A\``,
          seen,
        );
      }
    }
    const p = ready as KubeObject;
    const version = String((p.status as { installedVersion?: string } | undefined)?.installedVersion ?? (p.spec as { version?: string } | undefined)?.version ?? 'unknown');
    return {
      status: 'passed',
      message: `cluster-api-operator installed; CoreProvider ${p.metadata.namespace}/${p.metadata.name} Ready (Cluster API ${version})`,
      outputs: { coreProvider: `${p.metadata.namespace}/${p.metadata.name}`, capiVersion: version },
    };
  });
}

export const kubernetesCapiOperatorStep = defineStep({
  id: 'kubernetes.capi-operator',
  phase: 'preparation',
  title: 'cluster-api-operator installed with a Ready CoreProvider',
  dependsOn: ['kubernetes.version'],
  blocking: true,
  // Waits up to 30 s for a CoreProvider that is still installing, heartbeating meanwhile.
  startToCloseSeconds: 90,
  run: kubernetesCapiOperator,
});
