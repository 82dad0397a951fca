// step5.snapshot: a VolumeSnapshot of the test claim, where the driver can make one. proxmox-csi-plugin implements
// CreateSnapshot as an experimental full copy of the disk that needs root@pam credentials in its cloud config (its
// docs/volumesnapshot.md); with an API token, as the cozy-proxmox-csi-operator chart configures it, there are no
// snapshots, and the step is skipped saying why. So it is when the cluster does not serve snapshot.storage.k8s.io/v1
// or has no VolumeSnapshotClass of the driver, which is what the chart leaves by default for that reason.
import { parse as parseYaml } from 'yaml';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { isMissingResourceType } from '../../kubernetes/errors';
import { type KubeClient } from '../../kubernetes/client';
import { type KubeObject } from '../../kubernetes/types';
import { CHART_RELEASES } from '../charts/chart-step';
import { checkFailed } from '../common/failures';
import { runKubernetesStep } from '../kubernetes/step-context';
import { CSI_DRIVER } from './driver-facts';
import { waitForValue, WaitTimedOut } from '../common/wait';
import { csiTestNames } from './names';
import { defineStep } from '../../catalogue/define-step';

const SNAPSHOT_API = 'snapshot.storage.k8s.io/v1';
const READY_TIMEOUT_MS = 180_000;

async function snapshotClass(kube: KubeClient): Promise<string | undefined | null> {
  try {
    const classes = await kube.list<KubeObject & { driver?: string }>(SNAPSHOT_API, 'VolumeSnapshotClass');
    return classes.find((c) => c.driver === CSI_DRIVER)?.metadata.name ?? null;
  } catch (err) {
    if (isMissingResourceType(err)) return undefined;
    throw err;
  }
}

/** Who the driver logs in as, from the chart's cloud config (token IDs or user names; no secret leaves here). */
async function driverIdentities(kube: KubeClient): Promise<string[]> {
  const { release, namespace } = CHART_RELEASES.csi;
  const secret = await kube.find<KubeObject & { data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', name: `${release}-cloud-config`, namespace });
  const text = secret?.data?.['config.yaml'];
  if (!text) return [];
  const config = parseYaml(Buffer.from(text, 'base64').toString('utf8')) as { clusters?: Array<{ token_id?: string; username?: string }> };
  return (config.clusters ?? []).map((c) => c.token_id ?? c.username ?? '');
}

function skipped(message: string, details: string[] = []): StepOutcome {
  return { status: 'skipped', message, details: details.length > 0 ? details : undefined };
}

export function csiSnapshot(input: StepInput): Promise<StepOutcome> {
  const names = csiTestNames(input.config);
  return runKubernetesStep(input, `snapshot claim ${names.namespace}/${names.claim}`, async (kube) => {
    const className = await snapshotClass(kube);
    if (className === undefined) return skipped(`the cluster does not serve ${SNAPSHOT_API} (install the external-snapshotter CRDs and controller): no VolumeSnapshots`);
    if (className === null) {
      return skipped(
        `no VolumeSnapshotClass has driver ${CSI_DRIVER}: no VolumeSnapshots (the cozy-proxmox-csi-operator chart makes one only with volumeSnapshotClass.create: the plugin copies the disk through Proxmox's experimental volume copy, which only root@pam may call, and the chart configures an API token)`,
      );
    }
    const identities = await driverIdentities(kube);
    if (!identities.includes('root@pam')) {
      return skipped(
        `${CSI_DRIVER} makes snapshots only as experimental full copies with root@pam credentials; the driver logs in as ${identities.join(', ') || 'an unknown identity'}: no VolumeSnapshots`,
        ['source: proxmox-csi-plugin docs/volumesnapshot.md (experimental, full copy, requires root@pam) and its CreateSnapshot'],
      );
    }
    const ref = { apiVersion: SNAPSHOT_API, kind: 'VolumeSnapshot', name: names.snapshot, namespace: names.namespace };
    if (!(await kube.find(ref))) {
      await kube.apply({ apiVersion: SNAPSHOT_API, kind: 'VolumeSnapshot', metadata: { name: names.snapshot, namespace: names.namespace }, spec: { volumeSnapshotClassName: className, source: { persistentVolumeClaimName: names.claim } } }, { force: false });
    }
    let last: (KubeObject & { status?: { readyToUse?: boolean; restoreSize?: string; error?: { message?: string } } }) | undefined;
    try {
      await waitForValue(`VolumeSnapshot ${names.snapshot} ready`, READY_TIMEOUT_MS, async () => {
        last = await kube.find(ref);
        return last?.status?.readyToUse ? true : undefined;
      });
    } catch (err) {
      if (!(err instanceof WaitTimedOut)) throw err;
      throw checkFailed(`VolumeSnapshot ${names.snapshot} not ready within ${READY_TIMEOUT_MS / 1000} s: ${last?.status?.error?.message ?? 'no error reported'}`);
    }
    return { status: 'passed', message: `VolumeSnapshot ${names.snapshot} of ${names.claim} is ready (${last?.status?.restoreSize ?? '?'})`, outputs: { snapshot: names.snapshot } };
  });
}

export const csiSnapshotStep = defineStep({
  id: 'step5.snapshot',
  phase: 'advanced-integration',
  group: 'step5-csi',
  title: 'A VolumeSnapshot becomes ready (where the driver supports snapshots)',
  dependsOn: ['csi.chart', 'step5.volume'],
  blocking: false,
  startToCloseSeconds: 300,
  component: 'Proxmox CSI driver',
  run: csiSnapshot,
});
