// Realistic chart values for the tests (a Proxmox cluster at a documentation address, a token in Proxmox's format).
export const PROXMOX_URL = 'https://pve.example.com:8006';
export const TOKEN_ID = 'capmox@pve!capi';
export const TOKEN_SECRET = '5f0c8a4e-3b1d-4c6a-9e2f-7a8b9c0d1e2f';

export const CAPI_VALUES = { proxmox: { url: PROXMOX_URL, tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET } };

export const WORKER_VALUES = {
  nodeLabels: {
    'node-role.kubernetes.io/worker': '',
    'node.kubernetes.io/instance-type': 'proxmox',
    'topology.kubernetes.io/zone': 'pve1',
  },
  taints: [{ key: 'node.cozystack.io/proxmox', value: 'hypervisor', effect: 'NoSchedule' }],
};

export const CSI_VALUES = {
  proxmox: { url: PROXMOX_URL, tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET, region: 'cluster-1', insecure: true },
  storageClass: { name: 'proxmox-data', storage: 'data', cache: 'writethrough', ssd: true, fstype: 'xfs' },
};
