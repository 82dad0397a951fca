// The step-5 CSI steps against the shared control plane (kube-apiserver, controller-manager, scheduler, kwok), the
// cozy-proxmox-csi-operator chart installed through its step, the real proxmox-csi-plugin controller with the real
// provisioner, attacher and resizer sidecars (run by the sandbox for the chart's controller pod, with the pod's
// ServiceAccount and cloud config, verifying the simulator's certificate through the chart's CA bundle), and an
// in-process Proxmox simulator: every step passes (the snapshot step is skipped with the driver's reason), the disk
// is made, hot-plugged, grown and removed again in Proxmox; a node without a VM cannot attach; a claim whose
// StorageClass names a storage without images content fails step5.volume with the provisioner's message.
import { randomBytes, X509Certificate } from 'node:crypto';
import { csiTestNames } from '../../src/activities/csi/names';
import { cancelMidStepThenUndo } from '../helpers/activity-run';
import { runOf, undoOf } from '../helpers/steps';
import { CSI_DRIVER, isTransientProvisioningError, PROXMOX_HOST_LABEL } from '../../src/activities/csi/driver-facts';
import { CHART_RELEASES } from '../../src/activities/charts/chart-step';
import { MAX_ATTACHMENTS_LABEL } from '../../packages/sandbox/src/operator/csi-node-info';
import { mergePatch } from '../../packages/sandbox/src/operator/kube-ops';
import type { StepInput } from '../../src/catalogue/types';
import { integrationConfigSchema } from '../../src/config/schema';
import { KubeClient } from '../../src/kubernetes/client';
import { waitForObject } from '../../src/kubernetes/wait';
import { type KubeObject } from '../../src/kubernetes/types';
import { fakeNodeManifest, nodeIsReady } from '../../packages/sandbox/src/kubernetes/fake-node';
import { vmBackedNode } from '../../packages/sandbox/src/kubernetes/seed-objects';
import { seedNodeManifest } from '../../packages/sandbox/src/kubernetes/seed';
import { startOperator, type RunningOperator } from '../../packages/sandbox/src/operator';
import { CSI_CONTROLLER_NAMES } from '../../packages/sandbox/src/operator/csi-controllers';
import { DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, defaultSeedInput, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { SANDBOX_NODE_VM } from '../../packages/sandbox/src/proxmox-sim/default-seed';
import { sharedControlPlane, type SharedControlPlane } from '../helpers/control-plane';

jest.setTimeout(240_000);

const TOKEN_ENV = 'COZY_CSI_TEST_TOKEN';
const NAMESPACE = `csi-test-${randomBytes(3).toString('hex')}`;
const BARE_METAL_NODE = 'csi-bare-metal-host';

let plane: SharedControlPlane;
let kube: KubeClient;
let sim: RunningSimulator;
let operator: RunningOperator | undefined;
let chartInstalled = false;

function stepInput(stepId: string, cluster = 'csitest', overrides: { storageClass?: string; pinned?: boolean } = {}, outputs: StepInput['outputs'] = {}): StepInput {
  const config = integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: cluster },
    proxmox: { url: sim.url, node: 'pve1', templateId: 9000, storage: 'local-lvm', tls: overrides.pinned ? { fingerprint: sim.fingerprint } : { caFile: sim.caFile }, token: { id: DEFAULT_TOKEN_ID, secret: `env:${TOKEN_ENV}` } },
    kubernetes: { kubeconfig: plane.kubeconfigPath, testNamespace: NAMESPACE, csiStorageClass: overrides.storageClass ?? 'proxmox-data' },
  });
  return { stepId, workflowId: 'wf-csi-test', config, outputs };
}

/** Volumes of the CSI driver's placeholder VMID in the simulator's storages. */
function csiVolumes(): string[] {
  const volids: string[] = [];
  for (const node of sim.state.nodes.values()) for (const s of node.storages.values()) for (const v of s.volumes.values()) if (v.vmid === 9999) volids.push(v.volid);
  return volids;
}

async function addNode(node: KubeObject): Promise<void> {
  await kube.apply(node);
  await waitForObject(kube, { apiVersion: 'v1', kind: 'Node', name: node.metadata.name }, (n) => n !== undefined && nodeIsReady(n as never), { timeoutMs: 60_000 });
}

