// proxmox.bridges (assessment) and step2.bridges (the bridge VMs will use): Linux bridges present and active.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { ProxmoxClient } from '../../proxmox/client';
import { NetworkInterface, truthy } from '../../proxmox/types';
import { checkFailed } from '../common/failures';
import { runProxmoxStep } from './step-context';

const BRIDGE_TYPES = new Set(['bridge', 'OVSBridge']);

async function bridgesOn(client: ProxmoxClient, node: string): Promise<NetworkInterface[]> {
  // Filtered here rather than with ?type=any_bridge, which older servers do not know.
  return (await client.networks(node)).filter((i) => BRIDGE_TYPES.has(i.type));
}

function describe(bridges: NetworkInterface[]): string {
  if (bridges.length === 0) return 'none';
  return bridges.map((b) => `${b.iface}${truthy(b.active) ? '' : ' (inactive)'}`).join(', ');
}

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
        `bridge ${missing.join(' and ')} is missing on node ${cfg.node} (bridges found: ${describe(bridges)}): ` +
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
    const details = [`bridges on ${cfg.node}: ${describe(bridges)}`];
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

export function step2Bridges(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  return runProxmoxStep(input, 'preferred', async (client) => {
    const all = await client.networks(cfg.node);
    const bridge = all.find((i) => i.iface === cfg.bridge);
    if (!bridge) {
      throw checkFailed(
        `bridge ${cfg.bridge} (proxmox.bridge) does not exist on node ${cfg.node} ` +
          `(bridges: ${describe(all.filter((i) => BRIDGE_TYPES.has(i.type)))}): create it or set proxmox.createBridge`,
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
