// kubernetes.test-namespace: the namespace the tests of later phases create their objects in, created if absent.
// The namespace is annotated with the workflow that created it, so a later attempt (or the compensation) knows it
// is this run's even if the attempt that created it died before recording its outputs. Its undo (at the end of the
// run, unless keepTestResources) deletes it only if this run created it.
import { z } from 'zod';
import { defineStep } from '../../catalogue/define-step';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { WaitTimeoutError, waitForObject } from '../../kubernetes/wait';
import { type KubeObject, type ObjectRef } from '../../kubernetes/types';
import { waitTimeoutFailure } from '../common/wait';
import { cancellationSignal, heartbeat, runKubernetesStep } from './step-context';

export const TEST_NAMESPACE_LABEL = 'cozy-proxmox.io/test-namespace';
export const CREATED_BY_ANNOTATION = 'cozy-proxmox.io/created-by';

const outputs = z.object({ namespace: z.string(), created: z.boolean() });

const nsRef = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Namespace', name });
const createdBy = (ns: KubeObject | undefined) => ns?.metadata.annotations?.[CREATED_BY_ANNOTATION];

export function kubernetesTestNamespace(input: StepInput): Promise<StepOutcome> {
  const name = input.config.kubernetes.testNamespace;
  return runKubernetesStep(input, `create namespace ${name}`, async (client) => {
    const existing = await client.find(nsRef(name));
    if (existing?.metadata.deletionTimestamp) {
      // Terminating (a previous run's cleanup): creating it again has to wait until it is gone; retryable.
      throw Object.assign(new Error(`namespace ${name} is still terminating`), { code: 409 });
    }
    if (existing) {
      const ours = createdBy(existing) === input.workflowId;
      return {
        status: 'passed',
        message: `namespace ${name} already exists${ours ? ' (created by this run)' : '; it is kept after the run'}`,
        outputs: { namespace: name, created: ours } satisfies z.infer<typeof outputs>,
      };
    }
    await client.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: 'true' }, annotations: { [CREATED_BY_ANNOTATION]: input.workflowId } },
    }, { force: false });
    return { status: 'passed', message: `namespace ${name} created for the integration tests`, outputs: { namespace: name, created: true } satisfies z.infer<typeof outputs> };
  });
}

/** Compensation: deletes the test namespace, only if this run created it and test resources are not kept. */
export async function kubernetesDeleteTestNamespace(input: StepInput, recorded?: z.infer<typeof outputs>): Promise<void> {
  if (input.config.keepTestResources) return;
  const name = input.config.kubernetes.testNamespace;
  await runKubernetesStep(input, `delete namespace ${name}`, async (client) => {
    const existing = await client.find(nsRef(name));
    if (!existing) return { status: 'skipped', message: `namespace ${name} is gone` };
    const ours = recorded?.created === true || createdBy(existing) === input.workflowId;
    if (!ours) return { status: 'skipped', message: `namespace ${name} was not created by this run; kept` };
    await client.delete(nsRef(name));
    try {
      await waitForObject(client, nsRef(name), (ns) => ns === undefined, {
        timeoutMs: 120_000,
        onEvent: (e) => heartbeat({ namespace: name, event: e.type, elapsedMs: e.elapsedMs }),
        signal: cancellationSignal(),
      });
    } catch (err) {
      // Deletion is under way; finalizers in the namespace may take longer: the undo is retried until it is gone.
      if (!(err instanceof WaitTimeoutError)) throw err;
      throw waitTimeoutFailure(`namespace ${name} is still terminating after 120 s`);
    }
    return { status: 'passed', message: `namespace ${name} deleted` };
  });
}

export const kubernetesTestNamespaceStep = defineStep({
  id: 'kubernetes.test-namespace',
  phase: 'preparation',
  title: 'Test namespace exists',
  dependsOn: ['kubernetes.version'],
  blocking: true,
  outputs,
  run: kubernetesTestNamespace,
  // At the end of the run (unless keepTestResources); the namespace's deletion is waited for up to 120 s.
  undo: { when: 'always', startToCloseSeconds: 180, run: kubernetesDeleteTestNamespace },
});
