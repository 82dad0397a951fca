// The objects the step-3 steps apply, built from the config: the provider's credentials in the test namespace, the
// ProxmoxCluster and Cluster, the bootstrap data, the ProxmoxMachineTemplate and the MachineDeployment.
import type { IntegrationConfig } from '../../config/schema';
import type { KubeObject } from '../../kubernetes/types';
import { CAPMOX_API, STEP3_VM_TAGS, CLUSTER_API, DEPLOYMENT_NAME_LABEL, KUBERNETES_VERSION_OF_MACHINES, step3Labels, vmSettings, type Step3Names } from './names';

export interface ProxmoxCredentials {
  url: string;
  token: string;
  secret: string;
}

/** The Secret a ProxmoxCluster's credentialsRef names: keys url, token and secret, as CAPMOX reads them. */
export function credentialsSecret(n: Step3Names, creds: ProxmoxCredentials): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: n.credentialsSecret, namespace: n.namespace, labels: step3Labels(n) },
    type: 'Opaque',
    stringData: { url: creds.url, token: creds.token, secret: creds.secret },
  };
}

export function proxmoxCluster(config: IntegrationConfig, n: Step3Names): KubeObject {
  const vms = vmSettings(config);
  return {
    apiVersion: CAPMOX_API,
    kind: 'ProxmoxCluster',
    metadata: { name: n.cluster, namespace: n.namespace, labels: step3Labels(n) },
    spec: {
      controlPlaneEndpoint: vms.controlPlaneEndpoint,
      allowedNodes: [config.proxmox.node],
      ipv4Config: vms.ipv4,
      dnsServers: vms.dnsServers,
      credentialsRef: { name: n.credentialsSecret, namespace: n.namespace },
    },
  };
}

export function cluster(n: Step3Names): KubeObject {
  return {
    apiVersion: CLUSTER_API,
    kind: 'Cluster',
    metadata: { name: n.cluster, namespace: n.namespace, labels: step3Labels(n) },
    spec: { infrastructureRef: { apiVersion: CAPMOX_API, kind: 'ProxmoxCluster', name: n.cluster, namespace: n.namespace } },
  };
}

/** Bootstrap data for the test machines: they only have to boot, not join (a placeholder cloud-config). */
export function bootstrapSecret(n: Step3Names): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: n.bootstrapSecret, namespace: n.namespace, labels: step3Labels(n) },
    type: 'cluster.x-k8s.io/secret',
    stringData: { format: 'cloud-config', value: '#cloud-config\n# cozy-proxmox step 3: a VM lifecycle test machine, it does not join a cluster\n' },
  };
}

export function machineTemplate(config: IntegrationConfig, n: Step3Names): KubeObject {
  const vms = vmSettings(config);
  return {
    apiVersion: CAPMOX_API,
    kind: 'ProxmoxMachineTemplate',
    metadata: { name: n.machineTemplate, namespace: n.namespace, labels: step3Labels(n) },
    spec: {
      template: {
        spec: {
          sourceNode: config.proxmox.node,
          templateID: config.proxmox.templateId,
          full: true,
          storage: config.proxmox.storage,
          numSockets: vms.sockets,
          numCores: vms.cores,
          memoryMiB: vms.memoryMiB,
          disks: { bootVolume: { disk: vms.bootDisk, sizeGb: vms.diskGiB } },
          network: { default: { bridge: config.proxmox.bridge, model: 'virtio' } },
          tags: STEP3_VM_TAGS,
          ...(vms.vmIdRange ? { vmIDRange: vms.vmIdRange } : {}),
        },
      },
    },
  };
}

export function machineDeployment(n: Step3Names, replicas: number): KubeObject {
  const selector = { [DEPLOYMENT_NAME_LABEL]: n.machineDeployment, ...step3Labels(n) };
  return {
    apiVersion: CLUSTER_API,
    kind: 'MachineDeployment',
    metadata: { name: n.machineDeployment, namespace: n.namespace, labels: step3Labels(n) },
    spec: {
      clusterName: n.cluster,
      replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          clusterName: n.cluster,
          version: KUBERNETES_VERSION_OF_MACHINES,
          bootstrap: { dataSecretName: n.bootstrapSecret },
          infrastructureRef: { apiVersion: CAPMOX_API, kind: 'ProxmoxMachineTemplate', name: n.machineTemplate, namespace: n.namespace },
        },
      },
    },
  };
}
