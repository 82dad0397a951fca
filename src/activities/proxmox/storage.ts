// proxmox.storage (assessment) and step2.storage-pools (the pool Kubernetes volumes will live on): the configured
// storage holds disk images, is enabled and active, and has room.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { ProxmoxClient } from '../../proxmox/client';
import { contentTypes, NodeStorage, truthy } from '../../proxmox/types';
import { checkFailed } from '../common/failures';
import { gib, GiB, runProxmoxStep } from './step-context';

// Storage types proxmox-csi-plugin documents as supported (directory, LVM, LVM-thin, ZFS, NFS, Ceph).
const CSI_STORAGE_TYPES = new Set(['dir', 'lvm', 'lvmthin', 'zfspool', 'nfs', 'rbd', 'cephfs']);

async function checkedStorage(client: ProxmoxClient, input: StepInput): Promise<{ storage: NodeStorage; all: NodeStorage[] }> {
  const cfg = input.config.proxmox;
  const all = await client.storages(cfg.node);
  const storage = all.find((s) => s.storage === cfg.storage);
  if (!storage) {
    throw checkFailed(
      `storage ${cfg.storage} (proxmox.storage) is not available on node ${cfg.node} ` +
        `(storages: ${all.map((s) => s.storage).join(', ') || 'none'})`,
    );
  }
  const problems: string[] = [];
  if (!contentTypes(storage.content).includes('images')) {
    problems.push(`it does not allow disk images (content: ${storage.content || 'none'}; add "images")`);
  }
  if (storage.enabled !== undefined && !truthy(storage.enabled)) problems.push('it is disabled');
  if (storage.active !== undefined && !truthy(storage.active)) problems.push('it is not active (unreachable or not mounted)');
  const min = cfg.thresholds.minFreeStorageGiB;
  if ((storage.avail ?? 0) < min * GiB) problems.push(`${gib(storage.avail)} GiB available < ${min} GiB`);
  if (problems.length > 0) {
    throw checkFailed(`storage ${cfg.storage} on ${cfg.node} cannot hold VM disks: ${problems.join('; ')}`, problems);
  }
  return { storage, all };
}

export function proxmoxStorage(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  return runProxmoxStep(input, 'preferred', async (client) => {
    const { storage } = await checkedStorage(client, input);
    return {
      status: 'passed',
      message: `storage ${cfg.storage} (${storage.type}) holds images and has ${gib(storage.avail)} GiB available`,
      metrics: { availGiB: gib(storage.avail), totalGiB: gib(storage.total) },
      outputs: { storage: cfg.storage, storageType: storage.type },
    };
  });
}

export function step2StoragePools(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  return runProxmoxStep(input, 'preferred', async (client) => {
    const { storage, all } = await checkedStorage(client, input);
    const candidates = all.filter((s) => contentTypes(s.content).includes('images')).map((s) => `${s.storage} (${s.type})`);
    const details = [`storages that can hold Kubernetes volumes on ${cfg.node}: ${candidates.join(', ')}`];
    let status: StepOutcome['status'] = 'passed';
    let message = `Kubernetes volumes can live on ${cfg.storage} (${storage.type}${truthy(storage.shared) ? ', shared' : ', local to the node'}), ${gib(storage.avail)} GiB available`;
    if (!CSI_STORAGE_TYPES.has(storage.type)) {
      status = 'warning';
      message = `storage ${cfg.storage} is of type ${storage.type}, which proxmox-csi-plugin does not list as supported`;
    }
    if (!truthy(storage.shared)) details.push(`${cfg.storage} is local: a volume can only attach to VMs on ${cfg.node}`);
    return {
      status,
      message,
      details,
      metrics: { availGiB: gib(storage.avail), imageStorages: candidates.length },
      outputs: { storage: cfg.storage, storageType: storage.type, shared: truthy(storage.shared) },
    };
  });
}
