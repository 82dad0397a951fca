// The step-8 activities against the in-process simulator and the shared control plane: the benchmark prints its
// figures; the workload runs on the fixture's Proxmox-backed node with its claim Bound; restarting the VM behind that
// node (the sandbox operator's node-health controller playing the kubelet) recovers within the bound; the
// compensation removes everything. A tiny provisioner in the test binds the claims of the suite's StorageClass.
import { activityFailure, cancelMidStepThenUndo, runActivity } from '../helpers/activity-run';
import { catalogueSteps, runOf, undoOf } from '../helpers/steps';
import { benchVmidFor, e2eNames } from '../../src/activities/e2e/names';
import { mergePatch } from '../../src/activities/csi/kube-helpers';
import { PROOF_NOT_VERIFIED } from '../../src/activities/e2e/workload';
import { nodeReady } from '../../src/activities/e2e/nodes';
import { waitFor } from '../helpers/wait';
import type { KubeObject } from '../../src/kubernetes/types';
import { startOperator, type RunningOperator } from '../../packages/sandbox/src/operator';
import { NODE_HEALTH_CONTROLLER } from '../../packages/sandbox/src/operator/node-health';
import { startE2eFixture, type E2eFixture } from './fixtures';

const VMID = 4712;
let f: E2eFixture;
let operator: RunningOperator;
let nodeName: string;
let provisioner: { stop(): Promise<void> };

const run = runActivity;
const cancelled = cancelMidStepThenUndo;
const failure = activityFailure;

/** Plays a volume provisioner for the suite's StorageClass: a PV for every Pending claim, which the PV controller binds. */
function startProvisioner(fx: E2eFixture, storageClass: string): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const claims = await fx.kube.list<KubeObject & { spec: { storageClassName?: string; volumeName?: string } }>('v1', 'PersistentVolumeClaim', fx.namespace).catch(() => []);
      for (const c of claims.filter((x) => x.spec.storageClassName === storageClass && !x.spec.volumeName && !x.metadata.deletionTimestamp)) {
        await fx.kube
          .apply({
            apiVersion: 'v1',
            kind: 'PersistentVolume',
            metadata: { name: `pv-${c.metadata.uid}` },
            spec: {
              capacity: { storage: '1Gi' },
              accessModes: ['ReadWriteOnce'],
              storageClassName: storageClass,
              persistentVolumeReclaimPolicy: 'Delete',
              claimRef: { namespace: fx.namespace, name: c.metadata.name, uid: c.metadata.uid },
              hostPath: { path: `/tmp/${c.metadata.uid}` },
            },
          } as KubeObject, { force: false })
          .catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

beforeAll(async () => {
  f = await startE2eFixture('e2e');
  nodeName = await f.addVmNode(VMID);
  await f.kube.apply({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: f.config.kubernetes.csiStorageClass },
    provisioner: `test.cozy-proxmox.io/${f.id}`,
    volumeBindingMode: 'Immediate',
    reclaimPolicy: 'Delete',
  } as KubeObject);
  provisioner = startProvisioner(f, f.config.kubernetes.csiStorageClass);
  operator = await startOperator({ kubeconfig: f.kubeconfig, proxmox: { url: f.sim.url, caFile: f.sim.caFile }, controllers: [NODE_HEALTH_CONTROLLER], resyncSeconds: 0.3, log: () => undefined });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await provisioner?.stop();
  await f?.kube.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: f.config.kubernetes.csiStorageClass });
  for (const pv of (await f?.kube.list('v1', 'PersistentVolume')) ?? []) {
    if ((pv.spec as { storageClassName?: string }).storageClassName === f.config.kubernetes.csiStorageClass) await f.kube.delete({ apiVersion: 'v1', kind: 'PersistentVolume', name: pv.metadata.name });
  }
  await f?.teardown();
}, 120_000);

test('the catalogue: three step8 steps in phase 4, the restart after the workload and the benchmark', () => {
  expect(catalogueSteps('step8.').map((s) => s.id)).toEqual(['step8.workload', 'step8.benchmark', 'step8.reliability']);
  for (const s of catalogueSteps('step8.')) {
    expect(s.group).toBe('step8-e2e');
    expect(s.phase).toBe('monitoring-security');
  }
  expect(catalogueSteps('step8.')[2].dependsOn).toEqual(['step8.workload', 'step8.benchmark']);
  expect(benchVmidFor('demo')).toBe(benchVmidFor('demo'));
  expect(benchVmidFor('demo')).toBeGreaterThanOrEqual(990_000);
});

test('step8.benchmark records the four figures', async () => {
  const { result, heartbeats } = await run(runOf('step8.benchmark'), f.input('step8.benchmark'));
  console.log(`step8.benchmark: ${result.message}\n  ${(result.details ?? []).join('\n  ')}`);
  expect(result.status).toBe('passed');
  for (const key of ['vmCloneSeconds', 'pvcProvisionSeconds', 'proxmoxApiP50Ms', 'proxmoxApiP95Ms', 'kubernetesApiP50Ms', 'kubernetesApiP95Ms']) {
    expect(typeof result.metrics?.[key]).toBe('number');
  }
  expect(result.metrics!.proxmoxApiP95Ms).toBeGreaterThanOrEqual(result.metrics!.proxmoxApiP50Ms);
  expect(result.metrics!.vmCloneSeconds).toBeGreaterThan(0);
  expect(heartbeats.length).toBeGreaterThan(0);
  const n = e2eNames(f.config);
  // The clone and the benchmark claim are gone again.
  expect([...f.sim.state.vms.values()].some((vm) => vm.config.name === n.benchVmName)).toBe(false);
  expect(await f.kube.find({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: n.benchClaim, namespace: f.namespace })).toBeUndefined();
}, 60_000);

