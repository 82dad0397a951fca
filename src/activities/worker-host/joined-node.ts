// The host's Node object, and the marker that tells a node this run joined from one that was a worker before: the
// join sets it, the undo and the checks read it.
export const JOINED_BY_ANNOTATION = 'cozy-proxmox.io/joined-by';

export const nodeRef = (name: string) => ({ apiVersion: 'v1', kind: 'Node', name });
