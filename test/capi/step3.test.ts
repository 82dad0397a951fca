// The plan's step 3 on the shared control plane with the real Cluster API, CAPMOX and in-cluster IPAM managers (the
// sandbox operator installs them for the chart's provider objects) against an in-process Proxmox simulator: the
// provider becomes Ready, a Cluster is provisioned, a MachineDeployment makes a VM cloned from the template with the
// asked size (once, though the step's attempt and CAPMOX both lose their process mid-clone), scales to two VMs (the
// second after a failed clone, which CAPMOX never retries: the step's next attempt replaces that Machine) and back,
// and is deleted; the cleanup (which also destroys a VM CAPMOX left behind)
// leaves the simulator holding the template only.
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { wrapStepActivity } from '../../src/activities/common/step-wrapper';
import type { KubeObject } from '../../src/kubernetes/types';
import { catalogueSteps, runOf, undoOf } from '../helpers/steps';
import { waitFor } from '../helpers/wait';
import type { StepOutcome } from '../../src/catalogue/types';
import type { IntegrationConfig } from '../../src/config/schema';
import { step3Names } from '../../src/activities/capi/names';
import { withProxmox } from '../../src/activities/capi/proxmox-side';
import { machinesOf } from '../../src/activities/capi/machines';
import { cloneRequests, machineVms, runStep, startHarness, stepFailure, type Harness } from './harness';

const SPEED = 0.2;
const CLONE_ERROR = "clone failed: lvcreate 'pve/vm-101-disk-0' error: Volume group \"pve\" has insufficient free space (1024 extents): 10240 required.";
let h: Harness;
let config: IntegrationConfig;
let vmidsBefore: number[];

beforeAll(async () => {
  h = await startHarness('seq', SPEED);
  const base = h.config('seq');
  // CAPMOX gives the machines VMIDs of the template's range, not Proxmox's next free one.
  config = { ...base, vms: { ...base.vms, vmIdRange: { start: 4100, end: 4109 } } };
  vmidsBefore = [...h.sim.state.vms.keys()].sort();
}, 360_000);

afterAll(async () => {
  await h?.teardown();
}, 120_000);


