// The readers of proxmox-csi-plugin's and the cloud providers' formats: the product's (src/activities/csi/driver-facts.ts,
// src/activities/e2e/node-vm.ts) and, where the sandbox still plays a part (the CSI node side, node health, CAPMOX),
// the sandbox's own (packages/sandbox/src/operator/), written apart so that a misreading on one side cannot pass the
// other by agreement. They meet the same examples, taken from the upstream projects' sources and tests (each row
// names the file it reflects), and must give the upstream value. The CSI controller itself is the real program.
import * as product from '../../src/activities/csi/driver-facts';
import { parseProxmoxProviderId, uuidOfSmbios } from '../../src/activities/e2e/node-vm';
import * as sandbox from '../../packages/sandbox/src/operator/csi-formats';
import { readProviderId, readVmidProviderId } from '../../packages/sandbox/src/operator/provider-id';
import { bytesToQuantity, quantityToBytes } from '../../packages/sandbox/src/operator/quantity';
import { smbiosUuid } from '../../packages/sandbox/src/operator/vm-by-provider-id';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('names the driver and the cloud controller publish', () => {
  const rows: Array<[string, string | number, string | number, string | number]> = [
    // sergelogvinov/proxmox-csi-plugin pkg/csi/driver.go (DriverName)
    ['driver name', 'csi.proxmox.sinextra.dev', product.CSI_DRIVER, sandbox.DRIVER_NAME],
    // kubernetes/api core/v1/well_known_labels.go (LabelTopologyRegion, used by pkg/csi/controller.go)
    ['region label', 'topology.kubernetes.io/region', product.REGION_LABEL, sandbox.TOPOLOGY_REGION],
    // kubernetes/api core/v1/well_known_labels.go (LabelTopologyZone, used by pkg/csi/controller.go)
    ['zone label', 'topology.kubernetes.io/zone', product.ZONE_LABEL, sandbox.TOPOLOGY_ZONE],
    // sergelogvinov/proxmox-csi-plugin pkg/csi/controller.go (vmID, the owner of every new volume)
  ];
  test.each(rows)('%s', (_name, upstream, productValue, sandboxValue) => {
    expect(productValue).toBe(upstream);
    expect(sandboxValue).toBe(upstream);
  });
  // sergelogvinov/proxmox-csi-plugin pkg/csi/controller.go (vmID, the owner of every new volume)
  test('placeholder VMID', () => expect(product.CSI_VOLUME_VMID).toBe(9999));
});

