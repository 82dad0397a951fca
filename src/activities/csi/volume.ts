// step5.volume: a claim of the CSI StorageClass and a pod that mounts it, pinned to nodes with a Proxmox VM behind
// them. Passes when the claim is Bound, the disk exists in the Proxmox storage with the size of the PV (read through
// the Proxmox API), the disk is attached to the pod's node (VolumeAttachment attached, the disk in the VM's config)
// and the pod runs. A claim stuck Pending fails with what the provisioner (its Events) and the scheduler reported.
import { z } from 'zod';
import { defineStep } from '../../catalogue/define-step';
import { WAIT_RETRY } from '../../catalogue/retry-policies';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject } from '../../kubernetes/types';
import type { ProxmoxClient } from '../../proxmox/client';
import { checkFailed, fail, FailureType } from '../common/failures';
import { runKubernetesStep } from '../kubernetes/step-context';
import { clientFor } from '../proxmox/step-context';
import { bytesQuantity, isTransientProvisioningError, parseProviderId, parseVolumeId, quantityBytes, roundUpToChunk, volid } from './driver-facts';
import { eventsOf, type EventSummary } from './kube-helpers';
import { waitForValue, WaitTimedOut } from '../common/wait';
import { csiTestNames, TEST_VOLUME_BYTES } from './names';
import { csiDeleteTestVolume } from './cleanup';
import { attachFailure } from './attach-failure';
import { proxmoxVolumeSize, type PersistentVolume } from './proxmox-volume';
import { isPermissionRefusal, missingStoragePrivileges } from './provisioner-permissions';

export const volumeOutputs = z.object({
  claim: z.string(),
  namespace: z.string(),
  pv: z.string(),
  volumeId: z.string(),
  node: z.string(),
  vmid: z.number(),
  sizeBytes: z.number(),
});

const BIND_TIMEOUT_MS = 150_000;
const ATTACH_TIMEOUT_MS = 60_000;
/** The provisioner retries with backoff: the same failure this many times is not a blip. */
const PERSISTENT_FAILURES = 3;
const UNSCHEDULABLE_GRACE_MS = 45_000;
/** A scheduler refusal for want of storage that Proxmox confirms is final after this long. */
const NO_ROOM_CONFIRM_MS = 5_000;

type Claim = KubeObject & { spec: { volumeName?: string; resources?: { requests?: { storage?: string } } }; status?: { phase?: string; capacity?: { storage?: string } } };
type Pod = KubeObject & { spec: { nodeName?: string }; status?: { phase?: string } };

/** Nodes with topology labels whose providerID names a VM of this Proxmox cluster (region) that exists and runs. */
async function vmBackedNodes(kube: KubeClient, px: ProxmoxClient, region: string): Promise<Array<{ node: string; vmid: number; zone: string }>> {
  const vms = await px.clusterResources('vm');
  const nodes = await kube.list<KubeObject & { spec?: { providerID?: string } }>('v1', 'Node');
  return nodes.flatMap((n) => {
    const id = parseProviderId(n.spec?.providerID);
    const vm = id && id.region === region && vms.find((v) => v.vmid === id.vmid && v.status === 'running');
    return vm && n.metadata.labels?.['topology.kubernetes.io/zone'] ? [{ node: n.metadata.name, vmid: id.vmid, zone: vm.node ?? '' }] : [];
  });
}

async function storageOfClass(kube: KubeClient, name: string): Promise<string | undefined> {
  const sc = await kube.find<KubeObject & { parameters?: Record<string, string> }>({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name });
  return sc?.parameters?.storage;
}

/**
 * What Proxmox says about the room on the storage, on the Proxmox nodes of the candidate VMs: the scheduler only
 * says that the driver's published capacity is too small, not where.
 */