test('step8.benchmark without the StorageClass warns and still records the other figures', async () => {
  const other = { ...f.config, kubernetes: { ...f.config.kubernetes, csiStorageClass: 'absent-class' } };
  const { result } = await run(runOf('step8.benchmark'), { ...f.input('step8.benchmark'), config: other });
  expect(result.status).toBe('warning');
  expect(result.message).toContain('PVC provision time not measured: StorageClass absent-class does not exist');
  expect(result.metrics?.pvcProvisionSeconds).toBeUndefined();
  expect(typeof result.metrics?.vmCloneSeconds).toBe('number');
}, 60_000);

test('step8.workload runs on the Proxmox-backed node with its claim Bound; without pod exec the proof is not verified', async () => {
  const { result } = await run(runOf('step8.workload'), f.input('step8.workload'));
  expect(result.status).toBe('warning');
  expect(result.notVerified).toBe(PROOF_NOT_VERIFIED);
  expect(result.message).toContain(`Running on ${nodeName} (VM ${VMID} on pve1)`);
  expect(result.message).toContain(PROOF_NOT_VERIFIED);
  expect(result.outputs).toMatchObject({ node: nodeName, vmid: VMID, deployment: e2eNames(f.config).deployment });
  // A re-run finds the same Deployment and claim.
  const again = await run(runOf('step8.workload'), f.input('step8.workload'));
  expect(again.result.outputs?.pod).toBe(result.outputs?.pod);
}, 60_000);

test('step8.reliability: the VM restart takes the node NotReady and back, the workload recovers', async () => {
  const workload = (await run(runOf('step8.workload'), f.input('step8.workload'))).result;
  const { result } = await run(runOf('step8.reliability'), f.input('step8.reliability', { 'step8.workload': workload.outputs! }));
  console.log(`step8.reliability: ${result.message}\n  ${JSON.stringify(result.metrics)}`);
  expect(result.status).toBe('passed');
  expect(result.message).toContain(`VM ${VMID} behind node ${nodeName} restarted`);
  expect(result.metrics!.workloadRecoverySeconds).toBeLessThan(300);
  expect(result.metrics!.nodeNotReadySeconds).toBeGreaterThanOrEqual(0);
  expect(f.sim.state.vms.get(VMID)?.status).toBe('running');
}, 60_000);

test('step8.reliability cancelled while the VM is stopped: ends cancelled, and its undo starts the VM again', async () => {
  const workload = (await run(runOf('step8.workload'), f.input('step8.workload'))).result;
  const input = f.input('step8.reliability', { 'step8.workload': workload.outputs! });
  await cancelled(runOf('step8.reliability'), undoOf('step8.reliability'), input, async () => f.sim.state.vms.get(VMID)?.status === 'stopped');
  expect(f.sim.state.vms.get(VMID)?.status).toBe('running');
  await waitFor(() => f.kube.find({ apiVersion: 'v1', kind: 'Node', name: nodeName }), (n) => nodeReady(n), `node ${nodeName} Ready again`, 60_000);
}, 120_000);

test('step8.reliability refuses to restart a control-plane node: it would take the control plane down', async () => {
  const workload = (await run(runOf('step8.workload'), f.input('step8.workload'))).result;
  const ref = { apiVersion: 'v1', kind: 'Node', name: nodeName };
  await mergePatch(f.kube, ref, { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } });
  try {
    const fl = await failure(runOf('step8.reliability'), f.input('step8.reliability', { 'step8.workload': workload.outputs! }));
    expect(fl).toMatchObject({ type: 'CheckFailed', nonRetryable: true });
    expect(fl.message).toContain(`the workload runs on ${nodeName}, a control-plane node`);
    expect(f.sim.state.vms.get(VMID)?.status).toBe('running');
  } finally {
    await mergePatch(f.kube, ref, { metadata: { labels: { 'node-role.kubernetes.io/control-plane': null } } });
  }
});

test('step8.reliability without a workload fails saying step8.workload must pass first', async () => {
  const other = { ...f.config, cluster: { name: 'no-workload' } };
  const fl = await failure(runOf('step8.reliability'), { ...f.input('step8.reliability'), config: other });
  expect(fl.type).toBe('CheckFailed');
  expect(fl.message).toContain('step8.workload must pass first');
});

test('step8.workload cancelled in its middle (claim and Deployment made), the undo leaves no workload, claim or volume', async () => {
  const other = { ...f.config, cluster: { name: 'e2e-cancel' } };
  const n = e2eNames(other);
  const claimRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: n.claim, namespace: f.namespace };
  await cancelled(runOf('step8.workload'), undoOf('step8.workload'), { ...f.input('step8.workload'), config: other }, async () => Boolean(await f.kube.find(claimRef)));
  expect(await f.kube.find({ apiVersion: 'apps/v1', kind: 'Deployment', name: n.deployment, namespace: f.namespace })).toBeUndefined();
  expect(await f.kube.find(claimRef)).toBeUndefined();
  expect((await f.kube.list('v1', 'PersistentVolume')).filter((pv) => JSON.stringify(pv).includes(n.claim))).toEqual([]);
}, 90_000);

test('the compensation removes the workload and its claim, and is safe to run twice', async () => {
  await run(undoOf('step8.workload'), f.input('step8.workload'));
  const n = e2eNames(f.config);
  expect(await f.kube.find({ apiVersion: 'apps/v1', kind: 'Deployment', name: n.deployment, namespace: f.namespace })).toBeUndefined();
  expect(await f.kube.find({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: n.claim, namespace: f.namespace })).toBeUndefined();
  await run(undoOf('step8.workload'), f.input('step8.workload'));
}, 60_000);
