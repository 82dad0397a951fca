// The installation a rehearsal starts from: one node `pve1` on PVE 8.2, bridge vmbr0, storages `local` and
// `local-lvm`, a cloud-init template 9000, the running VM 811 behind the sandbox's Kubernetes node, root@pam with a
// password and the token root@pam!cozy (privilege separation) with the ACLs that the Cluster API provider (CAPMOX)
// and proxmox-csi-plugin need, and monitoring@pve!exporter with PVEAuditor only, prometheus-pve-exporter's login.
import { parseSeed, type SimulatorSeed, type SimulatorSeedInput } from './seed';
import { CAPMOX_PRIVILEGES, CSI_PRIVILEGES } from '../../../../src/proxmox/required-privileges';

export const DEFAULT_ROOT_PASSWORD = 'cozy-sandbox-root';
export const DEFAULT_TOKEN_ID = 'root@pam!cozy';
export const DEFAULT_TOKEN_SECRET = '5f1c0a7e-3b1d-4e8a-9c2f-7d6b4a1e0c93';
/** prometheus-pve-exporter's login: a user of the pve realm whose token holds PVEAuditor on / and nothing else. */
export const EXPORTER_TOKEN_ID = 'monitoring@pve!exporter';
export const EXPORTER_TOKEN_SECRET = '0b7d3e52-8a41-4c6f-b2e9-51f0c8d4a7e6';

/**
 * The running VM behind the sandbox's Kubernetes node cozy-sandbox-node-1: CSI disks are hot-plugged into it. The
 * node carries providerID proxmox://<region>/<vmid> and the topology labels region/zone, as the Proxmox CCM sets them.
 */
export const SANDBOX_NODE_VM = { vmid: 811, name: 'cozy-sandbox-node-1', node: 'pve1' } as const;
/** The region (Proxmox cluster name in the CCM's and CSI driver's config) the sandbox's nodes are labelled with. */
export const SANDBOX_REGION = 'pve';

// The token holds exactly what the integration requires of it (the lists step1.token-privileges checks), so a
// healthy sandbox passes that step and a seed that drops one privilege fails it.
export { CAPMOX_PRIVILEGES, CSI_PRIVILEGES } from '../../../../src/proxmox/required-privileges';

/** Beyond the provider and CSI: what the optional steps do with the token (create a bridge, create and read a pool). */
export const OPERATOR_PRIVILEGES = ['Sys.Modify', 'Pool.Allocate', 'Pool.Audit'];

export function defaultSeedInput(): SimulatorSeedInput {
  return {
    version: { version: '8.2.4', release: '8.2', repoid: 'faa83925c9641325' },
    nodes: [
      {
        name: 'pve1',
        cpus: 16,
        memory: '128G',
        uptime: 1_209_600,
        status: 'online',
        network: [
          { iface: 'eno1', type: 'eth', active: true, autostart: true },
          { iface: 'vmbr0', type: 'bridge', active: true, autostart: true, cidr: '192.168.100.10/24', gateway: '192.168.100.1', bridge_ports: 'eno1' },
        ],
        storages: [
          {
            id: 'local', type: 'dir', content: 'iso,vztmpl,backup', total: '100G', used: '12G', path: '/var/lib/vz',
            contents: [{ volid: 'local:iso/ubuntu-22.04.4-live-server-amd64.iso', size: 2_104_408_064, format: 'iso' }],
          },
          { id: 'local-lvm', type: 'lvmthin', content: 'images,rootdir', total: '500G', used: '3G' },
        ],
        vms: [
          {
            vmid: 9000, name: 'ubuntu-2204-cloudinit', template: true, agent: true, cloudinit: true, cores: 2, memory: 2048,
            disks: [{ slot: 'scsi0', storage: 'local-lvm', size: '32G' }],
            nets: [{ slot: 'net0', model: 'virtio', bridge: 'vmbr0', macaddr: 'BC:24:11:5E:7A:01' }],
            tags: ['template'],
          },
          {
            vmid: SANDBOX_NODE_VM.vmid, name: SANDBOX_NODE_VM.name, agent: true, cores: 4, memory: 8192, status: 'running',
            disks: [{ slot: 'scsi0', storage: 'local-lvm', size: '32G' }],
            nets: [{ slot: 'net0', model: 'virtio', bridge: 'vmbr0', macaddr: 'BC:24:11:5E:7A:64' }],
            tags: ['kubernetes', 'cozy-sandbox'],
          },
        ],
      },
    ],
    users: [
      { userid: 'root@pam', password: DEFAULT_ROOT_PASSWORD, enable: true, email: 'root@localhost' },
      { userid: 'monitoring@pve', enable: true, comment: 'prometheus-pve-exporter' },
    ],
    tokens: [
      { id: DEFAULT_TOKEN_ID, secret: DEFAULT_TOKEN_SECRET, privsep: true, comment: 'cozy-proxmox' },
      { id: EXPORTER_TOKEN_ID, secret: EXPORTER_TOKEN_SECRET, privsep: true, comment: 'prometheus-pve-exporter' },
    ],
    roles: [
      { roleid: 'CozyCAPMOX', privs: [...CAPMOX_PRIVILEGES] },
      { roleid: 'CozyCSI', privs: [...CSI_PRIVILEGES] },
      { roleid: 'CozyOperator', privs: [...OPERATOR_PRIVILEGES] },
    ],
    acls: [
      { path: '/', ugid: DEFAULT_TOKEN_ID, roleid: 'CozyCAPMOX', propagate: true },
      { path: '/', ugid: DEFAULT_TOKEN_ID, roleid: 'CozyCSI', propagate: true },
      { path: '/', ugid: DEFAULT_TOKEN_ID, roleid: 'CozyOperator', propagate: true },
      // A privilege-separated token holds what both it and its user hold: both get PVEAuditor.
      { path: '/', ugid: 'monitoring@pve', roleid: 'PVEAuditor', propagate: true },
      { path: '/', ugid: EXPORTER_TOKEN_ID, roleid: 'PVEAuditor', propagate: true },
    ],
  };
}

export function defaultSeed(): SimulatorSeed {
  return parseSeed(defaultSeedInput(), 'default seed');
}