describe('volume handles region/zone/storage/disk', () => {
  type Handle = { region: string; zone: string; storage: string; disk: string };
  const valid: Array<[string, Handle, string]> = [
    // sergelogvinov/proxmox-csi-plugin pkg/utils/volume/volume_test.go (TestNewVolume)
    ['region/zone/storage/disk', { region: 'region', zone: 'zone', storage: 'storage', disk: 'disk' }, 'storage:disk'],
    // sergelogvinov/proxmox-csi-plugin pkg/utils/volume/volume_test.go (TestNewVolumeFromVolumeID)
    ['region/zone/storage/vm-1000-disk', { region: 'region', zone: 'zone', storage: 'storage', disk: 'vm-1000-disk' }, 'storage:vm-1000-disk'],
    // sergelogvinov/proxmox-csi-plugin pkg/utils/volume/volume_test.go (TestNewVolumeFromSharedVolumeID)
    ['region//storage/vm-1000-disk', { region: 'region', zone: '', storage: 'storage', disk: 'vm-1000-disk' }, 'storage:vm-1000-disk'],
    // sergelogvinov/proxmox-csi-plugin pkg/utils/volume/volume_test.go (TestNewVolumeFromVolumeIDWithFolder)
    [
      'region/zone/storage/1000/folder/vm-1000-disk.raw',
      { region: 'region', zone: 'zone', storage: 'storage', disk: '1000/folder/vm-1000-disk.raw' },
      'storage:1000/folder/vm-1000-disk.raw',
    ],
    // sergelogvinov/proxmox-csi-plugin pkg/utils/volume/volume_test.go (TestNewVolumeFromSharedVolumeIDWithFolder)
    [
      'region//storage/1000/folder/vm-1000-disk.raw',
      { region: 'region', zone: '', storage: 'storage', disk: '1000/folder/vm-1000-disk.raw' },
      'storage:1000/folder/vm-1000-disk.raw',
    ],
    // sergelogvinov/proxmox-csi-plugin pkg/utils/volume/volume_test.go (TestNewVolumeFormat: a dir storage's raw file)
    ['region/zone/storage/100/vm-100-disk-0.raw', { region: 'region', zone: 'zone', storage: 'storage', disk: '100/vm-100-disk-0.raw' }, 'storage:100/vm-100-disk-0.raw'],
    // sergelogvinov/proxmox-csi-plugin pkg/csi/controller_test.go (TestCreateVolume, TestDeleteVolume)
    ['cluster-1/pve-1/local-lvm/vm-9999-pvc-123', { region: 'cluster-1', zone: 'pve-1', storage: 'local-lvm', disk: 'vm-9999-pvc-123' }, 'local-lvm:vm-9999-pvc-123'],
    // sergelogvinov/proxmox-csi-plugin pkg/csi/controller_test.go (WrongCluster: well-formed, unknown region)
    ['fake-region/node/data/volume-id', { region: 'fake-region', zone: 'node', storage: 'data', disk: 'volume-id' }, 'data:volume-id'],
  ];
  test.each(valid)('%s is read as upstream reads it', (handle, fields, volid) => {
    expect(product.parseVolumeId(handle)).toEqual(fields);
    expect(product.volid(fields)).toBe(volid);
    // Written back from its fields, a handle is the same string (VolumeID / VolumeSharedID).
    expect(product.formatVolumeId(fields)).toBe(handle);
  });

  const invalid: string[] = [
    // sergelogvinov/proxmox-csi-plugin pkg/utils/volume/volume_test.go (TestNewVolumeFromVolumeIDError)
    'region/storage/disk',
    // sergelogvinov/proxmox-csi-plugin pkg/csi/controller_test.go (DeleteVolume and ControllerPublishVolume "volume-id")
    'volume-id',
    // sergelogvinov/proxmox-csi-plugin pkg/csi/controller_test.go (DeleteVolume without a VolumeId)
    '',
  ];
  test.each(invalid)('%j is not a volume handle', (handle) => {
    expect(product.parseVolumeId(handle)).toBeUndefined();
  });
});

describe('disk names of a new volume', () => {
  // [PV name, storage type, disk, file the storage content API allocates]
  const rows: Array<[string, string, string, string]> = [
    // sergelogvinov/proxmox-csi-plugin pkg/csi/controller_test.go (CreateVolume of pvc-123 on local-lvm)
    ['pvc-123', 'lvmthin', 'vm-9999-pvc-123', 'vm-9999-pvc-123'],
    // sergelogvinov/proxmox-cloud-controller-manager test/cluster/cluster.go (rbd, a dir storage: 9999/vm-9999-volume-rbd.raw)
    ['volume-rbd', 'dir', '9999/vm-9999-volume-rbd.raw', 'vm-9999-volume-rbd.raw'],
  ];
  test.each(rows)('%s on a %s storage', (pvName, storageType, disk, file) => {
    expect(product.diskNameFor(pvName, storageType)).toBe(disk);
    // sergelogvinov/proxmox-csi-plugin pkg/csi/utils.go (createVolume allocates the last part of the disk)
    expect(product.allocationFilename(disk)).toBe(file);
  });
});

