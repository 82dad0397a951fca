// The sandbox's stand-in for the Proxmox CSI controller with its external-provisioner sidecar: a claim of a
// StorageClass of csi.proxmox.sinextra.dev gets a disk vm-9999-pvc-<uid> in the Proxmox storage of the zone of the
// node the scheduler picked (WaitForFirstConsumer), and a PV with the driver's volume handle and node affinity; the
// PV controller of kube-controller-manager then binds the claim. A Released PV with reclaim policy Delete has its disk
// removed from Proxmox, then the PV goes. Events on the claim are the sidecar's. Per-zone capacity is published as
// CSIStorageCapacity (csi-capacity.ts), so the scheduler places pods only where the storage has room.
import type { KubeClient } from '../../../../src/kubernetes/client';
import type { KubeObject } from '../../../../src/kubernetes/types';
import { isNotFound } from '../../../../src/kubernetes/errors';
import { ProxmoxNotFoundError } from '../../../../src/proxmox/errors';
import { apiPath } from '../../../../src/proxmox/http';
import type { ProxmoxClient } from '../../../../src/proxmox/client';
import type { OperatorContext, RunningController, StartController } from './context';
import { publishCapacity } from './csi-capacity';
import { loadCloud, topologyOf, type CsiCloud } from './csi-cloud';
import {
  diskFileName,
  DRIVER_NAME,
  PLACEHOLDER_VMID,
  proxmoxVolid,
  pvDiskName,
  readVolumeHandle,
  SELECTED_NODE,
  TOPOLOGY_REGION,
  TOPOLOGY_ZONE,
  writeVolumeHandle,
} from './csi-formats';
import { Backoff, listOf, recordEvent, setFinalizer } from './csi-kube';
import { DEFAULT_VOLUME_BYTES, proxmoxSize, roundUpToChunk } from './csi-sizes';
import { bytesToQuantity, quantityToBytes } from './quantity';
import { reconcileLoop } from './reconcile-loop';

const NAME = 'csi-provisioner';
export const PROVISIONER_COMPONENT = `${DRIVER_NAME}_cozy-sandbox-operator`;
const PROVISIONER_FINALIZER = 'external-provisioner.volume.kubernetes.io/finalizer';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

type StorageClass = KubeObject & {
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  mountOptions?: string[];
};

type Claim = KubeObject & {
  spec: { storageClassName?: string; volumeName?: string; accessModes?: string[]; volumeMode?: string; resources?: { requests?: { storage?: string } } };
  status?: { phase?: string };
};

export type PersistentVolume = KubeObject & {
  spec: {
    csi?: { driver: string; volumeHandle: string; volumeAttributes?: Record<string, string> };
    persistentVolumeReclaimPolicy?: string;
    capacity?: { storage?: string };
    claimRef?: { namespace?: string; name?: string };
  };
  status?: { phase?: string };
};

/** The storage's cluster-wide config (type, shared), as the plugin reads it before it allocates. */
async function storageConfig(px: ProxmoxClient, storage: string): Promise<{ type: string; shared?: number }> {
  return px.request('GET', apiPath`/storage/${storage}`);
}

/** The size of a volume in Proxmox, or undefined when it does not exist. */
export async function volumeSize(px: ProxmoxClient, node: string, storage: string, id: string): Promise<number | undefined> {
  try {
    const info = await px.request<{ size: number }>('GET', apiPath`/nodes/${node}/storage/${storage}/content/${id}`);
    return info.size;
  } catch (err) {
    if (err instanceof ProxmoxNotFoundError) return undefined;
    throw err;
  }
}

