// VM configuration helpers shared by the qemu handlers: drive parsing, disk allocation, the config digest, and the
// per-option privileges that a config change needs.
import { createHash } from 'node:crypto';
import type { Simulation } from '../core';
import { ApiError, fail, paramError } from '../errors';
import { requireAll, requireAny } from '../permissions';
import type { NodeState, StorageState, VmConfig, VmState } from '../state';
import { randomMac } from '../state';
import { formatConfigSize, parseSize } from '../sizes';

export const DRIVE_KEY = /^(ide|sata|scsi|virtio|efidisk|tpmstate)\d+$/;
export const UNUSED_KEY = /^unused\d+$/;

export interface Drive {
  file: string;
  options: Map<string, string>;
}

export function parseDrive(value: string): Drive {
  const parts = value.split(',');
  let file = parts[0];
  const options = new Map<string, string>();
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0) options.set(p.slice(0, eq), p.slice(eq + 1));
  }
  if (file.startsWith('file=')) file = file.slice(5);
  return { file, options };
}

export function printDrive(d: Drive): string {
  return [d.file, ...[...d.options].map(([k, v]) => `${k}=${v}`)].join(',');
}

export const isTemplate = (vm: VmState) => Number(vm.config.template ?? 0) === 1;
export const bool = (v: unknown) => v === true || String(v) === '1';

export function bridgesOf(config: VmConfig): string[] {
  return Object.entries(config)
    .filter(([k]) => /^net\d+$/.test(k))
    .map(([, v]) => /(?:^|,)bridge=([^,]+)/.exec(String(v))?.[1])
    .filter((b): b is string => !!b);
}

export function drivesOf(config: VmConfig): Array<[string, Drive]> {
  return Object.entries(config)
    .filter(([k]) => DRIVE_KEY.test(k))
    .map(([k, v]) => [k, parseDrive(String(v))] as [string, Drive])
    .sort(([a], [b]) => a.localeCompare(b));
}

export const isCdrom = (d: Drive) => d.options.get('media') === 'cdrom' || d.file === 'cdrom' || d.file === 'none';
export const isCloudinit = (d: Drive) => /[:/]vm-\d+-cloudinit(\.\w+)?$/.test(d.file);

export function configDigest(config: VmConfig): string {
  const text = Object.keys(config)
    .filter((k) => k !== 'digest')
    .sort()
    .map((k) => `${k}: ${config[k]}`)
    .join('\n');
  return createHash('sha1').update(text).digest('hex');
}

export function splitVolid(volid: string): { storage: string; name: string } {
  const colon = volid.indexOf(':');
  return { storage: volid.slice(0, colon), name: volid.slice(colon + 1) };
}

/** Next free vm-<vmid>-disk-<n> on a storage. */
export function allocateVolume(storage: StorageState, vmid: number, size: number, format?: string, prefix = 'vm'): string {
  const fmt = format ?? (storage.type === 'dir' ? 'qcow2' : 'raw');
  for (let n = 0; ; n++) {
    const base = `${prefix}-${vmid}-disk-${n}`;
    const taken = [...storage.volumes.keys()].some((k) => k === base || k.endsWith(`/${base}`) || k.startsWith(`${vmid}/${base}.`));
    if (taken) continue;
    const name = storage.type === 'dir' ? `${vmid}/${base}.${fmt}` : base;
    const volid = `${storage.id}:${name}`;
    storage.volumes.set(name, { volid, storage: storage.id, name, content: 'images', format: fmt, size, vmid, ctime: Math.floor(Date.now() / 1000) });
    return volid;
  }
}

export function cloudinitVolume(storage: StorageState, vmid: number): string {
  const name = storage.type === 'dir' ? `${vmid}/vm-${vmid}-cloudinit.qcow2` : `vm-${vmid}-cloudinit`;
  storage.volumes.set(name, { volid: `${storage.id}:${name}`, storage: storage.id, name, content: 'images', format: storage.type === 'dir' ? 'qcow2' : 'raw', size: 4 * 1024 * 1024, vmid, ctime: Math.floor(Date.now() / 1000) });
  return `${storage.id}:${name}`;
}

