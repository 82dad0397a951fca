// proxmox.storage (assessment): the configured storage holds disk images, is enabled and active, and has room.
import { defineStep } from '../../catalogue/define-step';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { ProxmoxClient } from '../../proxmox/client';
import { contentTypes, type NodeStorage, truthy } from '../../proxmox/types';
import { checkFailed } from '../common/failures';
import { gib, GiB, runProxmoxStep } from './step-context';

export async function checkedStorage(client: ProxmoxClient, input: StepInput): Promise<{ storage: NodeStorage; all: NodeStorage[] }> {
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

export const proxmoxStorageStep = defineStep({
  id: 'proxmox.storage',
  phase: 'preparation',
  title: 'Storage pool holds disk images and has room',
  dependsOn: ['proxmox.version'],
  blocking: true,
  run: proxmoxStorage,
});
