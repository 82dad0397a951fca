// What the provider reports when provisioning fails reaches step3.vm-provisioned: a failed clone task (the
// simulator's faults) fails the step with the task's exit status, retryable because CAPMOX clones again; a template
// that does not exist fails it for good with a message that says so.
import { runOf, undoOf } from '../helpers/steps';
import { cancelMidStepThenUndo } from '../helpers/activity-run';
import { machineVms, runStep, startHarness, stepFailure, type Harness } from './harness';

let h: Harness;
// A failed assertion must not leave a Cluster with finalizers behind in the shared control plane.
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  h = await startHarness('faults', 0.2);
}, 120_000);

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await h?.teardown();
}, 120_000);

const CLONE_ERROR = "clone failed: lvcreate 'pve/vm-100-disk-0' error: Volume group \"pve\" has insufficient free space (1024 extents): 10240 required.";

describe('a failed clone task', () => {
  it('fails step3.vm-provisioned with the provider TaskFailure and the task exit status; the next attempt passes', async () => {
    const config = h.config('clonefail');
    cleanups.push(() => runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready')));
    await runStep(runOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    h.sim.faults.set({ failTasks: { type: 'qmclone', count: 1, message: CLONE_ERROR } });
    const failure = await stepFailure(runOf('step3.vm-provisioned'), h.input(config, 'step3.vm-provisioned'));
    expect(failure.type).toBe('TransientError');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('VMProvisioned False (TaskFailure: task qmclone failed: clone failed: lvcreate');
    expect(failure.message).toContain('insufficient free space');
    // The provider clones again (same VMID) once the fault is spent: a retry of the step passes with one VM.
    const { result, heartbeats } = await runStep(runOf('step3.vm-provisioned'), h.input(config, 'step3.vm-provisioned'));
    expect(result).toMatchObject({ status: 'passed' });
    expect(JSON.stringify(heartbeats)).toContain('TaskFailure');
    expect(machineVms(h.sim)).toHaveLength(1);
    await runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    expect(machineVms(h.sim)).toEqual([]);
  }, 60_000);
});

describe('a step 3 cancelled while its VM is being cloned', () => {
  it('ends as cancelled, and the undo leaves no Machine, Cluster or VM', async () => {
    const config = h.config('cancelclone');
    cleanups.push(() => runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready')));
    await runStep(runOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    // Cancelled once the provider has started the clone (the VM exists, the step waits for it to run); then the
    // undo, as the worker registers it (a wait that runs out is retried, not failed).
    await cancelMidStepThenUndo(runOf('step3.vm-provisioned'), undoOf('step3.cluster-ready'), h.input(config, 'step3.vm-provisioned'), async () => machineVms(h.sim).length > 0);
    expect(machineVms(h.sim)).toEqual([]);
    expect(await h.kube.list('cluster.x-k8s.io/v1beta1', 'Machine', h.namespace)).toEqual([]);
    expect(await h.kube.list('cluster.x-k8s.io/v1beta1', 'Cluster', h.namespace)).toEqual([]);
  }, 90_000);
});

describe('a template that does not exist', () => {
  it('fails step3.vm-provisioned for good, naming the template and the provider message', async () => {
    const config = h.config('notemplate', { templateId: 9999 });
    cleanups.push(() => runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready')));
    await runStep(runOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    const failure = await stepFailure(runOf('step3.vm-provisioned'), h.input(config, 'step3.vm-provisioned'));
    expect(failure.type).toBe('NotFoundError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/the provider cannot clone template 9999 on pve1: .*9999\.conf' does not exist.*Set proxmox\.templateId to an existing template/);
    await runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    expect(machineVms(h.sim)).toEqual([]);
  }, 60_000);
});
