// proxmox.version: the API answers and the server is recent enough for the provider and CSI.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { versionAtLeast } from '../../proxmox/required-privileges';
import { fail, FailureType } from '../common/failures';
import { runProxmoxStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';

/** "8.2.4", "7.4-3", "6.4-13" → "8.2.4" etc.; the release ("8.2") when the version is missing. */
export function serverVersion(info: { version?: string; release?: string }): string {
  return (info.version || info.release || '').trim();
}

export function proxmoxVersion(input: StepInput): Promise<StepOutcome> {
  const min = input.config.proxmox.thresholds.minVersion;
  return runProxmoxStep(input, 'preferred', async (client) => {
    const info = await client.version();
    const found = serverVersion(info);
    if (!/^\d+\.\d+/.test(found)) {
      throw fail(FailureType.Version, `GET /version answered "${found}", which is not a Proxmox VE version`);
    }
    if (!versionAtLeast(found, min)) {
      throw fail(
        FailureType.Version,
        `Proxmox VE ${found} is older than the required ${min}: upgrade the cluster to ${min} or later ` +
          '(the Cluster API provider and the CSI plugin rely on its API)',
      );
    }
    return {
      status: 'passed',
      message: `Proxmox VE ${found} (release ${info.release}) meets the minimum ${min}`,
      outputs: { version: found, release: info.release ?? '' },
    };
  });
}

export const proxmoxVersionStep = defineStep({
  id: 'proxmox.version',
  phase: 'preparation',
  title: 'Proxmox VE version is supported',
  blocking: true,
  run: proxmoxVersion,
});
