// kubernetes.version: the API server answers and runs a Kubernetes recent enough for Cluster API and CozyStack.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { fail, FailureType } from '../common/failures';
import { runKubernetesStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';

/** MAJOR.MINOR of a Kubernetes version string ("v1.34.4", "1.26", "v1.26.0-eks-1234"), or undefined. */
export function parseKubernetesVersion(version: string): { major: number; minor: number } | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** True when `version` is at least `min` (MAJOR.MINOR); vendor suffixes are ignored. */
export function kubernetesVersionAtLeast(version: string, min: string): boolean {
  const found = parseKubernetesVersion(version);
  const wanted = parseKubernetesVersion(min);
  if (!found || !wanted) return false;
  return found.major > wanted.major || (found.major === wanted.major && found.minor >= wanted.minor);
}

export function kubernetesVersion(input: StepInput): Promise<StepOutcome> {
  const min = input.config.kubernetes.minVersion;
  return runKubernetesStep(input, 'read the server version (GET /version)', async (client) => {
    const info = await client.serverVersion();
    const found = info.gitVersion;
    if (!parseKubernetesVersion(found)) {
      throw fail(FailureType.Version, `GET /version on ${client.server} answered "${found}", which is not a Kubernetes version`);
    }
    if (!kubernetesVersionAtLeast(found, min)) {
      throw fail(FailureType.Version, `Kubernetes ${found} is older than the required ${min}: upgrade the cluster to ${min} or later (CozyStack and Cluster API need it)`);
    }
    return {
      status: 'passed',
      message: `Kubernetes ${found} at ${client.server} meets the minimum ${min}`,
      outputs: { version: found, server: client.server },
    };
  });
}

export const kubernetesVersionStep = defineStep({
  id: 'kubernetes.version',
  phase: 'preparation',
  title: 'Kubernetes version is supported',
  blocking: true,
  run: kubernetesVersion,
});
