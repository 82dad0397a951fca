// step4.join: joins the Proxmox host with `kubeadm join` over SSH. A bootstrap token and the CA hash are made through
// the Kubernetes API; the token goes to kubeadm on stdin and is deleted afterwards, whatever happened. A node that is
// already registered is not joined a second time. The labels the kubelet may not set on itself are applied through
// the API once the node exists, with a marker naming the run, which the undo (reset.ts) checks before undoing anything.
import { z } from 'zod';
import { defineStep } from '../../catalogue/define-step';
import { SERVICE_RETRY } from '../../catalogue/retry-policies';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { waitForObject, WaitTimeoutError } from '../../kubernetes/wait';
import { type KubeClient } from '../../kubernetes/client';
import { type KubeObject } from '../../kubernetes/types';
import { outputTail, type ExecResult, type SshClient } from '../../ssh/client';
import { cancellationSignal, heartbeat } from '../common/activity-context';
import { checkFailed } from '../common/failures';
import { bootstrapTokenId, bootstrapTokenValid, deleteBootstrapToken, ensureBootstrapToken } from './bootstrap-token';
import { chooseJoinMethod, clusterInfoSigned } from './join-method';
import { clusterDnsAddress, joinWithKubeletBootstrap } from './kubelet-bootstrap-join';
import { caCertHash, clusterCaPem } from './ca-cert-hash';
import { endpointOf, ensureClusterInfo } from './cluster-info';
import { asRoot, withHost } from './host-session';
import { joinConfiguration } from './join-configuration';
import { describeTaint, readJoinSettings, type JoinSettings, type WorkerSsh } from './settings';
import { JOINED_BY_ANNOTATION, joinedByLabel, nodeRef } from './joined-node';
import { workerHostReset } from './reset';
import { runWorkerStep } from './step';

const JOIN_TIMEOUT_MS = 6 * 60 * 1000;
const REGISTER_TIMEOUT_MS = 120_000;

export const joinOutputs = z.object({ nodeName: z.string(), joined: z.boolean(), caCertHash: z.string().optional(), method: z.enum(['kubeadm', 'kubelet-bootstrap']).optional() });

/** Applies the API labels; `joinedBy` marks a node this run joined (never set on a node found already joined). */
async function labelNode(client: KubeClient, nodeName: string, settings: JoinSettings, joinedBy?: string): Promise<void> {
  await client.apply({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: nodeName, labels: settings.apiLabels, ...(joinedBy ? { annotations: { [JOINED_BY_ANNOTATION]: joinedBy } } : {}) },
  });
}

const SIGNATURE_WAIT_MS = 15_000;
const KUBELET_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

function tokenGone(id: string): string {
  return (
    `the bootstrap token ${id} (Secret kube-system/bootstrap-token-${id}) expired or was deleted before the host finished joining; ` +
    'retry the step, which makes a new token (or make one by hand: `kubeadm token create --ttl 30m` on a kubeadm cluster, ' +
    'a Secret of type bootstrap.kubernetes.io/token in kube-system on Talos)'
  );
}