describe('providerIDs', () => {
  type Vmid = { region: string; vmid: number };
  const byVmid: Array<[string, Vmid | undefined]> = [
    // sergelogvinov/proxmox-csi-plugin pkg/utils/provider/provider_test.go (Valid VMID)
    ['proxmox://region/123', { region: 'region', vmid: 123 }],
    // sergelogvinov/proxmox-csi-plugin pkg/utils/provider/provider_test.go (Valid VMID with empty region)
    ['proxmox:///123', { region: '', vmid: 123 }],
    // sergelogvinov/proxmox-cloud-controller-manager pkg/proxmox/instances_test.go (NodeExists)
    ['proxmox://cluster-1/100', { region: 'cluster-1', vmid: 100 }],
    // sergelogvinov/proxmox-cloud-controller-manager pkg/proxmox/instances_test.go (NodeExistsStopped)
    ['proxmox://cluster-2/103', { region: 'cluster-2', vmid: 103 }],
    // sergelogvinov/proxmox-csi-plugin pkg/utils/provider/provider_test.go (Invalid providerID format)
    ['proxmox://123', undefined],
    // sergelogvinov/proxmox-csi-plugin pkg/utils/provider/provider_test.go (Non proxmox providerID)
    ['cloud:///123', undefined],
    // sergelogvinov/proxmox-csi-plugin pkg/utils/provider/provider_test.go (Non proxmox providerID)
    ['cloud://123', undefined],
    // sergelogvinov/proxmox-csi-plugin pkg/utils/provider/provider_test.go (InValid VMID)
    ['proxmox://region/abc', undefined],
    // sergelogvinov/proxmox-cloud-controller-manager pkg/proxmox/instances_test.go (NodeForeignProviderID)
    ['foreign://provider-id', undefined],
    // sergelogvinov/proxmox-cloud-controller-manager pkg/provider/provider.go (GetVMID: "foreign providerID or empty")
    ['', undefined],
  ];
  test.each(byVmid)('%j names VMID %j', (providerId, expected) => {
    expect(product.parseProviderId(providerId)).toEqual(expected);
    expect(readVmidProviderId(providerId)).toEqual(expected);
    const asRef = expected && { kind: 'vmid', ...expected };
    expect(parseProxmoxProviderId(providerId)).toEqual(asRef);
    expect(readProviderId(providerId)).toEqual(asRef);
  });

  const byUuid: Array<[string, string]> = [
    // sergelogvinov/proxmox-cloud-controller-manager pkg/proxmox/instances_test.go (NodeUUIDFoundCAPMox)
    ['proxmox://11833f4c-341f-4bd3-aad7-f7abed000000', '11833f4c-341f-4bd3-aad7-f7abed000000'],
    // sergelogvinov/proxmox-cloud-controller-manager pkg/proxmox/instances_test.go (NodeUUIDNotFoundCAPMox)
    ['proxmox://d290d7f2-b179-404c-b627-6e4dccb59066', 'd290d7f2-b179-404c-b627-6e4dccb59066'],
    // sergelogvinov/proxmox-cloud-controller-manager pkg/proxmox/instances_test.go (NodeUUIDNotFoundCAPMoxDifferentFormat)
    ['proxmox://00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'],
  ];
  test.each(byUuid)('%j names the VM of SMBIOS uuid %s, and no VMID', (providerId, uuid) => {
    // ParseProviderID refuses this form; the CCM then finds the VM by the node's uuid instead.
    expect(product.parseProviderId(providerId)).toBeUndefined();
    expect(readVmidProviderId(providerId)).toBeUndefined();
    expect(parseProxmoxProviderId(providerId)).toEqual({ kind: 'uuid', uuid });
    expect(readProviderId(providerId)).toEqual({ kind: 'uuid', uuid });
  });

  const smbios: Array<[string, string]> = [
    // sergelogvinov/proxmox-csi-plugin pkg/csi/controller_test.go (qemu 100 config)
    ['uuid=11833f4c-341f-4bd3-aad7-f7abed000000', '11833f4c-341f-4bd3-aad7-f7abed000000'],
    // sergelogvinov/proxmox-cloud-controller-manager test/cluster/cluster.go (qemu 103 config, with an sku after it)
    ['uuid=11833f4c-341f-4bd3-aad7-f7abea000000,sku=YzEubWVkaXVt', '11833f4c-341f-4bd3-aad7-f7abea000000'],
  ];
  test.each(smbios)('smbios1 %j carries uuid %s', (line, uuid) => {
    expect(uuidOfSmbios(line)).toBe(uuid);
    expect(smbiosUuid(line)).toBe(uuid);
  });
});

