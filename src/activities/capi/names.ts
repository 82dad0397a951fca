// What the step-3 steps create, by deterministic name (from the cluster name), and the VM settings they ask for.
// A retried or re-run step finds and reuses what an earlier attempt made.
import type { IntegrationConfig } from '../../config/schema';
import type { ObjectRef } from '../../kubernetes/types';

export const CLUSTER_API = 'cluster.x-k8s.io/v1beta1';
export const CAPMOX_API = 'infrastructure.cluster.x-k8s.io/v1alpha1';
/** The CRDs of the kinds step 3 creates; CAPMOX's deployment must have made them Established. */
export const CAPMOX_CRD_NAMES = ['proxmoxclusters', 'proxmoxmachines', 'proxmoxmachinetemplates'].map((p) => `${p}.infrastructure.cluster.x-k8s.io`);
export const CLUSTER_NAME_LABEL = 'cluster.x-k8s.io/cluster-name';
export const DEPLOYMENT_NAME_LABEL = 'cluster.x-k8s.io/deployment-name';
/** Marks every object the step-3 steps create, so the cleanup finds them. */
export const STEP3_LABEL = 'cozy-proxmox.io/step';
export const STEP3_LABEL_VALUE = 'step3-vm-management';
export const KUBERNETES_VERSION_OF_MACHINES = 'v1.34.4';

export interface VmSettings {
  cores: number;
  sockets: number;
  memoryMiB: number;
  diskGiB: number;
  bootDisk: string;
  ipv4: { addresses: string[]; prefix: number; gateway: string };
  dnsServers: string[];
  controlPlaneEndpoint: { host: string; port: number };
  provisionTimeoutSeconds: number;
  vmIdRange?: { start: number; end: number };
}

/** Defaults fit the sandbox (template 9000 has a 32 GiB scsi0, 2 cores, 2 GiB) and a typical lab network. */
export const DEFAULT_VM_SETTINGS: VmSettings = {
  cores: 4,
  sockets: 1,
  memoryMiB: 4096,
  diskGiB: 40,
  bootDisk: 'scsi0',
  ipv4: { addresses: ['10.10.0.10-10.10.0.100'], prefix: 24, gateway: '10.10.0.1' },
  dnsServers: ['10.10.0.1'],
  controlPlaneEndpoint: { host: '10.10.0.2', port: 6443 },
  provisionTimeoutSeconds: 600,
};

/** The config's optional `vms` section over the defaults. */
export function vmSettings(config: IntegrationConfig): VmSettings {
  const given = ((config as { vms?: Partial<VmSettings> }).vms ?? {}) as Partial<VmSettings>;
  return { ...DEFAULT_VM_SETTINGS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
}

export interface Step3Names {
  namespace: string;
  cluster: string;
  credentialsSecret: string;
  bootstrapSecret: string;
  machineTemplate: string;
  machineDeployment: string;
}

export function step3Names(config: IntegrationConfig): Step3Names {
  const cluster = `cozy-proxmox-${config.cluster.name}`;
  return {
    namespace: config.kubernetes.testNamespace,
    cluster,
    credentialsSecret: `${cluster}-proxmox-credentials`,
    bootstrapSecret: `${cluster}-bootstrap`,
    machineTemplate: `${cluster}-workers`,
    machineDeployment: `${cluster}-workers`,
  };
}

export const refs = {
  cluster: (n: Step3Names): ObjectRef => ({ apiVersion: CLUSTER_API, kind: 'Cluster', name: n.cluster, namespace: n.namespace }),
  proxmoxCluster: (n: Step3Names): ObjectRef => ({ apiVersion: CAPMOX_API, kind: 'ProxmoxCluster', name: n.cluster, namespace: n.namespace }),
  machineDeployment: (n: Step3Names): ObjectRef => ({ apiVersion: CLUSTER_API, kind: 'MachineDeployment', name: n.machineDeployment, namespace: n.namespace }),
  machineTemplate: (n: Step3Names): ObjectRef => ({ apiVersion: CAPMOX_API, kind: 'ProxmoxMachineTemplate', name: n.machineTemplate, namespace: n.namespace }),
  secret: (name: string, n: Step3Names): ObjectRef => ({ apiVersion: 'v1', kind: 'Secret', name, namespace: n.namespace }),
};

export function step3Labels(n: Step3Names): Record<string, string> {
  return { [STEP3_LABEL]: STEP3_LABEL_VALUE, [CLUSTER_NAME_LABEL]: n.cluster };
}

/** Proxmox tags CAPMOX puts on the test machines' VMs (ProxmoxMachine spec.tags), so an operator can tell them apart. */
export const STEP3_VM_TAGS = ['cozy-proxmox', 'step3-test'];