beforeAll(async () => {
  process.env[TOKEN_ENV] = DEFAULT_TOKEN_SECRET;
  plane = sharedControlPlane();
  kube = await KubeClient.connect({ kubeconfig: plane.kubeconfigPath });
  // Two more storages for the faults: a thick LVM with less room than a claim asks, and a thin pool on which the
  // token may read but not allocate (the most specific ACL entry wins in Proxmox).
  const seed = defaultSeedInput();
  seed.nodes[0]!.storages!.push({ id: 'small-lvm', type: 'lvm', content: 'images', total: '768M', used: '0' }, { id: 'audit-only', type: 'lvmthin', content: 'images', total: '100G', used: '0' });
  seed.acls!.push({ path: '/storage/audit-only', ugid: DEFAULT_TOKEN_ID, roleid: 'PVEAuditor', propagate: true });
  sim = await startProxmoxSimulator({ taskSpeed: 0.02, seed });
  // The node the simulator's VM backs, as the sandbox seeds it, and a bare-metal host joined as a worker (no VM).
  // The same Node object the sandbox seed applies (other suites share it), so applying it changes nothing there.
  await addNode(seedNodeManifest());
  // Labelled as proxmox-worker labels the joined host: the CSI chart keeps its node plugin off it. A joined host has
  // no providerID (no VM is behind it), only the region and zone labels.
  const bare = vmBackedNode(fakeNodeManifest(BARE_METAL_NODE, { [PROXMOX_HOST_LABEL]: '' }) as KubeObject);
  await addNode({ ...bare, spec: { taints: [{ key: 'node.cozystack.io/proxmox', value: 'hypervisor', effect: 'NoSchedule' }] } });
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  const chart = await runOf('csi.chart')(stepInput('csi.chart'));
  chartInstalled = true;
  expect(chart.status).toBe('passed');
  // COZY_TEST_OPERATOR_LOG=1 prints the operator's log (which pod processes started, crashes with their last output).
  operator = await startOperator({ kubeconfig: plane.kubeconfigPath, proxmox: { url: sim.url, caFile: sim.caFile }, controllers: [...CSI_CONTROLLER_NAMES], log: process.env.COZY_TEST_OPERATOR_LOG ? undefined : () => undefined });
});

afterAll(async () => {
  await operator?.stop();
  if (chartInstalled) await undoOf('csi.chart')(stepInput('csi.chart'));
  await kube?.delete({ apiVersion: 'v1', kind: 'Namespace', name: NAMESPACE });
  await kube?.delete({ apiVersion: 'v1', kind: 'Node', name: BARE_METAL_NODE });
  await sim?.stop();
  delete process.env[TOKEN_ENV];
});

