// kubernetes.proxmox-csi: what of Proxmox's own Kubernetes integration the cluster already has, before phase 3 adds
// a CSI driver. CozyStack's paas-proxmox bundle installs proxmox-csi-plugin and the Proxmox cloud controller manager
// (CCM) itself; installing our chart beside that driver would collide with it on the CSIDriver object, so an
// existing driver installed by another release is reported here and reused by csi.chart. The CSI steps find a node's
// VM through its providerID proxmox://<region>/<vmid>, which the CCM writes: with neither the CCM nor a node that
// carries such a providerID, the step fails and says how to get one.
import { z } from 'zod';
import { defineStep } from '../../catalogue/define-step';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeObject } from '../../kubernetes/types';
import { checkFailed } from '../common/failures';
import { CHART_RELEASES } from '../charts/chart-step';
import { CSI_DRIVER, parseProviderId } from '../csi/driver-facts';
import { runKubernetesStep } from './step-context';

/** The CCM's image, as its project publishes it (proxmox-cloud-controller-manager). */
const CCM_IMAGE = /\/proxmox-cloud-controller-manager(:|@|$)/;

export const proxmoxCsiOutputs = z.object({
  /** The release of a CSI driver of csi.proxmox.sinextra.dev that is not ours, "" when there is none. */
  existingCsiRelease: z.string(),
  existingCsiNamespace: z.string(),
  /** namespace/name of the CCM's workload, "" when there is none. */
  ccm: z.string(),
  nodesWithProviderId: z.number(),
});

type Workload = KubeObject & { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } };

export function kubernetesProxmoxCsi(input: StepInput): Promise<StepOutcome> {
  const region = input.config.proxmox.region;
  return runKubernetesStep(input, 'look for the Proxmox CSI driver and cloud controller manager', async (kube) => {
    const driver = await kube.find({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', name: CSI_DRIVER });
    const annotations = driver?.metadata.annotations ?? {};
    const release = annotations['meta.helm.sh/release-name'] ?? '';
    const namespace = annotations['meta.helm.sh/release-namespace'] ?? '';
    const ours = release === CHART_RELEASES.csi.release && namespace === CHART_RELEASES.csi.namespace;
    const existing = driver && !ours ? { release: release || '(not installed by Helm)', namespace } : undefined;

    const workloads = [...(await kube.list<Workload>('apps/v1', 'Deployment')), ...(await kube.list<Workload>('apps/v1', 'DaemonSet'))];
    const ccmWorkload = workloads.find((w) => (w.spec?.template?.spec?.containers ?? []).some((c) => CCM_IMAGE.test(c.image ?? '')));
    const ccm = ccmWorkload ? `${ccmWorkload.metadata.namespace}/${ccmWorkload.metadata.name}` : '';
    const nodes = await kube.list<KubeObject & { spec?: { providerID?: string } }>('v1', 'Node');
    const withId = nodes.filter((n) => parseProviderId(n.spec?.providerID)?.region === region);

    if (!ccm && withId.length === 0) {
      throw checkFailed(
        `no node has a providerID proxmox://${region}/<vmid> and no Proxmox cloud controller manager runs: the CSI steps find the VM behind a node through that providerID, which the CCM writes. ` +
          `Install the Proxmox CCM (CozyStack's paas-proxmox bundle includes it; upstream: the proxmox-cloud-controller-manager chart, with region ${region} in its cloud config), ` +
          'or set the providerID when a node joins (kubelet --provider-id)',
        nodes.map((n) => `${n.metadata.name}: providerID "${n.spec?.providerID ?? ''}"`),
      );
    }
    const details = [
      existing ? `CSIDriver ${CSI_DRIVER} installed by release ${existing.namespace}/${existing.release}: csi.chart reuses it` : `no CSI driver ${CSI_DRIVER} yet${driver ? ' but ours' : ''}: csi.chart installs it`,
      ccm ? `Proxmox CCM: ${ccm}` : 'no Proxmox CCM found (no workload runs its image)',
      `${withId.length} of ${nodes.length} node(s) carry a providerID proxmox://${region}/<vmid>`,
    ];
    return {
      status: 'passed',
      message: existing ? `the Proxmox CSI driver is already installed (release ${existing.namespace}/${existing.release}) and will be reused` : `the cluster is ready for the Proxmox CSI driver (${withId.length} node(s) with a Proxmox providerID)`,
      details,
      outputs: { existingCsiRelease: existing?.release ?? '', existingCsiNamespace: existing?.namespace ?? '', ccm, nodesWithProviderId: withId.length } satisfies z.infer<typeof proxmoxCsiOutputs>,
    };
  });
}

export const kubernetesProxmoxCsiStep = defineStep({
  id: 'kubernetes.proxmox-csi',
  phase: 'preparation',
  title: 'An existing Proxmox CSI driver is found and reused; nodes have Proxmox providerIDs (CCM)',
  dependsOn: ['kubernetes.version'],
  blocking: true,
  outputs: proxmoxCsiOutputs,
  run: kubernetesProxmoxCsi,
});
