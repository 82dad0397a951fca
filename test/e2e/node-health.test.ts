// The sandbox operator's node-health controller against a VM of the in-process simulator and a kwok node whose
// providerID names it: stopping the VM makes the node NotReady (Ready=Unknown, NodeStatusUnknown) and its pods not
// ready, and kwok does not undo it; starting the VM brings the node and its pods back to Ready.
import { findNodeVm, parseProxmoxProviderId, uuidOfSmbios } from '../../src/activities/e2e/node-vm';
import { findCondition } from '../../src/kubernetes/conditions';
import { type KubeObject } from '../../src/kubernetes/types';
import { waitForObject } from '../../src/kubernetes/wait';
import { KWOK_NODE_ANNOTATION } from '../../packages/sandbox/src/kubernetes/fake-node';
import { startOperator, type RunningOperator } from '../../packages/sandbox/src/operator';
import { NODE_HEALTH_CONTROLLER, NOT_READY_REASON, STOPPED_ANNOTATION } from '../../packages/sandbox/src/operator/node-health';
import { startE2eFixture, type E2eFixture } from './fixtures';

const VMID = 4711;
let f: E2eFixture;
let operator: RunningOperator;
let nodeName: string;
const logs: string[] = [];

const nodeRef = () => ({ apiVersion: 'v1', kind: 'Node', name: nodeName });
const podRef = () => ({ apiVersion: 'v1', kind: 'Pod', name: 'on-the-vm', namespace: f.namespace });
const readyOf = (obj: KubeObject | undefined) => findCondition(obj, 'Ready');

beforeAll(async () => {
  f = await startE2eFixture('nodehealth');
  nodeName = await f.addVmNode(VMID);
  await f.kube.apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'on-the-vm', namespace: f.namespace },
    spec: { nodeName, containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
  });
  await waitForObject(f.kube, podRef(), (p) => readyOf(p)?.status === 'True', { timeoutMs: 60_000 });
  operator = await startOperator({
    kubeconfig: f.kubeconfig,
    proxmox: { url: f.sim.url, caFile: f.sim.caFile },
    controllers: [NODE_HEALTH_CONTROLLER],
    resyncSeconds: 0.3,
    log: (c, m) => logs.push(`[${c}] ${m}`),
  });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await f?.teardown();
});

test('providerIDs of both forms are understood; a bare-metal or foreign one is not', async () => {
  expect(parseProxmoxProviderId('proxmox://pve/811')).toEqual({ kind: 'vmid', region: 'pve', vmid: 811 });
  expect(parseProxmoxProviderId('proxmox://5A3C0E42-1B2D-4E5F-8A9B-0C1D2E3F4A5B')).toEqual({ kind: 'uuid', uuid: '5a3c0e42-1b2d-4e5f-8a9b-0c1d2e3f4a5b' });
  expect(parseProxmoxProviderId('kind://docker/x/y')).toBeUndefined();
  expect(parseProxmoxProviderId(undefined)).toBeUndefined();
  // CAPMOX's form is resolved through the VM's SMBIOS uuid.
  const uuid = uuidOfSmbios((await f.px.qemuConfig('pve1', VMID)).smbios1);
  expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
  expect(await findNodeVm(f.px, { kind: 'uuid', uuid: uuid! })).toMatchObject({ vmid: VMID, node: 'pve1', status: 'running' });
  // A VM deleted between the list and the read of its config (others' VMs come and go) is passed over.
  const gone = { id: 'qemu/999998', type: 'qemu', vmid: 999998, node: 'pve1', name: 'deleted-meanwhile', status: 'stopped' };
  const resources = [gone, ...(await f.px.clusterResources('vm'))];
  expect(await findNodeVm(f.px, { kind: 'uuid', uuid: uuid! }, { resources: resources as never })).toMatchObject({ vmid: VMID });
});

test('the node goes NotReady when its VM stops, stays so, and is Ready again when it runs', async () => {
  expect(readyOf(await f.kube.get(nodeRef()))?.status).toBe('True');
  await f.px.waitTask(await f.px.stopVm('pve1', VMID));
  const stoppedAt = Date.now();
  const down = await waitForObject(f.kube, nodeRef(), (n) => readyOf(n)?.status === 'Unknown', { timeoutMs: 15_000 });
  console.log(`node-health: NotReady ${Date.now() - stoppedAt} ms after the VM stopped`);
  expect(readyOf(down)).toMatchObject({ status: 'Unknown', reason: NOT_READY_REASON, message: 'Kubelet stopped posting node status.' });
  expect(down!.metadata.annotations?.[KWOK_NODE_ANNOTATION]).toBeUndefined();
  expect(down!.metadata.annotations?.[STOPPED_ANNOTATION]).toBe('fake');
  await waitForObject(f.kube, podRef(), (p) => readyOf(p)?.status === 'False', { timeoutMs: 10_000 });

  // kwok does not take the node back while the VM is stopped.
  await new Promise((r) => setTimeout(r, 3_000));
  expect(readyOf(await f.kube.get(nodeRef()))?.status).toBe('Unknown');

  await f.px.waitTask(await f.px.startVm('pve1', VMID));
  const startedAt = Date.now();
  const up = await waitForObject(f.kube, nodeRef(), (n) => readyOf(n)?.status === 'True', { timeoutMs: 20_000 });
  console.log(`node-health: Ready ${Date.now() - startedAt} ms after the VM started`);
  expect(up!.metadata.annotations?.[KWOK_NODE_ANNOTATION]).toBe('fake');
  expect(up!.metadata.annotations?.[STOPPED_ANNOTATION]).toBeUndefined();
  const pod = await waitForObject(f.kube, podRef(), (p) => readyOf(p)?.status === 'True', { timeoutMs: 10_000 });
  expect((pod!.status as { phase: string }).phase).toBe('Running');
  expect(logs.some((l) => l.includes(`node ${nodeName}: VM ${VMID} on pve1 is stopped: kubelet stopped`))).toBe(true);
  expect(logs.some((l) => l.includes(`node ${nodeName}: VM ${VMID} on pve1 runs again`))).toBe(true);
}, 90_000);

test('the seeded node, whose VM runs, is left Ready', async () => {
  const seeded = await f.kube.find({ apiVersion: 'v1', kind: 'Node', name: 'cozy-sandbox-node-1' });
  if (seeded) expect(readyOf(seeded)?.status).toBe('True');
});