describe('step 5 against the real Proxmox CSI controller', () => {
  it('all step-5 steps pass, the disk lives in Proxmox while used and is gone after the compensation', async () => {
    const sc = await runOf('step5.storage-class')(stepInput('step5.storage-class'));
    expect(sc).toMatchObject({ status: 'passed', outputs: { storageClass: 'proxmox-data', storage: 'local-lvm' } });

    const topology = await runOf('step5.topology')(stepInput('step5.topology'));
    expect(topology.status).toBe('passed');
    expect(topology.details?.some((d) => d.startsWith('warning:') && /bare-metal Proxmox host/.test(d))).toBe(true);
    expect(topology.details?.join('\n')).toContain(`${SANDBOX_NODE_VM.name}: region pve, zone pve1, VM ${SANDBOX_NODE_VM.vmid}`);

    const volume = await runOf('step5.volume')(stepInput('step5.volume'));
    expect(volume).toMatchObject({ status: 'passed', outputs: { node: SANDBOX_NODE_VM.name, vmid: SANDBOX_NODE_VM.vmid, sizeBytes: 1024 ** 3 } });
    expect(volume.metrics?.pvcProvisionSeconds).toBeGreaterThanOrEqual(0);
    const pv = String(volume.outputs!.pv);
    const diskVolid = `local-lvm:vm-9999-${pv}`;
    expect(String(volume.outputs!.volumeId)).toBe(`pve/pve1/local-lvm/vm-9999-${pv}`);
    expect(csiVolumes()).toEqual([diskVolid]);
    const vmConfig = sim.state.vms.get(SANDBOX_NODE_VM.vmid)!.config;
    expect(String(vmConfig.scsi1)).toMatch(new RegExp(`^${diskVolid},.*backup=0`));

    // Run again: the same claim is found and reused, nothing new is made in Proxmox.
    const again = await runOf('step5.volume')(stepInput('step5.volume'));
    expect(again.outputs?.pv).toBe(pv);
    expect(csiVolumes()).toEqual([diskVolid]);

    // A bare-metal host has no VM to hot-plug into, and the chart keeps the node plugin off it: no CSINode entry
    // names the driver there, so the attacher has no node ID to publish to and the attach fails.
    await kube.apply({ apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'csi-bare-metal-attach' }, spec: { attacher: CSI_DRIVER, nodeName: BARE_METAL_NODE, source: { persistentVolumeName: pv } } });
    const va = await waitForObject(kube, { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', name: 'csi-bare-metal-attach' }, (o) => Boolean((o?.status as { attachError?: unknown } | undefined)?.attachError), { timeoutMs: 30_000 });
    expect((va?.status as { attached: boolean; attachError: { message: string } }).attachError.message).toMatch(/csinode.* "csi-bare-metal-host" not found/);
    await kube.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', name: 'csi-bare-metal-attach' });
    await waitForObject(kube, { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', name: 'csi-bare-metal-attach' }, (o) => o === undefined, { timeoutMs: 30_000 });

    const expand = await runOf('step5.expand')(stepInput('step5.expand', 'csitest', {}, { 'step5.volume': volume.outputs! }));
    expect(expand).toMatchObject({ status: 'passed', outputs: { sizeBytes: 2 * 1024 ** 3 } });
    expect(sim.state.nodes.get('pve1')!.storages.get('local-lvm')!.volumes.get(`vm-9999-${pv}`)!.size).toBe(2 * 1024 ** 3);
    expect(String(sim.state.vms.get(SANDBOX_NODE_VM.vmid)!.config.scsi1)).toMatch(/size=2G/);

    const snapshot = await runOf('step5.snapshot')(stepInput('step5.snapshot'));
    expect(snapshot.status).toBe('skipped');
    expect(snapshot.message).toMatch(/root@pam|snapshot\.storage\.k8s\.io\/v1|no VolumeSnapshotClass has driver/);

    await undoOf('step5.volume')(stepInput('step5.volume', 'csitest', {}, { 'step5.volume': volume.outputs! }));
    expect(csiVolumes()).toEqual([]);
    const after = sim.state.vms.get(SANDBOX_NODE_VM.vmid)!.config;
    expect(Object.keys(after).filter((k) => /^(scsi[1-9]\d*|unused\d+)$/.test(k))).toEqual([]);
    expect(await kube.find({ apiVersion: 'v1', kind: 'PersistentVolume', name: pv })).toBeUndefined();
    // Twice is fine: nothing left to remove.
    await undoOf('step5.volume')(stepInput('step5.volume', 'csitest', {}, { 'step5.volume': volume.outputs! }));
  });

  it('with proxmox.tls.fingerprint instead of a CA file, the chart gives the controller the pinned certificate and it provisions through it', async () => {
    // The chart stays pinned for the tests that follow: they do not depend on how the controller trusts Proxmox.
    const pinned = await runOf('csi.chart')(stepInput('csi.chart', 'csitest', { pinned: true }));
    expect(pinned.status).toBe('passed');
    {
      const secret = await kube.get<KubeObject & { data: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', name: 'cozy-proxmox-csi-operator-cloud-config', namespace: CHART_RELEASES.csi.namespace });
      const pem = Buffer.from(secret.data['ca.pem'], 'base64').toString('utf8');
      expect(new X509Certificate(pem).fingerprint256).toBe(sim.fingerprint);
      // The chart's checksum annotation rolled the controller pod: the volume is made by the new processes.
      const input = stepInput('step5.volume', 'csipinned', { pinned: true });
      try {
        expect((await runOf('step5.volume')(input)).status).toBe('passed');
      } finally {
        await undoOf('step5.volume')(input);
      }
    }
  }, 180_000);

  it('step5.volume cancelled after its disk was made, while it waits for the attach, is undone: no claim, pod, PV or disk left', async () => {
    // The node's VM is locked (as during a backup): Proxmox refuses the hot-plug, the attacher retries, the step
    // waits for the attach.
    const vm = sim.state.vms.get(SANDBOX_NODE_VM.vmid)!;
    vm.config.lock = 'backup';
    try {
      const input = stepInput('step5.volume', 'csicancel');
      const names = csiTestNames(input.config);
      const claimRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: names.claim, namespace: names.namespace };
      // Cancelled once the claim is bound and its disk exists in Proxmox.
      let pv = '';
      await cancelMidStepThenUndo(runOf('step5.volume'), undoOf('step5.volume'), input, async () => {
        pv = (await kube.find<KubeObject & { spec: { volumeName?: string } }>(claimRef))?.spec.volumeName ?? '';
        return pv !== '' && csiVolumes().includes(`local-lvm:vm-9999-${pv}`);
      });
      expect(await kube.find(claimRef)).toBeUndefined();
      expect(await kube.find({ apiVersion: 'v1', kind: 'Pod', name: names.pod, namespace: names.namespace })).toBeUndefined();
      expect(await kube.find({ apiVersion: 'v1', kind: 'PersistentVolume', name: pv })).toBeUndefined();
      expect(csiVolumes()).toEqual([]);
    } finally {
      delete vm.config.lock;
    }
  }, 120_000);

  it('a claim whose storage takes no disk images stays Pending and step5.volume fails with the provisioner message', async () => {
    await kube.apply({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'proxmox-no-images' },
      provisioner: CSI_DRIVER,
      parameters: { storage: 'local' },
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    });
    const input = stepInput('step5.volume', 'csistuck', { storageClass: 'proxmox-no-images' });
    try {
      const error = await runOf('step5.volume')(input).catch((e: unknown) => e);
      expect(error).toMatchObject({ type: 'CheckFailed', nonRetryable: true });
      expect((error as Error).message).toMatch(/PVC .*\/csistuck-csi-volume stayed Pending: provisioner reported 'failed to provision volume with StorageClass "proxmox-no-images": .*storage 'local' does not support content-type 'images'/);
      expect(csiVolumes()).toEqual([]);
    } finally {
      await undoOf('step5.volume')(input);
      await kube.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'proxmox-no-images' });
    }
  });
});

describe('faults, with the real controller: the step names what Proxmox or the cluster said', () => {
  async function volumeStepFailure(cluster: string, storage: string, type = 'CheckFailed'): Promise<Error> {
    const sc = `proxmox-${storage}`;
    await kube.apply({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: sc }, provisioner: CSI_DRIVER, parameters: { storage }, volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true });
    const input = stepInput('step5.volume', cluster, { storageClass: sc });
    try {
      const error = (await runOf('step5.volume')(input).catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ type, nonRetryable: true });
      expect(csiVolumes().filter((v) => v.startsWith(`${storage}:`))).toEqual([]);
      return error;
    } finally {
      await undoOf('step5.volume')(input);
      await kube.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: sc });
    }
  }

  it('a storage with less room than the claim: the provisioner publishes its capacity, the scheduler places the pod nowhere, the step says so', async () => {
    const error = await volumeStepFailure('csifull', 'small-lvm');
    expect(error.message).toMatch(/csifull-csi-volume stayed Pending \d+ s: no event from the provisioner; scheduler reported '.*did not have enough free storage.*' \(Proxmox storage small-lvm: 768Mi free on pve1; the claim asks 1Gi\)/);
  }, 120_000);

  it('a token without Datastore.AllocateSpace on the storage: the step names the permission Proxmox refused', async () => {
    // The plugin's client reports a 403 only as "not authorized to access endpoint"; the step asks Proxmox why.
    const error = await volumeStepFailure('csiperm', 'audit-only', 'PermissionError');
    expect(error.message).toMatch(/csiperm-csi-volume stayed Pending: provisioner reported .*not authorized to access endpoint.*: the API token .* lacks Datastore\.AllocateSpace on \/storage\/audit-only/);
  }, 120_000);

  it('the node\'s VM stopped: no node can take a hot-plugged disk, and the step refuses before it makes anything', async () => {
    const vm = sim.state.vms.get(SANDBOX_NODE_VM.vmid)!;
    const before = vm.status;
    vm.status = 'stopped';
    try {
      const error = (await runOf('step5.volume')(stepInput('step5.volume', 'csistopped')).catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ type: 'CheckFailed' });
      expect(error.message).toMatch(/no node .* has a running Proxmox VM behind it/);
    } finally {
      vm.status = before;
      await undoOf('step5.volume')(stepInput('step5.volume', 'csistopped'));
    }
  });
});

