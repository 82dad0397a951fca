// The undo of step8.workload and step8.benchmark (always): the workload, its claim, the benchmark's claim and pod
// (waiting until their volumes are deleted too), and any VM of the clone benchmark's name. Safe when nothing was made and when run twice; a kept run (keepTestResources) leaves
// everything for inspection.
import type { StepInput } from '../../catalogue/types';
import type { KubeObject } from '../../kubernetes/types';
import type { ProxmoxClient } from '../../proxmox/client';
import { heartbeat } from '../common/activity-context';
import { waitForValue } from '../common/wait';
import { refs } from './manifests';
import { e2eNames, type E2eNames } from './names';
import { runE2eStep } from './step-context';

const GONE_TIMEOUT_MS = 120_000;

type VolumeObject = KubeObject & { spec?: { persistentVolumeReclaimPolicy?: string; claimRef?: { name?: string; namespace?: string } } };

/** Removes every VM of the benchmark's name (an earlier attempt's, or one cut off mid-clone). */
export async function removeBenchVms(px: ProxmoxClient, n: E2eNames): Promise<number> {
  let removed = 0;
  for (const vm of (await px.clusterResources('vm')).filter((v) => v.name === n.benchVmName && v.node && v.vmid !== undefined)) {
    if ((await px.deleteIfPresent(vm.node!, vm.vmid!, { onProgress: (p) => heartbeat({ waitingFor: `removing VM ${vm.vmid}`, elapsedMs: p.elapsedMs }) })).deleted) removed++;
  }
  return removed;
}

export async function e2eDeleteTestResources(input: StepInput): Promise<void> {
  if (input.config.keepTestResources) return;
  const n = e2eNames(input.config);
  await runE2eStep(input, 'remove the end-to-end test resources', async (kube, px) => {
    const kubeRefs = [refs.deployment(n), refs.pod(n.benchPod, n), refs.claim(n.claim, n), refs.claim(n.benchClaim, n)];
    for (const ref of kubeRefs) await kube.delete(ref);
    const vms = await removeBenchVms(px, n);
    const claims = [refs.claim(n.claim, n), refs.claim(n.benchClaim, n)];
    // A deleted claim's volume (reclaim policy Delete) goes only once its provisioner has deleted the disk behind it:
    // the cleanup is done when that is, not when the claim is.
    const volumesLeft = async () =>
      (await kube.list<VolumeObject>('v1', 'PersistentVolume')).filter(
        (pv) => pv.spec?.persistentVolumeReclaimPolicy === 'Delete' && claims.some((c) => pv.spec?.claimRef?.name === c.name && pv.spec?.claimRef?.namespace === c.namespace),
      );
    await waitForValue('end-to-end test objects and their volumes gone', GONE_TIMEOUT_MS, async () => {
      for (const ref of kubeRefs) if (await kube.find(ref)) return undefined;
      return (await volumesLeft()).length === 0 ? true : undefined;
    });
    return { status: 'passed', message: `end-to-end test resources removed${vms ? ` (${vms} benchmark VM)` : ''}` };
  });
}
