// How the sandbox's controllers read a Kubernetes node's spec.providerID, kept apart from the product's reading so
// that a misreading on one side shows up against the other. The Proxmox cloud controller manager and the CSI plugin
// write it in one of two forms:
// - proxmox://<region>/<vmid>: the region is the name of a Proxmox cluster in the cloud config (it may be empty),
//   the VMID a number unique only within that cluster.
// - proxmox://<uuid>: the VM's SMBIOS uuid, as the CCM writes it with the CAPMOX provider; the VM is then found by
//   the uuid in its config (smbios1), not by number.
// Anything else (another provider, no provider, an instance ID that is not a number) names no Proxmox VM.

export const PROXMOX_SCHEME = 'proxmox://';

export type ProviderRef = { kind: 'vmid'; region: string; vmid: number } | { kind: 'uuid'; uuid: string };

// 8-4-4-4-12 hex digits: the form an SMBIOS uuid takes in a VM's config and in a node's systemUUID.
const UUID = /^[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;

/** The VM a providerID names, or undefined when it names none. */
export function readProviderId(providerId: string | undefined): ProviderRef | undefined {
  if (!providerId?.startsWith(PROXMOX_SCHEME)) return undefined;
  const rest = providerId.slice(PROXMOX_SCHEME.length);
  const slash = rest.indexOf('/');
  if (slash === -1) return UUID.test(rest) ? { kind: 'uuid', uuid: rest.toLowerCase() } : undefined;
  const region = rest.slice(0, slash);
  const instance = rest.slice(slash + 1);
  // Exactly two segments; the instance part must be a whole number ("proxmox://region/abc" names nothing).
  if (!/^\d+$/.test(instance)) return undefined;
  return { kind: 'vmid', region, vmid: Number(instance) };
}

/** Only the proxmox://<region>/<vmid> form, which is what the CSI plugin reads to find the VM behind a node. */
export function readVmidProviderId(providerId: string | undefined): { region: string; vmid: number } | undefined {
  const ref = readProviderId(providerId);
  return ref?.kind === 'vmid' ? { region: ref.region, vmid: ref.vmid } : undefined;
}
