// step2.bridges: the bridge VMs will attach to exists, is a bridge and is active.
import { defineStep } from '../../catalogue/define-step';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { truthy } from '../../proxmox/types';
import { checkFailed } from '../common/failures';
import { BRIDGE_TYPES, describeBridges } from './bridge-facts';
import { runProxmoxStep } from './step-context';

export function step2Bridges(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  return runProxmoxStep(input, 'preferred', async (client) => {
    const all = await client.networks(cfg.node);
    const bridge = all.find((i) => i.iface === cfg.bridge);
    if (!bridge) {
      throw checkFailed(
        `bridge ${cfg.bridge} (proxmox.bridge) does not exist on node ${cfg.node} ` +
          `(bridges: ${describeBridges(all.filter((i) => BRIDGE_TYPES.has(i.type)))}): create it or set proxmox.createBridge`,
      );
    }
    if (!BRIDGE_TYPES.has(bridge.type)) {
      throw checkFailed(`${cfg.bridge} on ${cfg.node} is a ${bridge.type}, not a bridge: VMs attach only to bridges`);
    }
    if (!truthy(bridge.active)) {
      throw checkFailed(`bridge ${cfg.bridge} on ${cfg.node} is not active: apply the pending network configuration`);
    }
    const details = [
      `${cfg.bridge}: type ${bridge.type}, ports ${bridge.bridge_ports || 'none'}${bridge.cidr ? `, ${bridge.cidr}` : ''}`,
    ];
    if (!bridge.bridge_ports) details.push(`${cfg.bridge} has no physical port: VMs on it reach only this node`);
    return {
      status: 'passed',
      message: `VMs can attach to ${cfg.bridge} on ${cfg.node} (active ${bridge.type})`,
      details,
      outputs: { bridge: cfg.bridge, node: cfg.node },
    };
  });
}

export const step2BridgesStep = defineStep({
  id: 'step2.bridges',
  phase: 'basic-integration',
  group: 'step2-network-storage',
  title: 'Bridge for VMs present and active',
  // After step2.create-bridge when the run creates the bridge.
  dependsOn: ['step2.create-bridge'],
  blocking: true,
  component: 'Proxmox network',
  run: step2Bridges,
});