test("the node plugin is registered (CSINode) where its pods run, with the driver's attachment limit, 24 unless the node's label says otherwise; never on the Proxmox host", async () => {
  type CsiNode = KubeObject & { spec: { drivers: { name: string; nodeID: string; topologyKeys: string[]; allocatable?: { count?: number } }[] } };
  const csiNode = (name: string, done: (n: CsiNode | undefined) => boolean) =>
    waitForObject(kube, { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', name }, (n) => done(n as CsiNode | undefined), { timeoutMs: 30_000 }) as Promise<CsiNode | undefined>;
  const seed = SANDBOX_NODE_VM.name;
  expect((await csiNode(seed, (n) => n !== undefined))!.spec.drivers[0]).toEqual({ name: CSI_DRIVER, nodeID: seed, topologyKeys: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone'], allocatable: { count: 24 } });
  // The DaemonSet places no plugin pod on the host, so nothing registers the driver there.
  const pods = await kube.list<KubeObject & { spec: { nodeName?: string } }>('v1', 'Pod', CHART_RELEASES.csi.namespace, 'app.kubernetes.io/component=node');
  expect(pods.map((p) => p.spec.nodeName)).toContain(seed);
  expect(pods.map((p) => p.spec.nodeName)).not.toContain(BARE_METAL_NODE);
  expect(await kube.find({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', name: BARE_METAL_NODE })).toBeUndefined();
  const seedRef = { apiVersion: 'v1', kind: 'Node', name: seed };
  await mergePatch(kube, seedRef, { metadata: { labels: { [MAX_ATTACHMENTS_LABEL]: '2' } } });
  try {
    await csiNode(seed, (n) => n?.spec.drivers[0]?.allocatable?.count === 2);
  } finally {
    await mergePatch(kube, seedRef, { metadata: { labels: { [MAX_ATTACHMENTS_LABEL]: null } } });
  }
  await csiNode(seed, (n) => n?.spec.drivers[0]?.allocatable?.count === 24);
});

test('a provisioner failure from the API or the network having a moment is transient; one to fix is not', () => {
  expect(isTransientProvisioningError('rpc error: code = Internal desc = GET /nodes/pve1/storage/local-lvm/content/x: HTTP 503 Service Unavailable')).toBe(true);
  expect(isTransientProvisioningError('rpc error: code = Unavailable desc = connection error')).toBe(true);
  expect(isTransientProvisioningError('rpc error: code = DeadlineExceeded desc = context deadline exceeded')).toBe(true);
  expect(isTransientProvisioningError("rpc error: code = Internal desc = storage 'local' does not support content-type 'images'")).toBe(false);
  // Proxmox answers 500 for refusals as well as for its timeouts: the status alone says nothing.
  expect(isTransientProvisioningError("rpc error: code = Internal desc = POST /nodes/pve1/storage/local/content: HTTP 500 storage 'local' does not support content-type 'images'")).toBe(false);
  expect(isTransientProvisioningError('rpc error: code = Internal desc = POST /nodes/pve1/storage/local-lvm/content: HTTP 500 got timeout')).toBe(true);
  expect(isTransientProvisioningError('rpc error: code = InvalidArgument desc = parameter storage is required')).toBe(false);
});

test('the simulator answered every call the real CSI controller made with a method it serves, as Proxmox VE does', () => {
  const calls = sim.requestsByClient()['ProxmoxCSIPlugin/1.0'];
  expect(calls).toBeDefined();
  const served = Object.values(calls.routes).reduce((a, b) => a + b, 0);
  // A request that matched no served method (501) would count in requests but in no route.
  expect(calls.requests).toBe(served);
  expect(Object.keys(calls.routes)).toEqual(
    expect.arrayContaining([
      'POST /nodes/{node}/storage/{storage}/content',
      'GET /nodes/{node}/storage/{storage}/status',
      'POST /nodes/{node}/qemu/{vmid}/config',
      'PUT /nodes/{node}/qemu/{vmid}/resize',
      'PUT /nodes/{node}/qemu/{vmid}/unlink',
      'DELETE /nodes/{node}/storage/{storage}/content/{volume}',
    ]),
  );
});

