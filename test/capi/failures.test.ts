// What the real CAPMOX reports when provisioning fails reaches step 3 (a failed clone task: step3.test.ts's scale
// step): a step cancelled mid-clone is undone; a template that does not exist fails the step for good with a message
// that says so; the providers' admission webhooks refuse what they validate.
import { runOf, undoOf } from '../helpers/steps';
import { cancelMidStepThenUndo } from '../helpers/activity-run';
import { cloneRequests, machineVms, runStep, startHarness, stepFailure, type Harness } from './harness';

let h: Harness;
// A failed assertion must not leave a Cluster with finalizers behind in the shared control plane.
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  h = await startHarness('faults', 0.2);
}, 360_000);

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await h?.teardown();
}, 120_000);

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

describe('a vmIdRange whose every VMID is taken', () => {
  it("fails step3.vm-provisioned for good with CAPMOX's message, naming vms.vmIdRange; no clone", async () => {
    const base = h.config('norange');
    // 9000 is the template: the one VMID of the range is in use.
    const config = { ...base, vms: { ...base.vms, vmIdRange: { start: 9000, end: 9000 } } };
    cleanups.push(() => runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready')));
    await runStep(runOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    const clonesBefore = cloneRequests(h.sim);
    const failure = await stepFailure(runOf('step3.vm-provisioned'), h.input(config, 'step3.vm-provisioned'));
    expect(failure.type).toBe('CheckFailed');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/ProxmoxMachine cozy-proxmox-norange-workers-\S+ failed: .*No free vmid found in vmIDRange: every VMID of vms\.vmIdRange is taken/);
    expect(cloneRequests(h.sim)).toBe(clonesBefore);
    await runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    expect(machineVms(h.sim)).toEqual([]);
  }, 60_000);
});

describe("the providers' admission webhooks", () => {
  it("CAPMOX's refuses a control-plane endpoint inside the machines' address pool: step3.cluster-ready fails for good, naming it", async () => {
    const base = h.config('badendpoint');
    const config = { ...base, vms: { ...base.vms, controlPlaneEndpoint: { host: '10.10.0.50', port: 6443 } } };
    cleanups.push(() => runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready')));
    const failure = await stepFailure(runOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
    expect(failure.type).toBe('ValidationError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('admission webhook "validation.proxmoxcluster.infrastructure.cluster.x-k8s.io" denied the request');
    expect(failure.message).toContain('addresses may not contain the endpoint IP');
    await runStep(undoOf('step3.cluster-ready'), h.input(config, 'step3.cluster-ready'));
  }, 60_000);

  it("Cluster API's and the IPAM provider's refuse what their validation refuses", async () => {
    const refusal = (obj: Parameters<typeof h.kube.apply>[0]) => h.kube.apply(obj).then(() => 'accepted', (err: Error) => err.message);
    const cluster = {
      apiVersion: 'cluster.x-k8s.io/v1beta1',
      kind: 'Cluster',
      metadata: { name: 'elsewhere', namespace: h.namespace },
      spec: { infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ProxmoxCluster', name: 'x', namespace: 'another-namespace' } },
    };
    expect(await refusal(cluster)).toContain('admission webhook "validation.cluster.cluster.x-k8s.io" denied the request');
    const pool = {
      apiVersion: 'ipam.cluster.x-k8s.io/v1alpha2',
      kind: 'InClusterIPPool',
      metadata: { name: 'not-addresses', namespace: h.namespace },
      spec: { addresses: ['not-an-address'], prefix: 24, gateway: '10.10.0.1' },
    };
    expect(await refusal(pool)).toContain('admission webhook "validation.inclusterippool.ipam.cluster.x-k8s.io" denied the request');
  }, 30_000);
});
