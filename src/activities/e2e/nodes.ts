// The Proxmox-backed nodes of the cluster: nodes whose providerID names a VM that exists in Proxmox. The CSI driver
// hot-plugs disks into such VMs, so persistent workloads go there, and a node restart is a VM restart.
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject } from '../../kubernetes/types';
import { findCondition } from '../../kubernetes/conditions';
import type { ProxmoxClient } from '../../proxmox/client';
import { findNodeVm, inRegion, parseProxmoxProviderId, type NodeVm, type NodeVmLookup } from './node-vm';

export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

export type NodeObject = KubeObject & { spec?: { providerID?: string; unschedulable?: boolean } };

export interface ProxmoxNode {
  name: string;
  vm: NodeVm;
  ready: boolean;
  controlPlane: boolean;
}

export function nodeReady(node: KubeObject | undefined): boolean {
  return findCondition(node, 'Ready')?.status === 'True';
}

/** The node's VM in the Proxmox cluster `region` (config proxmox.region), or undefined. */
export async function proxmoxNode(px: ProxmoxClient, region: string, node: NodeObject, lookup: NodeVmLookup = {}): Promise<ProxmoxNode | undefined> {
  const ref = parseProxmoxProviderId(node.spec?.providerID);
  const vm = ref && inRegion(ref, region) ? await findNodeVm(px, ref, { ...lookup, nodeName: node.metadata.name }) : undefined;
  if (!vm) return undefined;
  return { name: node.metadata.name, vm, ready: nodeReady(node), controlPlane: node.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined };
}

/** Ready, schedulable nodes with a running VM behind them; workers first (a workload restart should spare control planes). */
export async function proxmoxBackedNodes(kube: KubeClient, px: ProxmoxClient, region: string): Promise<ProxmoxNode[]> {
  const lookup: NodeVmLookup = { uuids: new Map() };
  const found: ProxmoxNode[] = [];
  for (const node of await kube.list<NodeObject>('v1', 'Node')) {
    if (node.spec?.unschedulable || !parseProxmoxProviderId(node.spec?.providerID)) continue;
    lookup.resources ??= await px.clusterResources('vm');
    const p = await proxmoxNode(px, region, node, lookup);
    if (p && p.ready && p.vm.status === 'running') found.push(p);
  }
  const workers = found.filter((n) => !n.controlPlane);
  return workers.length > 0 ? workers : found;
}
