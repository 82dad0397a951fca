// Compensation of step4.join: `kubeadm reset -f` on the host and the Node deleted, but only for a node this run
// joined (the kubelet's label, the marker annotation or the step's outputs say so) or none at all (a join that
// failed half way). A node
// that was a worker before the run is left alone. Safe to run twice: reset on a clean host and a missing node are
// both fine.
import type { z } from 'zod';
import type { StepInput } from '../../catalogue/types';
import { outputTail } from '../../ssh/client';
import { checkFailed } from '../common/failures';
import { asRoot, withHost } from './host-session';
import type { joinOutputs } from './join';
import { joinedByRun, nodeRef } from './joined-node';
import { runWorkerStep } from './step';

export async function workerHostReset(input: StepInput, recorded?: z.infer<typeof joinOutputs>): Promise<void> {
  await runWorkerStep(input, 'reset the joined Proxmox host', async (client, ssh) => {
    const node = await client.find(nodeRef(ssh.nodeName));
    const ours = recorded?.joined === true || joinedByRun(node, input.workflowId);
    if (node && !ours) return { status: 'skipped', message: `node ${ssh.nodeName} was not joined by this run; left as it is` };
    await withHost(input.config, ssh, async (host) => {
      const res = await host.exec(asRoot(ssh, ['kubeadm', 'reset', '-f']), { timeoutMs: 180_000 });
      if (res.exitCode !== 0) throw checkFailed(`kubeadm reset -f on ${ssh.host} failed (exit ${res.exitCode}): ${outputTail(res, 5)}`);
    });
    // Read again once the kubelet is stopped: a join cut off mid-way may have registered the node meanwhile.
    const after = await client.find(nodeRef(ssh.nodeName));
    const deleted = after !== undefined && (ours || joinedByRun(after, input.workflowId));
    if (deleted) await client.delete(nodeRef(ssh.nodeName));
    return { status: 'passed', message: `host ${ssh.host} reset${deleted ? ` and node ${ssh.nodeName} deleted` : ''}` };
  });
}