/** The VMID a volume belongs to by its name (vm-<vmid>-..., base-<vmid>-..., <vmid>/vm-<vmid>-... on dir storages). */
export function volumeOwner(volid: string): number | undefined {
  const m = /(?:^|[:/])(?:vm|base)-(\d+)-[^/]*$/.exec(volid);
  return m ? Number(m[1]) : undefined;
}

export function freeVolume(node: NodeState, volid: string): void {
  const { storage, name } = splitVolid(volid);
  node.storages.get(storage)?.volumes.delete(name);
  node.storages.get(storage)?.files.delete(name);
}

/** Which privilege a config option needs (qemu-server groups options the same way). */
export function privilegeForOption(key: string, value?: string): string {
  if (/^(cores|sockets|cpu|cpulimit|cpuunits|vcpus|affinity|numa\d*)$/.test(key)) return 'VM.Config.CPU';
  if (/^(memory|balloon|shares)$/.test(key)) return 'VM.Config.Memory';
  if (/^net\d+$/.test(key)) return 'VM.Config.Network';
  if (/^(ciuser|cipassword|citype|ciupgrade|cicustom|ipconfig\d+|nameserver|searchdomain|sshkeys)$/.test(key)) return 'VM.Config.Cloudinit';
  if (DRIVE_KEY.test(key) || UNUSED_KEY.test(key)) return value && /media=cdrom/.test(value) ? 'VM.Config.CDROM' : 'VM.Config.Disk';
  if (/^(vga|hotplug|scsihw|serial\d+|usb\d+|hostpci\d+|parallel\d+|tablet|keyboard|machine|acpi|kvm|bios|smbios1|vmgenid|audio0|rng0|watchdog|tpmstate0|efidisk0)$/.test(key)) return 'VM.Config.HWType';
  return 'VM.Config.Options';
}

function checkBridge(sim: Simulation, authid: string, value: string): void {
  const m = /(?:^|,)bridge=([^,]+)/.exec(value);
  if (m) requireAll(sim.state, authid, `/sdn/zones/localnetwork/${m[1]}`, ['SDN.Use']);
}

/** Fills in a MAC address when a NIC is given without one ("virtio,bridge=vmbr0"). */
export function normalizeNet(value: string): string {
  const parts = value.split(',');
  const model = /^(virtio|e1000|e1000e|rtl8139|vmxnet3)(?:=(.*))?$/.exec(parts[0]);
  if (model && !model[2]) parts[0] = `${model[1]}=${randomMac()}`;
  return parts.join(',');
}

const NOT_SETTABLE = new Set(['node', 'vmid', 'digest', 'delete', 'revert', 'skiplock', 'force', 'background_delay', 'template', 'lock']);

function splitChange(params: Record<string, unknown>): { deletions: string[]; changes: Array<[string, unknown]> } {
  const deletions = params.delete === undefined ? [] : String(params.delete).split(/[,;\s\0]+/).filter(Boolean);
  const changes = Object.entries(params).filter(([k]) => !NOT_SETTABLE.has(k));
  return { deletions, changes };
}

/** The checks update_vm makes before it forks: who may use skiplock, per-option privileges, bridges. */
export function checkConfigChange(sim: Simulation, vm: VmState, params: Record<string, unknown>, authid: string): void {
  if (params.skiplock !== undefined && authid !== 'root@pam') paramError({ skiplock: 'Only root may use this option.' });
  const { deletions, changes } = splitChange(params);
  for (const key of deletions) requireAll(sim.state, authid, `/vms/${vm.vmid}`, [privilegeForOption(key, String(vm.config[key] ?? ''))]);
  for (const [key, value] of changes) {
    requireAll(sim.state, authid, `/vms/${vm.vmid}`, [privilegeForOption(key, String(value))]);
    if (/^net\d+$/.test(key)) checkBridge(sim, authid, String(value));
  }
  for (const key of deletions) {
    if (changes.some(([k]) => k === key)) throw new ApiError(400, 'Parameter verification failed.\n', { delete: `unable to delete parameter '${key}' - it is also in the update list` });
  }
}

