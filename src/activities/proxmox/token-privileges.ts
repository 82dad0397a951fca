// step1.token-privileges: the API token holds every privilege the Cluster API provider and the CSI plugin need.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { comparePrivileges } from '../../proxmox/required-privileges';
import { fail, FailureType } from '../common/failures';
import { runProxmoxStep, skipped } from './step-context';
import { serverVersion } from './version';
import { defineStep } from '../../catalogue/define-step';

export function step1TokenPrivileges(input: StepInput): Promise<StepOutcome> {
  const token = input.config.proxmox.token;
  if (!token) {
    return Promise.resolve(skipped('no proxmox.token configured: token privileges not checked'));
  }
  return runProxmoxStep(input, 'token', async (client) => {
    const version = serverVersion(await client.version());
    // With privilege separation the server answers with the intersection of the token's and its user's rights.
    const permissions = await client.permissions();
    const result = comparePrivileges(permissions, version);
    if (result.missing.length > 0) {
      const lines = result.missing.map((m) => `${m.privilege} (needed by ${m.neededBy.join(' and ')})`);
      throw fail(
        FailureType.Permission,
        `API token ${token.id} lacks ${result.missing.map((m) => m.privilege).join(', ')}: grant them to the token ` +
          '(and, with privilege separation, to its user), e.g. with a role on / or on the VM pool and storage',
        lines,
      );
    }
    const details = [`privileges checked against the needs of the Cluster API provider (CAPMOX) and proxmox-csi-plugin`];
    if (result.notApplicable.length > 0) {
      details.push(`not applicable to Proxmox VE ${version}: ${result.notApplicable.join(', ')}`);
    }
    const checked = Object.keys(result.grantedAt).length;
    return {
      status: 'passed',
      message: `API token ${token.id} holds every privilege the provider and CSI need`,
      details,
      metrics: { privilegesHeld: checked, paths: Object.keys(permissions).length },
      outputs: { tokenId: token.id },
    };
  });
}

export const step1TokenPrivilegesStep = defineStep({
  id: 'step1.token-privileges',
  phase: 'basic-integration',
  group: 'step1-api-connection',
  title: 'API token privileges cover the Cluster API provider and CSI',
  dependsOn: ['step1.token-auth'],
  blocking: true,
  run: step1TokenPrivileges,
});
