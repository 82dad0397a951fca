// Node network configuration: changes are written as pending (interfaces.new) and applied by a reload task.
import { ApiError, fail } from '../errors';
import type { Router } from '../router';
import type { NetworkInterface, NodeState } from '../state';

function pending(node: NodeState): Map<string, NetworkInterface> {
  if (!node.pendingNetwork) node.pendingNetwork = new Map([...node.network].map(([k, v]) => [k, { ...v }]));
  return node.pendingNetwork;
}

function render(i: NetworkInterface, running: NetworkInterface | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    iface: i.iface,
    type: i.type,
    method: i.cidr ? 'static' : 'manual',
    method6: 'manual',
    families: ['inet'],
    priority: 3,
    active: running?.active ? 1 : 0,
  };
  if (i.autostart) out.autostart = 1;
  if (i.cidr) {
    out.cidr = i.cidr;
    const [address, bits] = i.cidr.split('/');
    out.address = address;
    const mask = bits ? (0xffffffff << (32 - Number(bits))) >>> 0 : 0;
    out.netmask = [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.');
  }
  if (i.gateway) out.gateway = i.gateway;
  if (i.type === 'bridge') {
    out.bridge_ports = i.bridge_ports ?? '';
    out.bridge_stp = 'off';
    out.bridge_fd = '0';
    if (i.bridge_vlan_aware) out.bridge_vlan_aware = 1;
  }
  if (i.type === 'eth') out.exists = 1;
  if (i.comments) out.comments = i.comments;
  return out;
}

function diff(node: NodeState): string | undefined {
  if (!node.pendingNetwork) return undefined;
  const lines: string[] = [];
  for (const [name, i] of node.pendingNetwork) {
    const old = node.network.get(name);
    if (!old) lines.push(`+auto ${name}`, `+iface ${name} inet ${i.cidr ? 'static' : 'manual'}`);
    else if (JSON.stringify(old) !== JSON.stringify({ ...i, active: old.active })) lines.push(` iface ${name}`);
  }
  for (const name of node.network.keys()) if (!node.pendingNetwork.has(name)) lines.push(`-iface ${name}`);
  return lines.length ? `--- /etc/network/interfaces\n+++ /etc/network/interfaces.new\n${lines.join('\n')}\n` : undefined;
}

const TYPE_GROUPS: Record<string, string[]> = {
  any_bridge: ['bridge', 'OVSBridge'],
  any_local_bridge: ['bridge', 'OVSBridge'],
};

export function registerNetwork(r: Router): void {
  r.add('GET /nodes/{node}/network', ({ sim, params, attributes }) => {
    const node = sim.node(params.node as string);
    const type = params.type as string | undefined;
    const config = node.pendingNetwork ?? node.network;
    const changes = diff(node);
    if (changes) attributes.changes = changes;
    return [...config.values()]
      .filter((i) => !type || i.type === type || TYPE_GROUPS[type]?.includes(i.type))
      .map((i) => render(i, node.network.get(i.iface)));
  });

  r.add('GET /nodes/{node}/network/{iface}', ({ sim, params }) => {
    const node = sim.node(params.node as string);
    const config = node.pendingNetwork ?? node.network;
    const i = config.get(params.iface as string);
    if (!i) throw new ApiError(400, 'Parameter verification failed.\n', { iface: 'interface does not exist' });
    return render(i, node.network.get(i.iface));
  });

  r.add('POST /nodes/{node}/network', ({ sim, params }) => {
    const node = sim.node(params.node as string);
    const iface = params.iface as string;
    const config = pending(node);
    if (config.has(iface)) throw new ApiError(400, 'Parameter verification failed.\n', { iface: 'interface already exists' });
    const type = params.type as string;
    if (type === 'bridge' && !/^vmbr\d+$/.test(iface) && !/^[a-z][a-z0-9_]{1,20}$/.test(iface)) fail(`invalid bridge name '${iface}'`);
    const cidr = (params.cidr as string | undefined) ?? (params.address && params.netmask ? `${params.address}/${maskBits(String(params.netmask))}` : undefined);
    config.set(iface, {
      iface,
      type,
      active: false,
      autostart: params.autostart === undefined ? false : String(params.autostart) === '1' || params.autostart === true,
      cidr,
      gateway: params.gateway as string | undefined,
      bridge_ports: params.bridge_ports as string | undefined,
      bridge_vlan_aware: params.bridge_vlan_aware === undefined ? undefined : String(params.bridge_vlan_aware) === '1' || params.bridge_vlan_aware === true,
      comments: params.comments as string | undefined,
    });
    return null;
  });

  r.add('DELETE /nodes/{node}/network/{iface}', ({ sim, params }) => {
    const node = sim.node(params.node as string);
    const config = pending(node);
    if (!config.delete(params.iface as string)) throw new ApiError(400, 'Parameter verification failed.\n', { iface: 'interface does not exist' });
    return null;
  });

  r.add('DELETE /nodes/{node}/network', ({ sim, params }) => {
    sim.node(params.node as string).pendingNetwork = null;
    return null;
  });

  r.add('PUT /nodes/{node}/network', ({ sim, params, authid }) => {
    const node = sim.node(params.node as string);
    return sim.tasks.start(node.name, 'srvreload', 'networking', authid, async (task) => {
      task.log('waiting for ifupdown2 reload');
      await task.sleep(1.5);
      const next = node.pendingNetwork ?? node.network;
      for (const i of next.values()) i.active = i.autostart || node.network.get(i.iface)?.active === true;
      node.network = new Map([...next].map(([k, v]) => [k, { ...v }]));
      node.pendingNetwork = null;
      await task.sleep(0.5);
    });
  });
}

function maskBits(mask: string): number {
  return mask.split('.').reduce((bits, octet) => bits + Number(octet).toString(2).split('').filter((b) => b === '1').length, 0);
}
