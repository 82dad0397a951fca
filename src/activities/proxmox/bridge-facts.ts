// What proxmox.bridges and step2.bridges read of a node's network: its Linux and OVS bridges.
import type { ProxmoxClient } from '../../proxmox/client';
import { type NetworkInterface, truthy } from '../../proxmox/types';

export const BRIDGE_TYPES = new Set(['bridge', 'OVSBridge']);

export async function bridgesOn(client: ProxmoxClient, node: string): Promise<NetworkInterface[]> {
  // Filtered here rather than with ?type=any_bridge, which older servers do not know.
  return (await client.networks(node)).filter((i) => BRIDGE_TYPES.has(i.type));
}

export function describeBridges(bridges: NetworkInterface[]): string {
  if (bridges.length === 0) return 'none';
  return bridges.map((b) => `${b.iface}${truthy(b.active) ? '' : ' (inactive)'}`).join(', ');
}
