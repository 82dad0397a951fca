// Which TaskFailure fails step 3's attempt: one on a Machine made during the attempt at once (the provider may
// report it before the first look), one left on a Machine from before only once the provider had time to move on.
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
const failed: MachineView = { name: 'm-0', deleting: false, phase: 'Provisioning', ready: false, reason: 'TaskFailure', message: 'task qmclone failed: no space' };
const cloning: MachineView = { ...failed, reason: 'Cloning', message: undefined };

it('fails at once on a TaskFailure of a Machine made during the attempt', () => {
  const watch = new ProviderFailureWatch(input, []);
  expect(() => watch.check([failed])).toThrow(/VMProvisioned False \(TaskFailure: task qmclone failed: no space\)/);
});

it('gives a TaskFailure left from before the attempt the grace period, then fails', async () => {
  const watch = new ProviderFailureWatch(input, [failed], 50);
  expect(() => watch.check([failed])).not.toThrow();
  await new Promise((resolve) => setTimeout(resolve, 60));
  expect(() => watch.check([failed])).toThrow(/TaskFailure/);
});

it('fails on a TaskFailure that follows progress seen in this attempt', () => {
  const watch = new ProviderFailureWatch(input, [failed]);
  watch.check([cloning]);
  expect(() => watch.check([failed])).toThrow(/TaskFailure/);
});
