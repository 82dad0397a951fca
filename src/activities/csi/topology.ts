// step5.topology: the driver places a disk in the region (Proxmox cluster) and zone (Proxmox node) of the node that
// will use it, read from topology.kubernetes.io/region and zone; nodes without them cannot get volumes. A node is
// backed by a VM when its providerID is proxmox://<region>/<vmid>; only those can attach disks.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeObject } from '../../kubernetes/types';
import { checkFailed } from '../common/failures';
import { runKubernetesStep } from '../kubernetes/step-context';
import { parseProviderId, REGION_LABEL, ZONE_LABEL } from './driver-facts';
import { defineStep } from '../../catalogue/define-step';

export const BARE_METAL_WARNING =
  'warning: CSI volumes are hot-plugged into the VM behind a node, so they cannot serve a bare-metal Proxmox host joined as a worker (use local or network storage there)';

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
  dependsOn: ['csi.chart'],
  blocking: true,
  component: 'Proxmox CSI driver',
  run: csiTopology,
});
