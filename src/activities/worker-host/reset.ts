// Compensation of step4.join: `kubeadm reset -f` on the host (or, for a join without kubeadm, the kubelet stopped
// and the files the join wrote removed) and the Node deleted, but only for a node this run
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
import { chooseJoinMethod } from './join-method';
import { stopKubeletAndRemove } from './kubelet-bootstrap-join';
import { kubeletResetPaths } from './kubelet-files';
import { runWorkerStep } from './step';

export async function workerHostReset(input: StepInput, recorded?: z.infer<typeof joinOutputs>): Promise<void> {
  await runWorkerStep(input, 'reset the joined Proxmox host', async (client, ssh) => {
    const node = await client.find(nodeRef(ssh.nodeName));
    const ours = recorded?.joined === true || joinedByRun(node, input.workflowId);
    if (node && !ours) return { status: 'skipped', message: `node ${ssh.nodeName} was not joined by this run; left as it is` };
    const method = recorded?.method ?? (await chooseJoinMethod(client)).method;
    await withHost(input.config, ssh, async (host) => {
      // A join without kubeadm is undone without it too: the host of a Talos cluster need not have kubeadm.
      if (method === 'kubelet-bootstrap') return stopKubeletAndRemove(host, ssh, kubeletResetPaths(ssh));
      const res = await host.exec(asRoot(ssh, ['kubeadm', 'reset', '-f']), { timeoutMs: 180_000 });
      if (res.exitCode !== 0) throw checkFailed(`kubeadm reset -f on ${ssh.host} failed (exit ${res.exitCode}): ${outputTail(res, 5)}`);
    });
    // Read again once the kubelet is stopped: a join cut off mid-way may have registered the node meanwhile.
    const after = await client.find(nodeRef(ssh.nodeName));
    const deleted = after !== undefined && (ours || joinedByRun(after, input.workflowId));
    if (deleted) await client.delete(nodeRef(ssh.nodeName));
    const how = method === 'kubelet-bootstrap' ? 'kubelet stopped and its join files removed' : 'kubeadm reset -f';
    return { status: 'passed', message: `host ${ssh.host} reset (${how})${deleted ? ` and node ${ssh.nodeName} deleted` : ''}` };
  });
}
