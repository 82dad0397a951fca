// Operations that are safe to run twice. An activity attempt can die after Proxmox accepted a clone and before the
// result was recorded; the next attempt must find that VM (and wait for its clone task) instead of cloning again.
import type { ProxmoxClient } from './client';
import { ProxmoxAlreadyExistsError, ProxmoxNotFoundError, ProxmoxTaskError } from './errors';
import type { TaskResult, WaitOptions } from './tasks';
import type { QemuListEntry } from './types';

export interface CloneRequest {
  /** Node that holds the template. */
  node: string;
  templateId: number;
  /** Identity of the clone: at least one of vmid and name. With only a name, the VMID comes from /cluster/nextid. */
  vmid?: number;
  name?: string;
  full?: boolean;
  storage?: string;
  /** Node to clone to (default: the template's node). */
  target?: string;
  pool?: string;
  description?: string;
  wait?: WaitOptions;
}

export interface CloneResult {
  vmid: number;
  name?: string;
  node: string;
  /** False when the VM already existed (from an earlier attempt or made by someone else). */
  created: boolean;
  /** The clone task this call started or waited for, if any. */
  task?: TaskResult;
}

// A VM is locked with one of these while a clone into it is still running.
const CLONE_LOCKS = new Set(['clone', 'create']);

async function findVm(client: ProxmoxClient, node: string, req: CloneRequest): Promise<QemuListEntry | undefined> {
  const vms = await client.qemuList(node);
  if (req.vmid !== undefined) {
    const byId = vms.find((vm) => Number(vm.vmid) === req.vmid);
    if (byId && req.name && byId.name && byId.name !== req.name) {
      throw new ProxmoxAlreadyExistsError(
        `VMID ${req.vmid} on ${node} is taken by "${byId.name}", not "${req.name}": choose another VMID`,
        { method: 'POST', path: `/nodes/${req.node}/qemu/${req.templateId}/clone` },
      );
    }
    return byId;
  }
  const byName = vms.filter((vm) => vm.name === req.name);
  if (byName.length > 1) {
    throw new ProxmoxAlreadyExistsError(
      `${byName.length} VMs on ${node} are named "${req.name}" (${byName.map((v) => v.vmid).join(', ')}): names must be unique for an idempotent clone`,
      { method: 'POST', path: `/nodes/${req.node}/qemu/${req.templateId}/clone` },
    );
  }
  return byName[0];
}

/** Running clone tasks of the template: their task ID is the source VMID (the new VMID is not in the UPID). */
async function runningClones(client: ProxmoxClient, req: CloneRequest): Promise<string[]> {
  const active = await client.tasks(req.node, { typefilter: 'qmclone', source: 'active' });
  // The active list may still show a task that just ended (it then has an end time): only running ones count.
  return active.filter((t) => t.id === String(req.templateId) && t.endtime === undefined).map((t) => t.upid);
}

async function waitAll(client: ProxmoxClient, upids: string[], wait?: WaitOptions): Promise<TaskResult | undefined> {
  let last: TaskResult | undefined;
  for (const upid of upids) {
    try {
      last = await client.waitTask(upid, wait);
    } catch (err) {
      // Another clone of the same template failing is that clone's business; the lookup that follows decides.
      if (!(err instanceof ProxmoxTaskError)) throw err;
    }
  }
  return last;
}

async function adoptExisting(client: ProxmoxClient, req: CloneRequest, node: string, vm: QemuListEntry): Promise<CloneResult> {
  const vmid = Number(vm.vmid);
  let lock = vm.lock ?? (await client.qemuConfig(node, vmid)).lock;
  let task: TaskResult | undefined;
  if (lock && CLONE_LOCKS.has(lock)) {
    task = await waitAll(client, await runningClones(client, req), req.wait);
    lock = (await client.qemuConfig(node, vmid)).lock;
    if (lock && CLONE_LOCKS.has(lock)) {
      throw new ProxmoxAlreadyExistsError(
        `VM ${vmid} on ${node} is still locked (${lock}) and no clone task is running: an earlier clone was cut off; ` +
          `delete VM ${vmid} and run the step again`,
        { method: 'POST', path: `/nodes/${req.node}/qemu/${req.templateId}/clone` },
      );
    }
  }
  return { vmid, name: vm.name ?? req.name, node, created: false, task };
}

// Lookups and clone requests race with other attempts; a few rounds settle every interleaving of sequential
// attempts and of concurrent ones that name the VMID.
const MAX_ROUNDS = 4;

/**
 * Clones the template unless the VM already exists. Safe to repeat after an attempt died at any point. Concurrent
 * calls are safe when they name the VMID (the server refuses a second VM with it); with only a name, two calls that
 * start at the same instant may pick different VMIDs, so give a VMID where that can happen.
 */
export async function cloneIfAbsent(client: ProxmoxClient, req: CloneRequest): Promise<CloneResult> {
  if (req.vmid === undefined && !req.name) throw new Error('cloneIfAbsent needs a vmid or a name to recognise the clone');
  const node = req.target ?? req.node;
  for (let round = 1; ; round++) {
    const existing = await findVm(client, node, req);
    if (existing) return adoptExisting(client, req, node, existing);
    // A clone still copying may not carry its name yet: let it finish before deciding that the VM is absent.
    const running = await runningClones(client, req);
    if (running.length > 0 && round < MAX_ROUNDS) {
      await waitAll(client, running, req.wait);
      continue;
    }
    const vmid = req.vmid ?? (await client.nextId());
    try {
      const upid = await client.cloneVm(req.node, req.templateId, {
        newid: vmid,
        name: req.name,
        full: req.full,
        storage: req.storage,
        target: req.target,
        pool: req.pool,
        description: req.description,
      });
      const task = await client.waitTask(upid, req.wait);
      return { vmid, name: req.name, node, created: true, task };
    } catch (err) {
      // Another attempt took the VMID between the lookup and the clone: the server refuses at once, or the clone
      // task fails when it finds the VM's config already there. Look again.
      const taken =
        err instanceof ProxmoxAlreadyExistsError || (err instanceof ProxmoxTaskError && /already exists/i.test(err.exitStatus));
      if (taken && round < MAX_ROUNDS) continue;
      throw err;
    }
  }
}

export interface DeleteResult {
  deleted: boolean;
  /** The VM was running and was stopped first. */
  stopped: boolean;
}

export async function deleteIfPresent(client: ProxmoxClient, node: string, vmid: number, wait?: WaitOptions): Promise<DeleteResult> {
  let status;
  try {
    status = await client.qemuStatus(node, vmid);
  } catch (err) {
    if (err instanceof ProxmoxNotFoundError) return { deleted: false, stopped: false };
    throw err;
  }
  let stopped = false;
  if (status.status === 'running' || status.status === 'paused') {
    await client.waitTask(await client.stopVm(node, vmid), wait);
    stopped = true;
  }
  try {
    await client.waitTask(await client.destroyVm(node, vmid), wait);
  } catch (err) {
    if (err instanceof ProxmoxNotFoundError) return { deleted: false, stopped };
    throw err;
  }
  return { deleted: true, stopped };
}