async function storageRoom(px: ProxmoxClient, storage: string | undefined, candidates: Array<{ zone: string }>): Promise<{ text: string; tooSmallEverywhere: boolean }> {
  if (!storage) return { text: '', tooSmallEverywhere: false };
  const zones = [...new Set(candidates.map((c) => c.zone))];
  const parts: string[] = [];
  let roomSomewhere = zones.length === 0;
  for (const zone of zones) {
    const status = await px.storageStatus(zone, storage).catch(() => undefined);
    if (status && (status.avail ?? 0) >= TEST_VOLUME_BYTES) roomSomewhere = true;
    parts.push(status ? `${bytesQuantity(status.avail ?? 0)} free on ${zone}` : `not on ${zone}`);
  }
  return { text: ` (Proxmox storage ${storage}: ${parts.join(', ')}; the claim asks ${bytesQuantity(TEST_VOLUME_BYTES)})`, tooSmallEverywhere: !roomSomewhere };
}

function claimManifest(names: ReturnType<typeof csiTestNames>, storageClass: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: names.claim, namespace: names.namespace, labels: { 'app.kubernetes.io/managed-by': 'cozy-proxmox', 'cozy-proxmox.io/test': 'csi' } },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: storageClass, resources: { requests: { storage: bytesQuantity(TEST_VOLUME_BYTES) } } },
  };
}

function podManifest(names: ReturnType<typeof csiTestNames>, nodes: string[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: names.pod, namespace: names.namespace, labels: { 'app.kubernetes.io/managed-by': 'cozy-proxmox', 'cozy-proxmox.io/test': 'csi' } },
    spec: {
      // Only a node with a Proxmox VM behind it can take the hot-plugged disk.
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: nodes }] }] } } },
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'writer', image: 'registry.k8s.io/pause:3.10', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: names.claim } }],
    },
  };
}

function latest(events: EventSummary[], reason: string): EventSummary | undefined {
  return [...events].reverse().find((e) => e.reason === reason);
}

/** Why a claim is still Pending, from the provisioner's and the scheduler's Events. */
function pendingReason(claimEvents: EventSummary[], podEvents: EventSummary[]): string {
  const failed = latest(claimEvents, 'ProvisioningFailed');
  if (failed) return `provisioner reported '${failed.message}' (${failed.count}x)`;
  const unschedulable = latest(podEvents, 'FailedScheduling');
  const waiting = latest(claimEvents, 'WaitForFirstConsumer') ?? latest(claimEvents, 'ExternalProvisioning');
  const parts = ['no event from the provisioner'];
  if (unschedulable) parts.push(`scheduler reported '${unschedulable.message}'`);
  else if (waiting) parts.push(`'${waiting.message}'`);
  return parts.join('; ');
}

const HINT = 'check that the StorageClass parameter storage names a Proxmox storage with images content and room on the node, and that the CSI controller runs';

