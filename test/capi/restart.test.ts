// CAPMOX stopped while its clone is running (the sandbox operator stops the manager with it), and started again,
// adopts the VM it was cloning: the machine ends with one VM, cloned once.
import { runOf, undoOf } from '../helpers/steps';
import type { KubeObject } from '../../src/kubernetes/types';
import { waitFor } from '../helpers/wait';
import { machineVms, runStep, startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  // Realistic task durations: a full clone of the 32 GiB template takes about 9 s, time enough to stop mid-clone.
  h = await startHarness('restart', 1);
}, 120_000);

afterAll(async () => {
  await h?.teardown();
}, 120_000);

/** Clone requests the simulator served, whoever sent them. */
const cloneRequests = () =>
  Object.values(h.sim.requestsByClient()).reduce((sum, c) => sum + (c.routes['POST /nodes/{node}/qemu/{vmid}/clone'] ?? 0), 0);

it('a restarted CAPMOX does not clone a second VM', async () => {
  const config = h.config('restart');
  await runStep(runOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
  const provisioned = runStep(runOf('step3.vm-provisioned'), h.input(config, 'step3.vm-provisioned'));
  const isCloning = (m: KubeObject | undefined) => String((m?.status as { taskRef?: string } | undefined)?.taskRef ?? '').includes(':qmclone:');
  const cloning = (await waitFor(
    async () => (await h.kube.list<KubeObject>('infrastructure.cluster.x-k8s.io/v1alpha1', 'ProxmoxMachine', h.namespace)).find(isCloning),
    isCloning,
    'a ProxmoxMachine whose clone task runs',
  ))!;
  await h.stopOperator();
  const vmid = (cloning.spec as { virtualMachineID: number }).virtualMachineID;
  expect(h.sim.state.vms.get(vmid)?.config.lock).toBe('clone');
  await h.startOperator();
  const { result } = await provisioned;
  expect(result).toMatchObject({ status: 'passed', outputs: { vmid } });
  expect(machineVms(h.sim)).toEqual([{ vmid, name: cloning.metadata.name, status: 'running' }]);
  expect(cloneRequests()).toBe(1);
  await runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
  expect(machineVms(h.sim)).toEqual([]);
}, 150_000);
