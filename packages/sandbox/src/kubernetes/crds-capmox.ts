// The CRDs of the Cluster API provider for Proxmox (CAPMOX) v0.7, API infrastructure.cluster.x-k8s.io/v1alpha1:
// ProxmoxCluster, ProxmoxMachine and ProxmoxMachineTemplate, with the fields that release serves. CAPMOX publishes
// them only inside its release manifest, so they are written out here; cluster-api-operator's stand-in in the
// sandbox operator applies them when an InfrastructureProvider `proxmox` appears, as the real operator applies the
// provider's components. The `cluster.x-k8s.io/v1beta1` label tells Cluster API core which version of the provider
// serves its v1beta1 contract.
import type { KubeObject } from '../../../../src/kubernetes/types';

export const CAPMOX_GROUP = 'infrastructure.cluster.x-k8s.io';
export const CAPMOX_VERSION = 'v1alpha1';
export const CAPMOX_CRD_NAMES = ['proxmoxclusters', 'proxmoxmachines', 'proxmoxmachinetemplates'].map((p) => `${p}.${CAPMOX_GROUP}`);

type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const int = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });
const bool = (extra: Schema = {}): Schema => ({ type: 'boolean', ...extra });
const obj = (properties: Record<string, Schema>, required?: string[], extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
  ...extra,
});
const arr = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', items, ...extra });

/** Cluster API v1beta1 Conditions. */
const conditions = arr(
  obj(
    {
      type: str({ minLength: 1, maxLength: 256 }),
      status: str(),
      severity: str({ maxLength: 32 }),
      lastTransitionTime: str({ format: 'date-time' }),
      reason: str({ maxLength: 256 }),
      message: str({ maxLength: 10240 }),
    },
    ['lastTransitionTime', 'status', 'type'],
  ),
);

const apiEndpoint = obj({ host: str({ maxLength: 512 }), port: int({ format: 'int32' }) }, ['host', 'port']);

const ipPoolSpec = obj(
  {
    addresses: arr(str()),
    prefix: int({ minimum: 0, maximum: 128 }),
    gateway: str(),
  },
  ['addresses', 'prefix'],
);

const interfaceConfig: Record<string, Schema> = {
  ipv4PoolRef: obj({ apiGroup: str(), kind: str(), name: str() }, ['kind', 'name'], { 'x-kubernetes-map-type': 'atomic' }),
  ipv6PoolRef: obj({ apiGroup: str(), kind: str(), name: str() }, ['kind', 'name'], { 'x-kubernetes-map-type': 'atomic' }),
  dnsServers: arr(str(), { minItems: 1 }),
  linkMtu: int({ format: 'int32' }),
};

const networkDevice: Record<string, Schema> = {
  bridge: str({ minLength: 1 }),
  model: str({ enum: ['e1000', 'virtio', 'rtl8139', 'vmxnet3'], default: 'virtio' }),
  mtu: int({ format: 'int32' }),
  vlan: int({ minimum: 1, maximum: 4094 }),
};

/** ProxmoxMachineSpec: what a ProxmoxMachine and a ProxmoxMachineTemplate's template.spec hold. */
const machineSpec = obj({
  // TemplateSource
  sourceNode: str({ minLength: 1 }),
  templateID: int({ format: 'int32' }),
  templateSelector: obj({ matchTags: arr(str(), { minItems: 1 }) }, ['matchTags']),
  // VirtualMachineCloneSpec
  description: str(),
  format: str({ enum: ['raw', 'qcow2', 'vmdk'] }),
  full: bool({ default: true }),
  pool: str(),
  snapName: str(),
  storage: str(),
  target: str(),
  // ProxmoxMachineSpec
  providerID: str(),
  virtualMachineID: int({ format: 'int64' }),
  numSockets: int({ format: 'int32', minimum: 1 }),
  numCores: int({ format: 'int32', minimum: 1 }),
  memoryMiB: int({ format: 'int32', multipleOf: 8 }),
  disks: obj({
    bootVolume: obj({ disk: str(), sizeGb: int({ format: 'int32', minimum: 5 }) }, ['disk', 'sizeGb'], {
      'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'Value is immutable' }],
    }),
  }),
  network: obj({
    default: obj(networkDevice, ['bridge']),
    additionalDevices: arr(obj({ ...networkDevice, ...interfaceConfig, name: str({ minLength: 1 }) }, ['bridge', 'name']), {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    }),
  }),
  vmIDRange: obj({ start: int({ format: 'int64', minimum: 100, maximum: 999999999 }), end: int({ format: 'int64', minimum: 100, maximum: 999999999 }) }, ['start', 'end']),
  checks: obj({ skipCloudInitStatus: bool(), skipQemuGuestAgent: bool() }),
  metadataSettings: obj({ providerIDInjection: bool() }),
});

const machineSpecRules = [
  { rule: '[has(self.sourceNode), has(self.templateSelector)].exists_one(c, c)', message: 'must define either SourceNode with TemplateID, OR TemplateSelector' },
  { rule: '[has(self.templateID), has(self.templateSelector)].exists_one(c, c)', message: 'must define either SourceNode with TemplateID, OR TemplateSelector.' },
];

const machineStatus = obj({
  ready: bool(),
  addresses: arr(obj({ type: str(), address: str() }, ['address', 'type'])),
  vmStatus: str(),
  bootstrapDataProvided: bool(),
  ipAddresses: { type: 'object', additionalProperties: obj({ ipv4: str(), ipv6: str() }) },
  network: arr(obj({ name: str(), macAddress: str(), connected: bool(), networkName: str() }, ['connected', 'macAddress'])),
  proxmoxNode: str(),
  taskRef: str(),
  retryAfter: str({ format: 'date-time' }),
  failureReason: str(),
  failureMessage: str(),
  conditions,
});

