// The names of proxmox-csi-plugin the sandbox's simulated node side writes (the CSINode registration), taken from
// the plugin itself rather than from the product, so that the product's CSI steps meet an independent reading.
export const DRIVER_NAME = 'csi.proxmox.sinextra.dev';
export const TOPOLOGY_REGION = 'topology.kubernetes.io/region';
export const TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