describe('Kubernetes quantities', () => {
  const valid: Array<[string, number]> = [
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, zero)
    ['0', 0],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, zero with a binary suffix)
    ['0Gi', 0],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, a number without suffix)
    ['1', 1],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, binary suffixes)
    ['1Ki', 1024],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, binary suffixes)
    ['7Mi', 7 * MiB],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, binary suffixes)
    ['6Gi', 6 * GiB],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, binary suffixes)
    ['5Ti', 5 * 1024 ** 4],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, binary suffixes)
    ['4Pi', 4 * 1024 ** 5],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, decimal suffixes)
    ['8k', 8_000],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, decimal suffixes)
    ['50k', 50_000],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, decimal suffixes)
    ['7M', 7_000_000],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, decimal suffixes)
    ['6G', 6_000_000_000],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, decimal suffixes)
    ['5T', 5_000_000_000_000],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, decimal suffixes)
    ['2P', 2_000_000_000_000_000],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, nonstandard but parsable)
    ['100.035k', 100_035],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, things that look like floating point)
    ['10.035M', 10_035_000],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, things that look like floating point)
    ['6.987654321G', 6_987_654_321],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, things that look like floating point)
    ['2.5P', 2_500_000_000_000_000],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, fractional binary (102435.84, rounded up))
    ['100.035Ki', 102_436],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, fractional binary)
    ['0.5Mi', 512 * 1024],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityString, BinarySI)
    ['1Gi', GiB],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityString, BinarySI)
    ['300Mi', 300 * MiB],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityString, BinarySI)
    ['1001Gi', 1001 * GiB],
  ];
  test.each(valid)('%s is %d bytes', (quantity, bytes) => {
    expect(product.quantityBytes(quantity)).toBe(bytes);
    expect(quantityToBytes(quantity)).toBe(bytes);
  });

  const invalid: string[] = [
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, invalid)
    '1.1.M',
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, invalid)
    '1+1.0M',
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, invalid)
    '0.1mi',
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, invalid)
    '0.1am',
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, invalid)
    'aoeu',
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, invalid)
    '.5i',
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, invalid)
    '1i',
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, invalid)
    '-3.01i',
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, invalid)
    '-3.01e-',
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse, the empty string)
    '',
  ];
  test.each(invalid)('%j is not a quantity', (quantity) => {
    expect(product.quantityBytes(quantity)).toBeNaN();
    expect(quantityToBytes(quantity)).toBeUndefined();
  });

  const canonical: Array<[number, string]> = [
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityString, BinarySI)
    [GiB, '1Gi'],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityString, BinarySI)
    [300 * MiB, '300Mi'],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityString, BinarySI)
    [1001 * GiB, '1001Gi'],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityString, BinarySI)
    [1025, '1025'],
    // kubernetes/apimachinery pkg/api/resource/quantity_test.go (TestQuantityString, BinarySI)
    [5, '5'],
  ];
  test.each(canonical)('%d bytes are written %s and read back', (bytes, quantity) => {
    expect(product.bytesQuantity(bytes)).toBe(quantity);
    expect(bytesToQuantity(bytes)).toBe(quantity);
    expect(product.quantityBytes(product.bytesQuantity(bytes))).toBe(bytes);
    expect(quantityToBytes(bytesToQuantity(bytes))).toBe(bytes);
  });
});

describe('volume sizes', () => {
  const rows: Array<[number, number]> = [
    // sergelogvinov/proxmox-csi-plugin pkg/csi/controller_test.go (PVCAlreadyExist: RequiredBytes 1 GiB stays 1 GiB)
    [GiB, GiB],
    // sergelogvinov/proxmox-csi-plugin pkg/csi/helper.go (RoundUpSizeBytes) with driver.go (MinChunkSizeBytes, 512 MiB)
    [GiB + 1, GiB + 512 * MiB],
    [100 * MiB, 512 * MiB],
    // sergelogvinov/proxmox-csi-plugin pkg/csi/driver.go (DefaultVolumeSizeBytes, 10 GiB, is already whole)
    [10 * GiB, 10 * GiB],
  ];
  test.each(rows)('a request of %d bytes makes a volume of %d', (requested, size) => {
    expect(product.roundUpToChunk(requested)).toBe(size);
  });
});
