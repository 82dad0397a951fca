// Which provider failure fails step 3's attempt: CAPMOX retries a failed task after its retryAfter (one minute), so
// a TaskFailure fails the attempt only when the retry fails too or the failure outlasts it by the grace period.
import { ProviderFailureWatch, type MachineView } from '../../src/activities/capi/machines';
import { integrationConfigSchema } from '../../src/config/schema';
import type { StepInput } from '../../src/catalogue/types';

const config = integrationConfigSchema.parse({
  apiVersion: 'cozy-proxmox/v1',
  kind: 'Integration',
  cluster: { name: 'watch' },
  proxmox: { url: 'https://127.0.0.1:8006/api2/json', node: 'pve1', templateId: 9000, token: { id: 'root@pam!t', secret: 'env:UNUSED' } },
  kubernetes: { kubeconfig: '/dev/null' },
});
const input: StepInput = { stepId: 'step3.vm-provisioned', workflowId: 'wf', config, outputs: {} };
const failed: MachineView = {
  name: 'm-0', deleting: false, phase: 'Provisioning', ready: false, addresses: [], vmid: 100,
  reason: 'TaskFailure', message: 'clone failed: no space', retryAfter: '2026-12-05T10:01:00Z',
};
const cloning: MachineView = { ...failed, reason: 'Cloning', message: undefined, retryAfter: undefined };
const T0 = Date.parse('2026-12-05T10:00:00Z');

/** A watch on a clock the test moves. */
function watchAt(): { watch: ProviderFailureWatch; at(ms: number): void } {
  let now = T0;
  return { watch: new ProviderFailureWatch(input, 30_000, () => now), at: (ms) => (now = T0 + ms) };
}

it("waits for CAPMOX's retry of a failed task, and the grace period past it, then fails", () => {
  const { watch, at } = watchAt();
  expect(() => watch.check([failed])).not.toThrow();
  at(89_000);
  expect(() => watch.check([failed])).not.toThrow();
  at(90_000);
  expect(() => watch.check([failed])).toThrow(/VMProvisioned False \(TaskFailure: clone failed: no space\); the provider retried; read the task log in Proxmox .* VM 100/);
});

it('fails at once when the retried task fails again (a new retryAfter)', () => {
  const { watch, at } = watchAt();
  watch.check([failed]);
  at(62_000);
  expect(() => watch.check([{ ...failed, retryAfter: '2026-12-05T10:02:02Z' }])).toThrow(/the task failed again/);
});

it('a failure that gives way (the retry clones) ends its episode: a later failure gets its own time', () => {
  const { watch, at } = watchAt();
  watch.check([failed]);
  at(61_000);
  watch.check([cloning]);
  at(100_000);
  expect(() => watch.check([{ ...failed, retryAfter: '2026-12-05T10:02:40Z' }])).not.toThrow();
});

it('a failed call (VMProvisionFailed) gets the grace period from its first sight', () => {
  const { watch, at } = watchAt();
  const uploadRefused = { ...failed, reason: 'VMProvisionFailed', message: 'unable to inject CloudInit ISO: 403 Forbidden', retryAfter: undefined };
  watch.check([uploadRefused]);
  at(29_000);
  expect(() => watch.check([uploadRefused])).not.toThrow();
  at(30_000);
  expect(() => watch.check([uploadRefused])).toThrow(/VMProvisionFailed: unable to inject CloudInit ISO: 403 Forbidden\); the provider keeps retrying/);
});

it('a template that does not exist fails for good at once', () => {
  const { watch } = watchAt();
  expect(() => watch.check([{ ...failed, reason: 'CloningFailed', message: "Configuration file 'nodes/pve1/qemu-server/9999.conf' does not exist" }])).toThrow(/cannot clone template 9000/);
});