/** CreateVolume as the plugin does it; returns the PV made for the claim. */
async function provisionVolume(kube: KubeClient, cloud: CsiCloud, claim: Claim, sc: StorageClass, nodeName: string | undefined): Promise<string> {
  const params = sc.parameters ?? {};
  const storage = params.storage;
  if (!storage) throw new Error('parameter storage must be provided');
  if (!nodeName) throw new Error('cannot find best region');
  const node = await kube.find({ apiVersion: 'v1', kind: 'Node', name: nodeName });
  const t = node ? topologyOf(node) : {};
  if (!t.region) throw new Error(`cannot find best region: node ${nodeName} has no ${TOPOLOGY_REGION} label`);
  if (!t.zone) throw new Error(`cannot find best region and zone: node ${nodeName} has no ${TOPOLOGY_ZONE} label`);
  const px = cloud.client(t.region);
  let config: { type: string; shared?: number };
  try {
    config = await storageConfig(px, storage);
  } catch (err) {
    throw new Error(`failed to get proxmox storage config: ${(err as Error).message}`);
  }
  const pvName = `pvc-${claim.metadata.uid}`;
  // Directory storages keep volumes as files, which the plugin creates as raw images.
  const disk = pvDiskName(pvName, config.type === 'dir' ? 'raw' : undefined);
  const size = roundUpToChunk(quantityToBytes(claim.spec.resources?.requests?.storage) ?? DEFAULT_VOLUME_BYTES);
  const existing = await volumeSize(px, t.zone, storage, proxmoxVolid({ storage, disk }));
  if (existing === undefined) {
    await px.allocateVolume(t.zone, storage, {
      vmid: PLACEHOLDER_VMID,
      filename: diskFileName(disk),
      size: proxmoxSize(size),
      ...(config.type === 'dir' ? { format: 'raw' } : {}),
    });
  } else if (existing !== size) {
    throw new Error('volume already exists with same name and different capacity');
  }
  const shared = Number(config.shared ?? 0) === 1;
  const handle = writeVolumeHandle({ region: t.region, zone: shared ? '' : t.zone, storage, disk });
  const topology = [{ key: TOPOLOGY_REGION, operator: 'In', values: [t.region] }, ...(shared ? [] : [{ key: TOPOLOGY_ZONE, operator: 'In', values: [t.zone] }])];
  const attributes = Object.fromEntries(Object.entries(params).filter(([k]) => !k.startsWith('csi.storage.k8s.io/')));
  if (await kube.find({ apiVersion: 'v1', kind: 'PersistentVolume', name: pvName })) return pvName;
  await kube.apply(
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName, annotations: { [PROVISIONED_BY]: DRIVER_NAME }, finalizers: [PROVISIONER_FINALIZER] },
      spec: {
        accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
        capacity: { storage: bytesToQuantity(size) },
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
        csi: { driver: DRIVER_NAME, volumeHandle: handle, fsType: params['csi.storage.k8s.io/fstype'] ?? 'ext4', volumeAttributes: attributes },
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
        storageClassName: sc.metadata.name,
        volumeMode: claim.spec.volumeMode ?? 'Filesystem',
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: topology }] } },
        ...(sc.mountOptions ? { mountOptions: sc.mountOptions } : {}),
      },
    },
    { force: false },
  );
  return pvName;
}

async function provisionPass(ctx: OperatorContext, cloud: CsiCloud, backoff: Backoff): Promise<void> {
  const classes = new Map(
    (await listOf<StorageClass>(ctx.kube, 'storage.k8s.io/v1', 'StorageClass')).filter((sc) => sc.provisioner === DRIVER_NAME).map((sc) => [sc.metadata.name, sc]),
  );
  if (classes.size === 0) return;
  for (const claim of await listOf<Claim>(ctx.kube, 'v1', 'PersistentVolumeClaim')) {
    const sc = classes.get(claim.spec.storageClassName ?? '');
    if (!sc || claim.spec.volumeName || claim.status?.phase !== 'Pending' || claim.metadata.deletionTimestamp) continue;
    const selected = claim.metadata.annotations?.[SELECTED_NODE];
    // WaitForFirstConsumer: nothing happens until the scheduler picked the node of a pod that needs the claim.
    if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !selected) continue;
    const key = claim.metadata.uid ?? claim.metadata.name;
    if (!backoff.ready(key)) continue;
    const where = `"${claim.metadata.namespace}/${claim.metadata.name}"`;
    await recordEvent(ctx.kube, claim, PROVISIONER_COMPONENT, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim ${where}`);
    try {
      const pv = await provisionVolume(ctx.kube, cloud, claim, sc, selected);
      backoff.succeeded(key);
      await recordEvent(ctx.kube, claim, PROVISIONER_COMPONENT, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv}`);
      ctx.log(NAME, `provisioned ${pv} for claim ${where}`);
    } catch (err) {
      backoff.failed(key);
      const message = `failed to provision volume with StorageClass "${sc.metadata.name}": rpc error: code = Internal desc = ${(err as Error).message}`;
      await recordEvent(ctx.kube, claim, PROVISIONER_COMPONENT, 'Warning', 'ProvisioningFailed', message);
      ctx.log(NAME, `claim ${where}: ${message}`);
    }
  }
}

