// The schema is PVE 9's. Where an older release checks a different privilege for a served method, the simulated
// version decides: before 9.0 the guest agent calls checked VM.Monitor (the VM.GuestAgent.* privileges came with 9.0).
import type { PermissionSpec } from './permissions';
import type { ServedMethod } from './schema/served-methods';

const VM_MONITOR: PermissionSpec = { check: ['perm', '/vms/{vmid}', ['VM.Monitor']] };
const BEFORE_9: Partial<Record<ServedMethod, PermissionSpec>> = {
  'GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces': VM_MONITOR,
  'GET /nodes/{node}/qemu/{vmid}/agent/get-osinfo': VM_MONITOR,
  'POST /nodes/{node}/qemu/{vmid}/agent/exec': VM_MONITOR,
  'GET /nodes/{node}/qemu/{vmid}/agent/exec-status': VM_MONITOR,
};

export function permissionsFor(key: ServedMethod, schemaSpec: PermissionSpec, version: string): PermissionSpec {
  const major = Number(/^(\d+)/.exec(version)?.[1] ?? 9);
  if (major < 9 && BEFORE_9[key]) return BEFORE_9[key]!;
  return schemaSpec;
}