/** Applies a config change (update_vm) under the config lock: digest and lock checks, deletions, new disks, NICs. */
export function applyConfigChange(sim: Simulation, vm: VmState, params: Record<string, unknown>, authid: string): void {
  const node = sim.node(vm.node);
  checkConfigChange(sim, vm, params, authid);
  if (params.digest !== undefined && params.digest !== configDigest(vm.config)) {
    fail('detected modified configuration - file changed by other user? Try again.');
  }
  if (String(params.skiplock ?? '0') !== '1') sim.checkLock(vm);
  const { deletions, changes } = splitChange(params);
  // force: a deleted disk's volume is removed physically instead of being kept as unusedN (qemu-server
  // vmconfig_delete_or_detach_drive).
  const force = params.force === true || String(params.force ?? '0') === '1';

  for (const key of deletions) {
    const current = vm.config[key];
    if (current === undefined) continue;
    if (DRIVE_KEY.test(key)) {
      const d = parseDrive(String(current));
      if (isCloudinit(d) || (force && !isCdrom(d))) freeVolume(node, d.file);
      // As qemu-server does: only a volume the VM owns (vm-<vmid>-...) is kept as unusedN; a detached volume of
      // another owner (a CSI disk, vm-9999-pvc-...) just leaves the config.
      else if (!isCdrom(d) && volumeOwner(d.file) === vm.vmid) {
        let n = 0;
        while (vm.config[`unused${n}`] !== undefined) n++;
        vm.config[`unused${n}`] = d.file;
      }
    } else if (UNUSED_KEY.test(key)) {
      freeVolume(node, String(current));
    }
    delete vm.config[key];
  }

  for (const [key, raw] of changes) {
    let value = typeof raw === 'boolean' ? (raw ? 1 : 0) : (raw as string | number);
    if (DRIVE_KEY.test(key)) value = prepareDrive(sim, node, vm.vmid, String(value), authid);
    else if (/^net\d+$/.test(key)) value = normalizeNet(String(value));
    vm.config[key] = typeof value === 'number' ? value : /^\d+$/.test(String(value)) && !/^(name|description|tags)$/.test(key) ? Number(value) : value;
  }
}

/** A drive given as STORAGE:SIZE (GiB) allocates a new volume; STORAGE:cloudinit creates the cloud-init drive. */
export function prepareDrive(sim: Simulation, node: NodeState, vmid: number, value: string, authid: string): string {
  const d = parseDrive(value);
  if (isCdrom(d) && !d.file.includes(':')) return value;
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(\d+(?:\.\d+)?|cloudinit)$/i.exec(d.file);
  if (!m) {
    const { storage, name } = splitVolid(d.file);
    const s = node.storages.get(storage);
    if (!s) fail(`storage '${storage}' does not exist`);
    const vol = s.volumes.get(name);
    if (!vol) fail(`volume '${d.file}' does not exist`);
    // PVE::Storage::check_volume_access: ISO images and templates need read access to their storage.
    if (vol.content === 'iso' || vol.content === 'vztmpl' || vol.content === 'import') requireAny(sim.state, authid, `/storage/${storage}`, ['Datastore.AllocateSpace', 'Datastore.Audit']);
    if (!d.options.has('size') && !isCdrom(d)) d.options.set('size', formatConfigSize(vol.size));
    return printDrive(d);
  }
  const storage = node.storages.get(m[1]);
  if (!storage) fail(`storage '${m[1]}' does not exist`);
  requireAll(sim.state, authid, `/storage/${storage.id}`, ['Datastore.AllocateSpace']);
  if (!storage.content.includes('images')) fail(`storage '${storage.id}' does not support vm images`);
  if (m[2] === 'cloudinit') {
    d.file = cloudinitVolume(storage, vmid);
    d.options.set('media', 'cdrom');
    return printDrive(d);
  }
  const size = Math.round(parseFloat(m[2]) * 1024 ** 3);
  d.file = allocateVolume(storage, vmid, size, d.options.get('format'));
  d.options.delete('format');
  d.options.set('size', formatConfigSize(size));
  return printDrive(d);
}

export function driveSize(d: Drive): number {
  const s = d.options.get('size');
  return s ? parseSize(s) : 0;
}