/** The bootstrapsigner signs cluster-info within a second or two of a token's creation where it runs at all. */
async function waitForSignedClusterInfo(client: KubeClient, id: string): Promise<boolean> {
  const deadline = Date.now() + SIGNATURE_WAIT_MS;
  for (;;) {
    if (await clusterInfoSigned(client, id)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits for the kubelet to register the node, and fails at once when the token it bootstraps with is gone. */
async function waitForKubeletJoin(client: KubeClient, nodeName: string, id: string, details: string[]): Promise<void> {
  const deadline = Date.now() + KUBELET_JOIN_TIMEOUT_MS;
  for (;;) {
    const node = await waitForRegistration(client, nodeName, 5_000).catch((err: unknown) => {
      if (err instanceof WaitTimeoutError) return undefined;
      throw err;
    });
    if (node) return;
    if (!(await bootstrapTokenValid(client, id))) {
      throw checkFailed(tokenGone(id), [...details, 'the kubelet log on the host (`journalctl -u kubelet`) shows its refused CSR (401 Unauthorized)']);
    }
    if (Date.now() > deadline) {
      throw checkFailed(
        `node ${nodeName} did not register within ${KUBELET_JOIN_TIMEOUT_MS / 60_000} min of the kubelet's start: is its CSR pending (\`kubectl get csr\`: the token's group needs the nodeclient auto-approval binding) or the kubelet failing (\`journalctl -u kubelet\` on the host)?`,
        details,
      );
    }
  }
}

function waitForRegistration(client: KubeClient, nodeName: string, timeoutMs: number): Promise<KubeObject | undefined> {
  return waitForObject(client, nodeRef(nodeName), (n) => n !== undefined, {
    timeoutMs,
    onEvent: (e) => heartbeat({ waitingFor: `node ${nodeName} to register`, elapsedMs: e.elapsedMs }),
    signal: cancellationSignal(),
  });
}

function joinFailure(ssh: WorkerSsh, result: ExecResult, details: string[], tokenId: string): Error {
  const tail = outputTail(result, 10);
  // Discovery finds no signature for an expired or deleted token; the TLS bootstrap is refused with 401.
  if (/has expired|invalid for this cluster|no JWS signed token|Unauthorized/i.test(tail)) {
    return checkFailed(`kubeadm join on ${ssh.host} failed: ${tokenGone(tokenId)}`, [...details, `kubeadm output (last lines):\n${tail}`]);
  }
  return checkFailed(`kubeadm join on ${ssh.host} failed (exit ${result.exitCode ?? result.signal ?? '?'}): ${tail.split('\n').slice(-3).join(' | ')}`, [
    ...details,
    `kubeadm output (last lines):\n${tail}`,
    'fix what kubeadm reports, run `kubeadm reset -f` on the host if it joined partially, then ' +
      '`cozy-proxmox resolve <workflow-id> --step step4.join --action retry`',
  ]);
}

async function runJoin(host: SshClient, ssh: WorkerSsh, stdin: string, token: string): Promise<ExecResult> {
  heartbeat({ waitingFor: `kubeadm join on ${ssh.host}` });
  return host.exec(asRoot(ssh, ['kubeadm', 'join', '--config', '/dev/stdin']), {
    stdin,
    redact: [token, token.split('.')[1]],
    timeoutMs: JOIN_TIMEOUT_MS,
    signal: cancellationSignal(),
  });
}

export function workerHostJoin(input: StepInput): Promise<StepOutcome> {
  return runWorkerStep(input, 'join the Proxmox host', async (client, ssh): Promise<StepOutcome> => {
    const settings = await readJoinSettings(client, input.config);
    const nodeName = ssh.nodeName;
    const existing = await client.find(nodeRef(nodeName));
    if (existing) {
      // Re-applied as found: the labels and annotations this manager owns would otherwise be dropped by the apply.
      await labelNode(client, nodeName, settings, existing.metadata.annotations?.[JOINED_BY_ANNOTATION]);
      return {
        status: 'passed',
        message: `node ${nodeName} is already registered; no second join`,
        details: [`labels applied through the API: ${Object.keys(settings.apiLabels).join(', ') || 'none'}`],
        outputs: { nodeName, joined: false } satisfies z.infer<typeof joinOutputs>,
      };
    }

    const caPem = clusterCaPem(client);
    const hash = caCertHash(caPem);
    const choice = await chooseJoinMethod(client);
    const info = choice.method === 'kubeadm' ? await ensureClusterInfo(client, caPem) : undefined;
    const endpoint = ssh.apiServerEndpoint ?? endpointOf(info?.server ?? client.server);
    const id = bootstrapTokenId(input.workflowId, nodeName);
    // The run's marker goes with the kubelet's labels, so a node registered by a join cut off later is still known.
    const kubeletLabels = { ...settings.kubeletLabels, ...joinedByLabel(input.workflowId) };
    const details = [
      `join settings from ${settings.configMap}`,
      `join method: ${choice.method} (${choice.reason})`,
      `API endpoint ${endpoint}${info ? `; kube-public/cluster-info ${info.created ? 'created from the kubeconfig' : 'present'}` : ''}`,
      `CA cert hash ${hash}`,
      `kubelet labels: ${Object.entries(kubeletLabels).map(([k, v]) => `${k}=${v}`).join(', ')}`,
      `kubelet taints: ${settings.taints.map(describeTaint).join(', ') || 'none'}`,
    ];
    const started = Date.now();
    let method = choice.method;
    try {
      const token = await ensureBootstrapToken(client, id, settings.tokenGroup, `cozy-proxmox join of ${nodeName} (${input.workflowId})`);
      details.push(`bootstrap token ${id} ${token.reused ? 'reused from an earlier attempt' : 'created'}, expires ${token.expiration}, group ${settings.tokenGroup}`);
      if (method === 'kubeadm' && !(await waitForSignedClusterInfo(client, id))) {
        method = 'kubelet-bootstrap';
        details.push(`kube-public/cluster-info carries no signature for token ${id} after ${SIGNATURE_WAIT_MS / 1000} s (the controller manager runs no bootstrapsigner), so token discovery cannot work: joining by the kubelet's TLS bootstrap instead`);
      }
      await withHost(input.config, ssh, async (host) => {
        if (method === 'kubelet-bootstrap') {
          const files = { ssh, server: `https://${endpoint}`, caPem, token: token.token, labels: kubeletLabels, taints: settings.taints, extraArgs: settings.kubeletExtraArgs, clusterDns: await clusterDnsAddress(client) };
          await joinWithKubeletBootstrap(host, ssh, files, details);
          return;
        }
        const version = await host.exec(['kubeadm', 'version', '-o', 'short'], { timeoutMs: 30_000 });
        const stdin = joinConfiguration({
          kubeadmVersion: version.stdout.trim(),
          endpoint,
          token: token.token,
          caCertHash: hash,
          nodeName,
          criSocket: ssh.criSocket,
          labels: kubeletLabels,
          taints: settings.taints,
          extraArgs: settings.kubeletExtraArgs,
        });
        const result = await runJoin(host, ssh, stdin, token.token);
        if (result.exitCode === 0) return;
        // An earlier attempt may have joined and died before the node registered: kubeadm then finds its files.
        if (/kubelet\.conf\]?:? .*already exists|FileAvailable--etc-kubernetes-kubelet\.conf/.test(result.stderr)) {
          details.push('the host has joined before (kubelet.conf exists): waiting for its node to register');
          const node = await waitForRegistration(client, nodeName, 60_000).catch(() => undefined);
          if (node) return;
        }
        throw joinFailure(ssh, result, details, id);
      });
      // The kubelet needs the token until its CSR is signed: wait for the node before the token goes.
      if (method === 'kubelet-bootstrap') await waitForKubeletJoin(client, nodeName, id, details);
    } finally {
      // The token is only needed for the join itself.
      await deleteBootstrapToken(client, id);
    }
    details.push(`bootstrap token ${id} deleted`);
    await waitForRegistration(client, nodeName, REGISTER_TIMEOUT_MS);
    await labelNode(client, nodeName, settings, input.workflowId);
    details.push(`labels applied through the API: ${Object.keys(settings.apiLabels).join(', ') || 'none'}`);
    const seconds = (Date.now() - started) / 1000;
    return {
      status: 'passed',
      message: `host ${ssh.host} joined as node ${nodeName} in ${seconds.toFixed(1)} s`,
      details,
      metrics: { joinSeconds: Number(seconds.toFixed(1)) },
      outputs: { nodeName, joined: true, caCertHash: hash, method } satisfies z.infer<typeof joinOutputs>,
    };
  });
}

export const workerHostJoinStep = defineStep({
  id: 'step4.join',
  phase: 'advanced-integration',
  group: 'step4-worker',
  title: 'Join the Proxmox host (kubeadm join on a kubeadm cluster, the kubelet\'s TLS bootstrap on Talos)',
  dependsOn: ['step4.host-preflight'],
  blocking: true,
  // kubeadm join itself may take minutes (discovery, TLS bootstrap), plus waiting for the node to register.
  startToCloseSeconds: 600,
  retry: SERVICE_RETRY,
  component: 'Proxmox host as Kubernetes worker',
  outputs: joinOutputs,
  run: workerHostJoin,
  // kubeadm reset is given 180 s.
  undo: { when: 'on-failure', startToCloseSeconds: 300, run: workerHostReset },
});
