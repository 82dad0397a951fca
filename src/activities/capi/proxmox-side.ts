// The Proxmox side of the VM steps: a client from the config (secrets resolved here), errors mapped to the Proxmox
// failure classification, and the checks that a provisioned VM is what the template and settings asked for.
import { ApplicationFailure } from '@temporalio/common';
import type { StepInput } from '../../catalogue/types';
import type { ProxmoxClient } from '../../proxmox/client';
import { proxmoxErrorToFailure } from '../proxmox/to-failure';
import { clientFor } from '../proxmox/step-context';
import { STEP3_VM_TAGS, vmSettings } from './names';

export async function withProxmox<T>(input: StepInput, body: (client: ProxmoxClient) => Promise<T>): Promise<T> {
  let client: ProxmoxClient | undefined;
  try {
    client = await clientFor(input, 'preferred');
    return await body(client);
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    throw proxmoxErrorToFailure(err);
  } finally {
    client?.close();
  }
}

function sizeGiB(drive: unknown): number {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)/.exec(String(drive ?? ''));
  if (!m) return 0;
  const factor: Record<string, number> = { '': 1 / 1024 ** 3, K: 1 / 1024 ** 2, M: 1 / 1024, G: 1, T: 1024 };
  return Number(m[1]) * factor[m[2]];
}

export interface VmFacts {
  vmid: number;
  node: string;
  name: string;
  status: string;
  cores: number;
  sockets: number;
  memoryMiB: number;
  diskGiB: number;
  bridge: string;
  tags: string[];
  /** The qmclone task of the template that made this VM, and how long it ran. */
  cloneTask?: string;
  cloneSeconds?: number;
}

/** Reads the VM and finds the clone task of the template whose log names this VM's disks. */
export async function vmFacts(input: StepInput, proxmox: ProxmoxClient, node: string, vmid: number): Promise<VmFacts> {
  const settings = vmSettings(input.config);
  const [config, status] = await Promise.all([proxmox.qemuConfig(node, vmid), proxmox.qemuStatus(node, vmid)]);
  const template = String(input.config.proxmox.templateId);
  const clones = (await proxmox.tasks(node, { typefilter: 'qmclone', vmid: input.config.proxmox.templateId, source: 'all', limit: 500 })).filter((t) => t.id === template && t.status === 'OK');
  let cloneTask: string | undefined;
  let cloneSeconds: number | undefined;
  for (const task of clones.sort((a, b) => (b.starttime ?? 0) - (a.starttime ?? 0))) {
    const log = await proxmox.get<Array<{ t: string }>>(`/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(task.upid)}/log`, { start: 0, limit: 5000 });
    if (log.some((line) => line.t.includes(`vm-${vmid}-disk-`))) {
      cloneTask = task.upid;
      cloneSeconds = task.endtime !== undefined && task.starttime !== undefined ? task.endtime - task.starttime : undefined;
      break;
    }
  }
  return {
    vmid,
    node,
    name: String(config.name ?? ''),
    status: status.status,
    cores: Number(config.cores ?? 1),
    sockets: Number(config.sockets ?? 1),
    memoryMiB: Number(config.memory ?? 0),
    diskGiB: sizeGiB(config[settings.bootDisk]),
    bridge: /(?:^|,)bridge=([^,]+)/.exec(String(config.net0 ?? ''))?.[1] ?? '',
    tags: String(config.tags ?? '').split(/[;, ]/).filter(Boolean),
    cloneTask,
    cloneSeconds,
  };
}

/** What differs between the VM and what was asked for; empty when it matches. */
export function vmMismatches(input: StepInput, facts: VmFacts, machineName: string): string[] {
  const s = vmSettings(input.config);
  const problems: string[] = [];
  const expect = (what: string, seen: unknown, wanted: unknown) => {
    if (seen !== wanted) problems.push(`${what} is ${String(seen)}, expected ${String(wanted)}`);
  };
  expect('status', facts.status, 'running');
  expect('name', facts.name, machineName);
  expect('cores', facts.cores, s.cores);
  expect('sockets', facts.sockets, s.sockets);
  expect('memory (MiB)', facts.memoryMiB, s.memoryMiB);
  expect(`${s.bootDisk} size (GiB)`, facts.diskGiB, s.diskGiB);
  expect('net0 bridge', facts.bridge, input.config.proxmox.bridge);
  const missingTags = STEP3_VM_TAGS.filter((t) => !facts.tags.includes(t));
  if (missingTags.length > 0) problems.push(`tags are '${facts.tags.join(';')}', expected to include ${missingTags.join(', ')}`);
  if (!facts.cloneTask) problems.push(`no successful qmclone task of template ${input.config.proxmox.templateId} on ${facts.node} created VM ${facts.vmid}'s disks`);
  return problems;
}