/** DeleteVolume of Released PVs with reclaim policy Delete: the disk leaves Proxmox, then the PV is deleted. */
async function deletePass(ctx: OperatorContext, cloud: CsiCloud, backoff: Backoff): Promise<void> {
  const volumes = (await listOf<PersistentVolume>(ctx.kube, 'v1', 'PersistentVolume')).filter(
    (pv) => pv.spec.csi?.driver === DRIVER_NAME && pv.metadata.annotations?.[PROVISIONED_BY] === DRIVER_NAME,
  );
  const released = volumes.filter((pv) => pv.status?.phase === 'Released' && (pv.spec.persistentVolumeReclaimPolicy ?? 'Delete') === 'Delete');
  if (released.length === 0) return;
  const attachments = await listOf<KubeObject & { spec: { source?: { persistentVolumeName?: string }; nodeName?: string } }>(ctx.kube, 'storage.k8s.io/v1', 'VolumeAttachment');
  for (const pv of released) {
    const key = `delete/${pv.metadata.name}`;
    if (!backoff.ready(key)) continue;
    try {
      const attached = attachments.find((va) => va.spec.source?.persistentVolumeName === pv.metadata.name);
      if (attached) throw new Error(`persistentvolume ${pv.metadata.name} is still attached to node ${attached.spec.nodeName}`);
      const vol = readVolumeHandle(pv.spec.csi!.volumeHandle);
      if (!vol) throw new Error(`VolumeID must be in the format of region/zone/storageName/diskName: ${pv.spec.csi!.volumeHandle}`);
      const px = cloud.client(vol.region);
      const node = vol.zone || (await px.nodes())[0]?.node;
      if (node && (await volumeSize(px, node, vol.storage, proxmoxVolid(vol))) !== undefined) {
        const upid = await px.deleteVolume(node, vol.storage, proxmoxVolid(vol));
        if (upid) await px.waitTask(upid);
      }
      await setFinalizer(ctx.kube, pv, PROVISIONER_FINALIZER, false);
      await ctx.kube.delete({ apiVersion: 'v1', kind: 'PersistentVolume', name: pv.metadata.name });
      backoff.succeeded(key);
      ctx.log(NAME, `deleted ${proxmoxVolid(vol)} and PV ${pv.metadata.name}`);
    } catch (err) {
      if (isNotFound(err)) continue;
      backoff.failed(key);
      await recordEvent(ctx.kube, pv, PROVISIONER_COMPONENT, 'Warning', 'VolumeFailedDelete', `rpc error: code = Internal desc = ${(err as Error).message}`);
    }
  }
}

export const startCsiProvisioner: StartController = async (ctx: OperatorContext): Promise<RunningController> => {
  const backoff = new Backoff();
  let lastCapacity = 0;
  return reconcileLoop(ctx, NAME, async () => {
    const cloud = await loadCloud(ctx);
    if (!cloud) return;
    try {
      // Capacity changes slowly; the real sidecar polls it every minute, the sandbox every few seconds.
      if (Date.now() - lastCapacity > 3_000) {
        await publishCapacity(ctx, cloud);
        lastCapacity = Date.now();
      }
      await provisionPass(ctx, cloud, backoff);
      await deletePass(ctx, cloud, backoff);
    } finally {
      cloud.close();
    }
  });
};
