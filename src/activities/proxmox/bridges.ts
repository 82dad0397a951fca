// proxmox.bridges (assessment): the bridges the run needs are present and active on the node.
import { defineStep } from '../../catalogue/define-step';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { truthy } from '../../proxmox/types';
import { checkFailed } from '../common/failures';
import { bridgesOn, describeBridges } from './bridge-facts';
import { runProxmoxStep } from './step-context';

export function proxmoxBridges(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  return runProxmoxStep(input, 'preferred', async (client) => {
    const bridges = await bridgesOn(client, cfg.node);
    // A bridge that phase 2 creates (proxmox.createBridge) is not expected yet.
    const toBeCreated = cfg.createBridge?.name;
    const required = [...new Set(['vmbr0', cfg.bridge])].filter((name) => name !== toBeCreated);
    const missing = required.filter((name) => !bridges.some((b) => b.iface === name));
    if (missing.length > 0) {
      throw checkFailed(
        `bridge ${missing.join(' and ')} is missing on node ${cfg.node} (bridges found: ${describeBridges(bridges)}): ` +
          `create it under System > Network or set proxmox.bridge to an existing bridge`,
      );
    }
    const inactive = required.filter((name) => !truthy(bridges.find((b) => b.iface === name)?.active));
    if (inactive.length > 0) {
      throw checkFailed(
        `bridge ${inactive.join(' and ')} on node ${cfg.node} is configured but not active: apply the pending network ` +
          'configuration (Apply Configuration, or ifreload -a)',
      );
    }
    const details = [`bridges on ${cfg.node}: ${describeBridges(bridges)}`];
    if (toBeCreated && !bridges.some((b) => b.iface === toBeCreated)) details.push(`${toBeCreated} will be created in step2.create-bridge`);
    return {
      status: 'passed',
      message: `bridge ${required.join(', ')} present and active on ${cfg.node}`,
      details,
      metrics: { bridges: bridges.length },
      outputs: { bridges: bridges.map((b) => b.iface).join(',') },
    };
  });
}

export const proxmoxBridgesStep = defineStep({
  id: 'proxmox.bridges',
  phase: 'preparation',
  title: 'Proxmox bridges (vmbr0+) present and active',
  dependsOn: ['proxmox.version'],
  blocking: true,
  run: proxmoxBridges,
});