export function csiVolume(input: StepInput): Promise<StepOutcome> {
  const names = csiTestNames(input.config);
  const storageClass = input.config.kubernetes.csiStorageClass;
  return runKubernetesStep(input, `provision claim ${names.namespace}/${names.claim}`, async (kube) => {
    const px = await clientFor(input);
    try {
      if (!(await kube.find({ apiVersion: 'v1', kind: 'Namespace', name: names.namespace }))) {
        throw fail(FailureType.NotFound, `test namespace ${names.namespace} does not exist (step kubernetes.test-namespace makes it)`);
      }
      const region = input.config.proxmox.region;
      const candidates = await vmBackedNodes(kube, px, region);
      if (candidates.length === 0) {
        throw checkFailed(`no node with topology labels has a running Proxmox VM behind it (providerID proxmox://${region}/<vmid>, proxmox.region ${region}): CSI disks can only be hot-plugged into such nodes`);
      }
      const claimRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: names.claim, namespace: names.namespace };
      const podRef = { apiVersion: 'v1', kind: 'Pod', name: names.pod, namespace: names.namespace };
      // Check, then create: a claim that an earlier attempt made (and step5.expand may have grown) is reused as is.
      if (!(await kube.find(claimRef))) await kube.apply(claimManifest(names, storageClass), { force: false });
      if (!(await kube.find(podRef))) await kube.apply(podManifest(names, candidates.map((c) => c.node)), { force: false });

      let claim: Claim | undefined;
      let pod: Pod | undefined;
      try {
        await waitForValue(`claim ${names.claim} Bound and pod ${names.pod} Running`, BIND_TIMEOUT_MS, async (elapsed) => {
          claim = await kube.find<Claim>(claimRef);
          pod = await kube.find<Pod>(podRef);
          if (claim?.status?.phase === 'Bound' && pod?.status?.phase === 'Running') return true;
          const claimEvents = await eventsOf(kube, claim);
          const failed = latest(claimEvents, 'ProvisioningFailed');
          // A failure that repeats is one to fix, unless it is the API or the network having a moment (the
          // provisioner retries those itself): then the claim is given the whole wait.
          if (claim?.status?.phase === 'Pending' && failed && failed.count >= PERSISTENT_FAILURES && !isTransientProvisioningError(failed.message)) {
            const stuck = `PVC ${names.namespace}/${names.claim} stayed Pending: provisioner reported '${failed.message}' (${failed.count}x)`;
            if (isPermissionRefusal(failed.message)) {
              const storage = await storageOfClass(kube, storageClass);
              const missing = storage ? await missingStoragePrivileges(px, storage) : [];
              if (missing.length > 0) {
                throw fail(FailureType.Permission, `${stuck}: the API token ${input.config.proxmox.token?.id ?? ''} lacks ${missing.join(', ')} on /storage/${storage}, which the CSI driver needs to allocate disks there; grant it (e.g. a role with these privileges on that path) and run again`);
              }
            }
            throw checkFailed(`${stuck}; ${HINT}`);
          }
          if (elapsed > NO_ROOM_CONFIRM_MS && claim?.status?.phase === 'Pending' && !failed) {
            const unschedulable = latest(await eventsOf(kube, pod), 'FailedScheduling');
            // Too little storage, confirmed by Proxmox on every candidate node, will not pass by waiting; any other
            // refusal is given the grace (capacity not published yet, a node still starting).
            const room = unschedulable && /enough free storage/.test(unschedulable.message) ? await storageRoom(px, await storageOfClass(kube, storageClass), candidates) : undefined;
            if (unschedulable && (room?.tooSmallEverywhere || elapsed > UNSCHEDULABLE_GRACE_MS)) {
              throw checkFailed(`PVC ${names.namespace}/${names.claim} stayed Pending ${Math.round(elapsed / 1000)} s: ${pendingReason(claimEvents, [unschedulable])}${room?.text ?? ''}; ${HINT}`);
            }
          }
          return undefined;
        });
      } catch (err) {
        if (!(err instanceof WaitTimedOut)) throw err;
        const claimEvents = await eventsOf(kube, claim);
        const why = pendingReason(claimEvents, await eventsOf(kube, pod));
        const lastFailure = latest(claimEvents, 'ProvisioningFailed');
        // Still failing only transiently: another attempt (Temporal's backoff) may well see it through.
        throw fail(
          lastFailure && isTransientProvisioningError(lastFailure.message) ? FailureType.Transient : FailureType.CheckFailed,
          `PVC ${names.namespace}/${names.claim} is ${claim?.status?.phase ?? 'missing'} and pod ${names.pod} ${pod?.status?.phase ?? 'missing'} after ${BIND_TIMEOUT_MS / 1000} s: ${why}; ${HINT}`,
        );
      }
      const bound = claim!;
      const node = pod!.spec.nodeName!;
      const pv = await kube.get<PersistentVolume>({ apiVersion: 'v1', kind: 'PersistentVolume', name: bound.spec.volumeName! });
      const id = parseVolumeId(pv.spec.csi?.volumeHandle ?? '');
      if (!id) throw checkFailed(`PV ${pv.metadata.name} has no volume handle of the Proxmox CSI driver (${pv.spec.csi?.volumeHandle ?? 'none'})`);
      const pvBytes = quantityBytes(pv.spec.capacity?.storage);
      const size = await proxmoxVolumeSize(px, id);
      if (size === undefined) throw checkFailed(`PV ${pv.metadata.name} is Bound but volume ${volid(id)} is not in the content of storage ${id.storage} on ${id.zone}`);
      if (size < roundUpToChunk(quantityBytes(bound.spec.resources?.requests?.storage)) || size !== pvBytes) {
        throw checkFailed(`volume ${volid(id)} has ${size} bytes in Proxmox; the PV says ${pv.spec.capacity?.storage} and the claim asks ${bound.spec.resources?.requests?.storage}`);
      }

      // The attach: kube-controller-manager makes a VolumeAttachment, the driver hot-plugs the disk into the VM.
      const vmid = candidates.find((c) => c.node === node)?.vmid;
      let attachError = '';
      try {
        await waitForValue(`volume ${pv.metadata.name} attached to ${node}`, ATTACH_TIMEOUT_MS, async () => {
          const attachments = await kube.list<KubeObject & { spec: { nodeName: string; source: { persistentVolumeName?: string } }; status?: { attached?: boolean; attachError?: { message?: string } } }>(
            'storage.k8s.io/v1',
            'VolumeAttachment',
          );
          const va = attachments.find((a) => a.spec.source.persistentVolumeName === pv.metadata.name && a.spec.nodeName === node);
          attachError = va?.status?.attachError?.message ?? '';
          return va?.status?.attached ? true : undefined;
        });
      } catch (err) {
        if (!(err instanceof WaitTimedOut)) throw err;
        throw attachFailure(pv.metadata.name, node, attachError);
      }
      const vmNode = (await px.clusterResources('vm')).find((r) => r.vmid === vmid)?.node;
      const config = vmid && vmNode ? await px.qemuConfig(vmNode, vmid) : {};
      const slot = Object.keys(config).find((k) => /^scsi\d+$/.test(k) && String(config[k]).split(',')[0] === volid(id));
      if (!slot) throw checkFailed(`VolumeAttachment says attached, but volume ${volid(id)} is not in the config of VM ${vmid} behind node ${node}`);

      const created = (o: KubeObject) => Date.parse(String((o.metadata as { creationTimestamp?: string }).creationTimestamp ?? ''));
      const provisionSeconds = Math.max(0, Math.round((created(pv) - created(bound)) / 100) / 10);
      return {
        status: 'passed',
        message: `PVC ${names.namespace}/${names.claim} Bound to ${pv.metadata.name}: ${volid(id)} (${bytesQuantity(size)}) in Proxmox, attached to VM ${vmid} as ${slot}, pod ${names.pod} Running on ${node}`,
        details: [
          `volume handle ${pv.spec.csi!.volumeHandle}`,
          `provisioned in ${provisionSeconds} s (claim created to PV created)`,
          `pod ${names.pod} on ${node} (VM ${vmid} on ${vmNode}), disk ${slot}=${String(config[slot!])}`,
        ],
        metrics: { pvcProvisionSeconds: provisionSeconds, volumeBytes: size },
        outputs: { claim: names.claim, namespace: names.namespace, pv: pv.metadata.name, volumeId: pv.spec.csi!.volumeHandle, node, vmid: vmid ?? 0, sizeBytes: size } satisfies z.infer<typeof volumeOutputs>,
      };
    } finally {
      px.close();
    }
  });
}

export const csiVolumeStep = defineStep({
  id: 'step5.volume',
  phase: 'advanced-integration',
  group: 'step5-csi',
  title: 'A PVC binds, its disk exists in Proxmox storage, a pod mounts it',
  dependsOn: ['csi.chart', 'step5.storage-class', 'step5.topology'],
  blocking: true,
  startToCloseSeconds: 420,
  retry: WAIT_RETRY,
  component: 'Proxmox CSI driver',
  outputs: volumeOutputs,
  run: csiVolume,
  // The test pod and claim go at the end of the run (unless keepTestResources), and the disk with them: three
  // deletions of up to 60 s each and the PV's of up to 120 s.
  undo: { when: 'always', startToCloseSeconds: 360, run: csiDeleteTestVolume },
});
