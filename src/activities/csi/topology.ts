// step5.topology: the driver places a disk in the region (Proxmox cluster) and zone (Proxmox node) of the node that
// will use it, read from topology.kubernetes.io/region and zone; nodes without them cannot get volumes. A node is
// backed by a VM when its providerID is proxmox://<region>/<vmid>; only those can attach disks. A Proxmox host
// joined as a worker must not have the driver's node plugin registered (CSINode): the scheduler would place volumes
// there that can never attach.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject } from '../../kubernetes/types';
import { checkFailed } from '../common/failures';
import { runKubernetesStep } from '../kubernetes/step-context';
import { waitUntil } from '../common/wait';
import { CSI_DRIVER, parseProviderId, PROXMOX_HOST_LABEL, REGION_LABEL, ZONE_LABEL } from './driver-facts';
import { defineStep } from '../../catalogue/define-step';

export const BARE_METAL_WARNING =
  'warning: CSI volumes are hot-plugged into the VM behind a node, so they cannot serve a bare-metal Proxmox host joined as a worker (use local or network storage there)';

type CsiNode = KubeObject & { spec?: { drivers?: { name: string }[] } };

/** The DaemonSet controller takes a plugin pod off a host moments after the host's label appears: look again a while. */
const HOST_SETTLE_MS = 30_000;

/** Proxmox hosts (labelled as such) on which the driver's node plugin is registered. */
async function hostsWithThePlugin(kube: KubeClient, hosts: string[]): Promise<string[]> {
  if (hosts.length === 0) return [];
  const csiNodes = await kube.list<CsiNode>('storage.k8s.io/v1', 'CSINode');
  return csiNodes.filter((c) => hosts.includes(c.metadata.name) && (c.spec?.drivers ?? []).some((d) => d.name === CSI_DRIVER)).map((c) => c.metadata.name);
}

export function csiTopology(input: StepInput): Promise<StepOutcome> {
  return runKubernetesStep(input, 'list nodes', async (kube) => {
    const nodes = await kube.list<KubeObject & { spec?: { providerID?: string } }>('v1', 'Node');
    const labelled = nodes.filter((n) => n.metadata.labels?.[REGION_LABEL] && n.metadata.labels?.[ZONE_LABEL]);
    const unlabelled = nodes.filter((n) => !labelled.includes(n)).map((n) => n.metadata.name);
    const region = input.config.proxmox.region;
    const vmBacked = labelled.filter((n) => parseProviderId(n.spec?.providerID)?.region === region);
    if (labelled.length === 0) {
      throw checkFailed(
        `no node carries ${REGION_LABEL} and ${ZONE_LABEL}: the CSI driver cannot place any volume; label the nodes (the Proxmox cloud controller manager does) — unlabelled: ${unlabelled.join(', ') || 'none'}`,
      );
    }
    const details = labelled.map((n) => {
      const l = n.metadata.labels!;
      const vm = parseProviderId(n.spec?.providerID);
      const backing = !vm ? 'no proxmox:// providerID' : vm.region === region ? `VM ${vm.vmid}` : `VM ${vm.vmid} of another Proxmox cluster (${vm.region})`;
      return `${n.metadata.name}: region ${l[REGION_LABEL]}, zone ${l[ZONE_LABEL]}, ${backing}`;
    });
    if (unlabelled.length > 0) details.push(`nodes without topology labels (no CSI volumes there): ${unlabelled.join(', ')}`);
    const hosts = nodes.filter((n) => n.metadata.labels?.[PROXMOX_HOST_LABEL] !== undefined).map((n) => n.metadata.name);
    const { value: pluginOnHosts } = await waitUntil(`the CSI node plugin off the Proxmox hosts ${hosts.join(', ')}`, async () => {
      const on = await hostsWithThePlugin(kube, hosts);
      return { done: on.length === 0, value: on, seen: on.length > 0 ? `registered on ${on.join(', ')}` : undefined };
    }, { timeoutMs: HOST_SETTLE_MS, intervalMs: 2_000, returnOnTimeout: true });
    if ((pluginOnHosts ?? []).length > 0) {
      throw checkFailed(
        `the Proxmox CSI node plugin is registered on ${pluginOnHosts!.join(', ')}, labelled ${PROXMOX_HOST_LABEL} (a Proxmox host joined as a worker): ` +
          `a volume placed there can never attach, since disks are hot-plugged into VMs. Keep the plugin's DaemonSet off it ` +
          `(chart cozy-proxmox-csi-operator, value node.excludeNodesLabelled, default ${PROXMOX_HOST_LABEL})`,
        details,
      );
    }
    if (hosts.length > 0) details.push(`Proxmox hosts (${PROXMOX_HOST_LABEL}): ${hosts.join(', ')}; the CSI node plugin is not registered there`);
    details.push(BARE_METAL_WARNING);
    return {
      status: 'passed',
      message: `${labelled.length} of ${nodes.length} nodes carry the topology labels (${vmBacked.length} backed by a VM of Proxmox cluster ${region}); CSI volumes cannot serve a bare-metal Proxmox host joined as a worker`,
      details,
      metrics: { nodesWithTopology: labelled.length, nodesWithoutTopology: unlabelled.length, vmBackedNodes: vmBacked.length },
      outputs: { nodesWithTopology: labelled.length, vmBackedNodes: vmBacked.length },
    };
  });
}

export const csiTopologyStep = defineStep({
  id: 'step5.topology',
  phase: 'advanced-integration',
  group: 'step5-csi',
  title: 'Nodes carry the topology labels region and zone',
  // After the host's join (step 4, when configured), so the check sees the joined host too.
  dependsOn: ['csi.chart', 'step4.node-ready'],
  blocking: true,
  component: 'Proxmox CSI driver',
  run: csiTopology,
});
