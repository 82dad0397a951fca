// step2.storage-pools: the pool Kubernetes volumes will live on can hold them, and proxmox-csi-plugin supports it.
import { defineStep } from '../../catalogue/define-step';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { contentTypes, truthy } from '../../proxmox/types';
import { gib, runProxmoxStep } from './step-context';
import { checkedStorage } from './storage';

// Storage types proxmox-csi-plugin documents as supported (directory, LVM, LVM-thin, ZFS, NFS, Ceph).
const CSI_STORAGE_TYPES = new Set(['dir', 'lvm', 'lvmthin', 'zfspool', 'nfs', 'rbd', 'cephfs']);

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

export const step2StoragePoolsStep = defineStep({
  id: 'step2.storage-pools',
  phase: 'basic-integration',
  group: 'step2-network-storage',
  title: 'Storage pool for Kubernetes volumes',
  blocking: true,
  component: 'Proxmox storage',
  run: step2StoragePools,
});