describe('step 3 in order', () => {
  it('the catalogue chains the steps and groups step 3', () => {
    expect(catalogueSteps('capi.provider-ready', 'step3.').map((s) => [s.id, s.dependsOn?.[0]])).toEqual([
      ['capi.provider-ready', 'capi.provider-chart'],
      ['step3.cluster-ready', 'capi.provider-ready'],
      ['step3.vm-provisioned', 'step3.cluster-ready'],
      ['step3.vm-scale', 'step3.vm-provisioned'],
      ['step3.vm-delete', 'step3.vm-scale'],
    ]);
    expect(catalogueSteps('capi.provider-ready', 'step3.').filter((s) => s.group === 'step3-vm-management')).toHaveLength(4);
  });

  it('capi.provider-ready: the InfrastructureProvider is Ready and the CAPMOX CRDs are served', async () => {
    const { result } = await runStep(runOf('capi.provider-ready'), h.input(config, 'capi.provider-ready'));
    expect(result).toMatchObject({ status: 'passed', outputs: { provider: 'cozy-cluster-api/proxmox', capmoxVersion: 'v0.7.2' } });
  }, 60_000);

  it('step3.cluster-ready: ProxmoxCluster and Cluster Ready', async () => {
    const { result } = await runStep(runOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    expect(result).toMatchObject({ status: 'passed', outputs: { cluster: 'cozy-proxmox-seq', namespace: h.namespace } });
    const cluster = await h.kube.get({ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', name: 'cozy-proxmox-seq', namespace: h.namespace });
    expect(cluster.status).toMatchObject({ phase: 'Provisioned', infrastructureReady: true });
    expect(JSON.stringify(result)).not.toContain(process.env.COZY_CAPI_TEST_TOKEN);
  }, 60_000);

  let vmid = 0;
  it('step3.vm-provisioned: a VM cloned from template 9000 runs with 4 cores, 4096 MiB, 40 GiB on vmbr0; an attempt lost mid-clone and CAPMOX restarted make no second clone', async () => {
    // While the VM is being cloned, both sides lose their process: the step's attempt ends (as a killed worker's does;
    // Temporal then runs a new attempt) and CAPMOX is stopped with the sandbox operator and started again. A clone
    // at its realistic duration (about 9 s) leaves time for both.
    h.sim.setTaskSpeed(1);
    const heartbeats: unknown[] = [];
    const firstAttempt = new MockActivityEnvironment();
    firstAttempt.on('heartbeat', (d: unknown) => heartbeats.push(d));
    const lost = firstAttempt.run(wrapStepActivity(runOf('step3.vm-provisioned')), h.input(config, 'step3.vm-provisioned')).catch((e: unknown) => e);
    const isCloning = (m: KubeObject | undefined) => String((m?.status as { taskRef?: string } | undefined)?.taskRef ?? '').includes(':qmclone:');
    const cloning = (await waitFor(
      async () => (await h.kube.list<KubeObject>('infrastructure.cluster.x-k8s.io/v1alpha1', 'ProxmoxMachine', h.namespace)).find(isCloning),
      isCloning,
      'a ProxmoxMachine whose clone task runs',
    ))!;
    firstAttempt.cancel();
    expect(await lost).toBeInstanceOf(CancelledFailure);
    await h.stopOperator();
    const cloningVmid = (cloning.spec as { virtualMachineID: number }).virtualMachineID;
    expect(h.sim.state.vms.get(cloningVmid)?.config.lock).toBe('clone');
    h.sim.setTaskSpeed(SPEED);
    await h.startOperator();

    const second = await runStep(runOf('step3.vm-provisioned'), h.input(config, 'step3.vm-provisioned'));
    const result = second.result;
    heartbeats.push(...second.heartbeats);
    // The new attempt found the Machine the lost one asked for; CAPMOX adopted the VM it was cloning.
    expect(result).toMatchObject({ outputs: { vmid: cloningVmid } });
    expect(cloneRequests(h.sim)).toBe(1);
    const outcome = result as StepOutcome;
    expect(outcome.status).toBe('passed');
    expect(outcome.message).toMatch(/cloned from template 9000 \(4 cores, 4096 MiB, scsi0 40 GiB, vmbr0\)/);
    vmid = Number(outcome.outputs?.vmid);
    expect(vmid).toBeGreaterThanOrEqual(4100);
    expect(vmid).toBeLessThanOrEqual(4109);
    expect(outcome.metrics?.vmCloneSeconds).toBeGreaterThanOrEqual(0);
    const seen = heartbeats.map((b) => JSON.stringify(b)).join('\n');
    expect(seen).toMatch(/Cloning/);
    const vm = h.sim.state.vms.get(vmid)!;
    expect(vm.status).toBe('running');
    expect(vm.config).toMatchObject({ cores: 4, memory: 4096 });
    // CAPMOX adds the machine's tags to the template's and its own (the address, the cloud-init marker).
    expect(String(vm.config.tags).split(';')).toEqual(expect.arrayContaining(['cozy-proxmox', 'step3-test', 'go-proxmox+cloud-init']));
    // CAPMOX's providerID names the VM's SMBIOS uuid; the address comes from the IPAM pool.
    const uuid = /uuid=([0-9a-f-]{36})/.exec(String(vm.config.smbios1))?.[1];
    expect(outcome.outputs?.providerID).toBe(`proxmox://${uuid}`);
    expect(outcome.outputs?.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(outcome.message).toContain(`address ${String(outcome.outputs?.address)}`);
  }, 180_000);

  it('step3.vm-scale: a failed clone fails the attempt (CAPMOX v0.7 does not clone again); the next replaces the Machine: two VMs at 2 replicas, one again at 1', async () => {
    // The simulator fails the next clone task as Proxmox does when the storage is full.
    h.sim.faults.set({ failTasks: { type: 'qmclone', count: 1, message: CLONE_ERROR } });
    const failure = await stepFailure(runOf('step3.vm-scale'), h.input(config, 'step3.vm-scale'));
    expect(failure.type).toBe('TransientError');
    expect(failure.nonRetryable).toBe(false);
    // CAPMOX reports the task's exit status as it is.
    expect(failure.message).toMatch(/the clone into VM \d+ failed \(clone failed: lvcreate 'pve\/vm-101-disk-0' error: Volume group/);
    expect(failure.message).toContain('CAPMOX v0.7 does not clone again');
    const stuck = (await machinesOf(h.kube, step3Names(config))).filter((m) => m.vmid !== vmid);
    expect(stuck).toHaveLength(1);
    const { result } = await runStep(runOf('step3.vm-scale'), h.input(config, 'step3.vm-scale'));
    expect(result).toMatchObject({ status: 'warning' });
    expect((result as StepOutcome).details?.[0]).toContain(`replaced Machine ${stuck[0].name}: its clone into VM ${stuck[0].vmid} failed`);
    expect(machineVms(h.sim)).toHaveLength(1);
  }, 240_000);

  it('step3.vm-delete: Machines, ProxmoxMachines and VMs gone', async () => {
    const { result } = await runStep(runOf('step3.vm-delete'), h.input(config, 'step3.vm-delete'));
    expect(result).toMatchObject({ status: 'passed' });
    expect(machineVms(h.sim)).toEqual([]);
  }, 60_000);

  it('the cleanup removes the Cluster and its objects and a VM CAPMOX cloned twice, twice without error; the simulator holds what it was seeded with', async () => {
    // What CAPMOX's second clone for one machine leaves: a VM named after a machine of the MachineDeployment that no
    // ProxmoxMachine holds.
    const orphan = `${step3Names(config).machineDeployment}-x7k2p-q9w4z`;
    await withProxmox(h.input(config, 'step3.vm-delete'), async (p) => p.waitTask(await p.cloneVm('pve1', 9000, { newid: 150, name: orphan, full: true })));
    await runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    expect(h.sim.state.vms.has(150)).toBe(false);
    await runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    expect(await h.kube.find({ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', name: 'cozy-proxmox-seq', namespace: h.namespace })).toBeUndefined();
    expect(await h.kube.find({ apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ProxmoxCluster', name: 'cozy-proxmox-seq', namespace: h.namespace })).toBeUndefined();
    expect([...h.sim.state.vms.keys()].sort()).toEqual(vmidsBefore);
    expect(vmidsBefore).toContain(9000);
  }, 60_000);
});