const clusterSpec = obj(
  {
    controlPlaneEndpoint: apiEndpoint,
    allowedNodes: arr(str()),
    schedulerHints: obj({ memoryAdjustment: int({ format: 'int64' }), cpuAdjustment: int({ format: 'int64' }), preferLowerGuestCount: bool({ default: true }) }),
    ipv4Config: { ...ipPoolSpec, 'x-kubernetes-validations': [{ rule: 'self.addresses.size() > 0', message: 'IPv4Config addresses must be provided' }] },
    ipv6Config: { ...ipPoolSpec, 'x-kubernetes-validations': [{ rule: 'self.addresses.size() > 0', message: 'IPv6Config addresses must be provided' }] },
    dnsServers: arr(str(), { minItems: 1 }),
    credentialsRef: obj({ name: str(), namespace: str() }, undefined, { 'x-kubernetes-map-type': 'atomic' }),
    cloneSpec: obj({}, undefined, { 'x-kubernetes-preserve-unknown-fields': true }),
  },
  ['dnsServers'],
);

const clusterStatus = obj({
  ready: bool({ default: false }),
  inClusterIpPoolRef: arr(obj({ name: str() }, undefined, { 'x-kubernetes-map-type': 'atomic' })),
  nodeLocations: obj({
    controlPlane: arr(obj({ machine: obj({ name: str() }), node: str() }, ['machine', 'node'])),
    workers: arr(obj({ machine: obj({ name: str() }), node: str() }, ['machine', 'node'])),
  }),
  conditions,
});

const objectMeta = obj({ labels: { type: 'object', additionalProperties: str() }, annotations: { type: 'object', additionalProperties: str() } });

interface CrdSpec {
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  schema: Schema;
  printerColumns: Schema[];
  status: boolean;
}

function crd(spec: CrdSpec): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${spec.plural}.${CAPMOX_GROUP}`,
      labels: { 'cluster.x-k8s.io/provider': 'infrastructure-proxmox', 'cluster.x-k8s.io/v1beta1': CAPMOX_VERSION },
    },
    spec: {
      group: CAPMOX_GROUP,
      names: {
        kind: spec.kind,
        listKind: `${spec.kind}List`,
        plural: spec.plural,
        singular: spec.singular,
        categories: ['cluster-api', 'proxmox'],
        ...(spec.shortNames ? { shortNames: spec.shortNames } : {}),
      },
      scope: 'Namespaced',
      versions: [
        {
          name: CAPMOX_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: spec.schema },
          ...(spec.status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: spec.printerColumns,
        },
      ],
    },
  };
}

const clusterColumn = { name: 'Cluster', type: 'string', jsonPath: ".metadata.labels['cluster\\.x-k8s\\.io/cluster-name']" };

export const PROXMOX_CLUSTER_CRD = crd({
  kind: 'ProxmoxCluster',
  plural: 'proxmoxclusters',
  singular: 'proxmoxcluster',
  status: true,
  schema: obj({
    apiVersion: str(),
    kind: str(),
    metadata: { type: 'object' },
    spec: { ...clusterSpec, 'x-kubernetes-validations': [{ rule: 'has(self.ipv4Config) || has(self.ipv6Config)', message: 'at least one ip config must be set, either ipv4Config or ipv6Config' }] },
    status: clusterStatus,
  }),
  printerColumns: [
    clusterColumn,
    { name: 'Ready', type: 'string', jsonPath: '.status.ready' },
    { name: 'Endpoint', type: 'string', jsonPath: '.spec.controlPlaneEndpoint' },
  ],
});

export const PROXMOX_MACHINE_CRD = crd({
  kind: 'ProxmoxMachine',
  plural: 'proxmoxmachines',
  singular: 'proxmoxmachine',
  shortNames: ['moxm'],
  status: true,
  schema: obj({
    apiVersion: str(),
    kind: str(),
    metadata: { type: 'object' },
    spec: { ...machineSpec, 'x-kubernetes-validations': machineSpecRules },
    status: machineStatus,
  }),
  printerColumns: [
    clusterColumn,
    { name: 'Ready', type: 'string', jsonPath: '.status.ready' },
    { name: 'Node', type: 'string', jsonPath: '.status.proxmoxNode' },
    { name: 'Provider_ID', type: 'string', jsonPath: '.spec.providerID' },
    { name: 'Machine', type: 'string', jsonPath: '.metadata.ownerReferences[?(@.kind=="Machine")].name' },
  ],
});

export const PROXMOX_MACHINE_TEMPLATE_CRD = crd({
  kind: 'ProxmoxMachineTemplate',
  plural: 'proxmoxmachinetemplates',
  singular: 'proxmoxmachinetemplate',
  status: false,
  schema: obj({
    apiVersion: str(),
    kind: str(),
    metadata: { type: 'object' },
    spec: obj({ template: obj({ metadata: objectMeta, spec: { ...machineSpec, 'x-kubernetes-validations': machineSpecRules } }, ['spec']) }, ['template']),
  }),
  printerColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
});

export const CAPMOX_CRDS: KubeObject[] = [PROXMOX_CLUSTER_CRD, PROXMOX_MACHINE_CRD, PROXMOX_MACHINE_TEMPLATE_CRD];
