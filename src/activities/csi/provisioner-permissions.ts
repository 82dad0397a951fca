// Why the CSI driver was refused, when its Proxmox client does not say: proxmox-csi-plugin's client turns an HTTP 403
// into "not authorized to access endpoint" and drops Proxmox's "Permission check failed (path, privilege)". The step
// asks Proxmox what the token may do on the claim's storage (GET /access/permissions) and names what is missing.
// The product and the chart use the same token (proxmox.token), so its permissions are the driver's.
import type { ProxmoxClient } from '../../proxmox/client';

/** What the driver needs on the storage to make, size and remove a disk there. */
const STORAGE_PRIVILEGES = ['Datastore.AllocateSpace', 'Datastore.Audit'] as const;

export function isPermissionRefusal(message: string): boolean {
  return /not authorized to access endpoint|Permission check failed|\b403\b/i.test(message);
}

/** The storage privileges the token lacks on /storage/<storage>, or [] when it has them all (or cannot tell). */
export async function missingStoragePrivileges(px: ProxmoxClient, storage: string): Promise<string[]> {
  const path = `/storage/${storage}`;
  const granted = (await px.permissions({ path }))[path] ?? {};
  return STORAGE_PRIVILEGES.filter((p) => !granted[p]);
}
