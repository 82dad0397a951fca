// The plan's step 3 through real Cluster API and CAPMOX objects on the shared control plane, with the sandbox
// operator playing cluster-api-operator, Cluster API core and CAPMOX against an in-process Proxmox simulator: the
// provider becomes Ready, a Cluster is provisioned, a MachineDeployment makes a VM cloned from the template with the
// asked size, scales to two VMs and back, and is deleted; the cleanup leaves the simulator holding the template only.
import { catalogueSteps, runOf, undoOf } from '../helpers/steps';
import type { StepOutcome } from '../../src/catalogue/types';
import type { IntegrationConfig } from '../../src/config/schema';
import { isRunning, machinesOf } from '../../src/activities/capi/machines';
import { step3Names } from '../../src/activities/capi/names';
import { machineDeployment } from '../../src/activities/capi/objects';
import { mergePatch, ownerReferencesOf } from '../../packages/sandbox/src/operator/kube-ops';
import { waitFor } from '../helpers/wait';
import { machineVms, runStep, startHarness, type Harness } from './harness';

let h: Harness;
let config: IntegrationConfig;
let vmidsBefore: number[];

beforeAll(async () => {
  h = await startHarness('seq', 0.2);
  config = h.config('seq');
  vmidsBefore = [...h.sim.state.vms.keys()].sort();
}, 120_000);

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
    expect(result).toMatchObject({ status: 'passed', outputs: { provider: 'cozy-cluster-api/proxmox', capmoxVersion: 'v0.7.0' } });
  }, 60_000);

  it('step3.cluster-ready: ProxmoxCluster and Cluster Ready', async () => {
    const { result } = await runStep(runOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    expect(result).toMatchObject({ status: 'passed', outputs: { cluster: 'cozy-proxmox-seq', namespace: h.namespace } });
    const cluster = await h.kube.get({ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', name: 'cozy-proxmox-seq', namespace: h.namespace });
    expect(cluster.status).toMatchObject({ phase: 'Provisioned', infrastructureReady: true });
    expect(JSON.stringify(result)).not.toContain(process.env.COZY_CAPI_TEST_TOKEN);
  }, 60_000);

  let vmid = 0;
  it('step3.vm-provisioned: a VM cloned from template 9000 runs with 4 cores, 4096 MiB, 40 GiB on vmbr0', async () => {
    const { result, heartbeats } = await runStep(runOf('step3.vm-provisioned'), h.input(config, 'step3.vm-provisioned'));
    const outcome = result as StepOutcome;
    expect(outcome.status).toBe('passed');
    expect(outcome.message).toMatch(/cloned from template 9000 \(4 cores, 4096 MiB, scsi0 40 GiB, vmbr0\)/);
    vmid = Number(outcome.outputs?.vmid);
    expect(vmid).toBeGreaterThanOrEqual(100);
    expect(outcome.metrics?.vmCloneSeconds).toBeGreaterThanOrEqual(0);
    const seen = heartbeats.map((b) => JSON.stringify(b)).join('\n');
    expect(seen).toMatch(/Cloning/);
    const vm = h.sim.state.vms.get(vmid)!;
    expect(vm.status).toBe('running');
    expect(vm.config).toMatchObject({ cores: 4, memory: 4096 });
    const node = await h.kube.get({ apiVersion: 'v1', kind: 'Node', name: String(outcome.outputs?.kubernetesNode) });
    expect(node.metadata.labels).toMatchObject({ 'topology.kubernetes.io/zone': 'pve1' });
    expect((node.spec as { providerID?: string }).providerID).toMatch(/^proxmox:\/\/[0-9a-f-]{36}$/);
  }, 60_000);

  it('step3.vm-scale: two VMs at 2 replicas, one again at 1', async () => {
    const { result } = await runStep(runOf('step3.vm-scale'), h.input(config, 'step3.vm-scale'));
    expect(result).toMatchObject({ status: 'passed' });
    expect(machineVms(h.sim)).toHaveLength(1);
  }, 60_000);

  it('step3.vm-delete: Machines, ProxmoxMachines and VMs gone', async () => {
    const { result } = await runStep(runOf('step3.vm-delete'), h.input(config, 'step3.vm-delete'));
    expect(result).toMatchObject({ status: 'passed' });
    expect(machineVms(h.sim)).toEqual([]);
  }, 60_000);

  it('Machines created at once get a VMID each: four VMs, each named after its own machine', async () => {
    // The provider reconciles the new machines concurrently; a VMID given to two would have both adopt one VM.
    const n = step3Names(config);
    await h.kube.apply(machineDeployment(n, 4));
    const running = await waitFor(() => machinesOf(h.kube, n), (ms) => ms.length === 4 && ms.every(isRunning), '4 Machines Running', 50_000, 250);
    const vmids = running.map((m) => m.vmid);
    expect(new Set(vmids).size).toBe(4);
    const pms = await h.kube.list('infrastructure.cluster.x-k8s.io/v1alpha1', 'ProxmoxMachine', h.namespace);
    for (const pm of pms.filter((x) => x.metadata.name.startsWith(n.machineDeployment))) {
      const vmid = (pm.spec as { virtualMachineID?: number }).virtualMachineID!;
      expect(h.sim.state.vms.get(vmid)?.config.name).toBe(pm.metadata.name);
    }
    await h.kube.apply(machineDeployment(n, 0));
    await waitFor(async () => machineVms(h.sim), (vms) => vms.length === 0, 'the four VMs gone', 50_000, 250);
  }, 120_000);

  it('a ProxmoxMachine whose Machine never took it over goes with its MachineSet, and its VM with it', async () => {
    const n = step3Names(config);
    const PM_API = 'infrastructure.cluster.x-k8s.io/v1alpha1';
    await h.kube.apply(machineDeployment(n, 1));
    const [machine] = await waitFor(() => machinesOf(h.kube, n), (ms) => ms.length === 1 && ms.every(isRunning), '1 Machine Running', 50_000, 250);
    const pmRef = { apiVersion: PM_API, kind: 'ProxmoxMachine', name: machine.name, namespace: h.namespace };
    const owners = () => h.kube.get(pmRef).then(ownerReferencesOf);
    // Made by the MachineSet, owned by it; the Machine, once it runs, is the controller owner.
    expect((await owners()).map((o) => `${o.kind}${o.controller ? ' (controller)' : ''}`).sort()).toEqual(['Machine (controller)', 'MachineSet']);
    // As when the set is deleted between making the pair and the Machine's first reconcile: the Machine goes
    // without its finalizer having run and without owning the ProxmoxMachine.
    await h.stopOperator();
    await mergePatch(h.kube, pmRef, { metadata: { ownerReferences: ownerReferencesOf(await h.kube.get(pmRef)).filter((o) => o.kind === 'MachineSet') } });
    const machineRef = { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Machine', name: machine.name, namespace: h.namespace };
    await mergePatch(h.kube, machineRef, { metadata: { finalizers: null } });
    await h.kube.delete(machineRef);
    await h.kube.delete({ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineDeployment', name: n.machineDeployment, namespace: h.namespace });
    await h.startOperator();
    await waitFor(() => h.kube.find(pmRef), (pm) => pm === undefined, 'the ProxmoxMachine gone', 50_000, 250);
    await waitFor(async () => machineVms(h.sim), (vms) => vms.length === 0, 'its VM gone', 50_000, 250);
  }, 120_000);

  it('the cleanup removes the Cluster and its objects, twice without error; the simulator holds what it was seeded with', async () => {
    await runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    await runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    expect(await h.kube.find({ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', name: 'cozy-proxmox-seq', namespace: h.namespace })).toBeUndefined();
    expect(await h.kube.find({ apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ProxmoxCluster', name: 'cozy-proxmox-seq', namespace: h.namespace })).toBeUndefined();
    expect([...h.sim.state.vms.keys()].sort()).toEqual(vmidsBefore);
    expect(vmidsBefore).toContain(9000);
  }, 60_000);
});
