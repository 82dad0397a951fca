// step5.expand: the test claim asks for twice its first size; passes once the claim's capacity, the PV's capacity and
// the disk in Proxmox have all grown (the resizer resizes it through the VM it is attached to). A resize that keeps
// failing fails with the resizer's message.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { checkFailed, fail, FailureType } from '../common/failures';
import { runKubernetesStep } from '../kubernetes/step-context';
import { clientFor } from '../proxmox/step-context';
import { bytesQuantity, parseVolumeId, quantityBytes, volid } from './driver-facts';
import type { KubeObject } from '../../kubernetes/types';
import { eventsOf, mergePatch } from './kube-helpers';
import { waitForValue, WaitTimedOut } from '../common/wait';
import { csiTestNames, TEST_VOLUME_BYTES } from './names';
import { proxmoxVolumeSize, type PersistentVolume } from './proxmox-volume';
import { defineStep } from '../../catalogue/define-step';
import { WAIT_RETRY } from '../../catalogue/retry-policies';

const RESIZE_TIMEOUT_MS = 120_000;

type Claim = KubeObject & {
  spec: { volumeName?: string; resources?: { requests?: { storage?: string } } };
  status?: { capacity?: { storage?: string }; conditions?: Array<{ type: string; message?: string }> };
};

export function csiExpand(input: StepInput): Promise<StepOutcome> {
  const names = csiTestNames(input.config);
  const target = 2 * TEST_VOLUME_BYTES;
  return runKubernetesStep(input, `expand claim ${names.namespace}/${names.claim}`, async (kube) => {
    const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: names.claim, namespace: names.namespace };
    const claim = await kube.find<Claim>(ref);
    if (!claim?.spec.volumeName) throw fail(FailureType.NotFound, `claim ${names.namespace}/${names.claim} is not there or not bound (step step5.volume makes it)`);
    const before = quantityBytes(claim.status?.capacity?.storage);
    if (quantityBytes(claim.spec.resources?.requests?.storage) < target) {
      await mergePatch(kube, ref, { spec: { resources: { requests: { storage: bytesQuantity(target) } } } });
    }
    const started = Date.now();
    let last: Claim | undefined;
    try {
      await waitForValue(`claim ${names.claim} to grow to ${bytesQuantity(target)}`, RESIZE_TIMEOUT_MS, async () => {
        last = await kube.find<Claim>(ref);
        if (quantityBytes(last?.status?.capacity?.storage) >= target) return true;
        const failed = [...(await eventsOf(kube, last))].reverse().find((e) => e.reason === 'VolumeResizeFailed');
        if (failed && failed.count >= 3) throw checkFailed(`claim ${names.claim} did not grow: resizer reported '${failed.message}' (${failed.count}x)`);
        return undefined;
      });
    } catch (err) {
      if (!(err instanceof WaitTimedOut)) throw err;
      const conditions = (last?.status?.conditions ?? []).map((c) => `${c.type}${c.message ? `: ${c.message}` : ''}`).join('; ') || 'none';
      throw checkFailed(`claim ${names.claim} still has ${last?.status?.capacity?.storage ?? '?'} after ${RESIZE_TIMEOUT_MS / 1000} s (asked ${bytesQuantity(target)}); conditions: ${conditions}`);
    }
    const pv = await kube.get<PersistentVolume>({ apiVersion: 'v1', kind: 'PersistentVolume', name: claim.spec.volumeName });
    const id = parseVolumeId(pv.spec.csi?.volumeHandle ?? '');
    if (!id) throw checkFailed(`PV ${pv.metadata.name} has no Proxmox volume handle`);
    const px = await clientFor(input);
    try {
      const size = await proxmoxVolumeSize(px, id);
      if (size === undefined || size < target) throw checkFailed(`claim ${names.claim} reports ${bytesQuantity(target)}, but volume ${volid(id)} has ${size ?? 'no'} bytes in Proxmox`);
      if (quantityBytes(pv.spec.capacity?.storage) < target) throw checkFailed(`PV ${pv.metadata.name} still has capacity ${pv.spec.capacity?.storage}`);
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      return {
        status: 'passed',
        message: `claim ${names.claim} grew from ${bytesQuantity(before)} to ${last!.status!.capacity!.storage}; volume ${volid(id)} is ${bytesQuantity(size)} in Proxmox`,
        details: [`PV ${pv.metadata.name} capacity ${pv.spec.capacity?.storage}`, `resize took ${seconds} s`],
        metrics: { expandSeconds: seconds, volumeBytes: size },
        outputs: { sizeBytes: size },
      };
    } finally {
      px.close();
    }
  });
}

export const csiExpandStep = defineStep({
  id: 'step5.expand',
  phase: 'advanced-integration',
  group: 'step5-csi',
  title: 'The PVC expands and its disk grows in Proxmox',
  dependsOn: ['csi.chart', 'step5.volume'],
  blocking: false,
  startToCloseSeconds: 300,
  retry: WAIT_RETRY,
  component: 'Proxmox CSI driver',
  run: csiExpand,
});
