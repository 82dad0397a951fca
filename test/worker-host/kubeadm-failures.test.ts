// How `kubeadm join` fails on a kubeadm cluster, with the real kubeadm on the sandbox host: a cluster whose
// kubeadm-config it may not read stops the step with kubeadm's own message and leaves no token and no node; a CA pin
// other than the cluster CA's is refused by kubeadm's discovery.
import { readFileSync } from 'node:fs';
import { runOf } from '../helpers/steps';
import { bootstrapTokenId, deleteBootstrapToken, ensureBootstrapToken } from '../../src/activities/worker-host/bootstrap-token';
import { endpointOf } from '../../src/activities/worker-host/cluster-info';
import { readStandinState } from '../../packages/sandbox/src/ssh-host';
import { startControlPlane, type RunningControlPlane } from '../../packages/sandbox/src/kubernetes/control-plane';
import { withSsh } from '../../src/ssh/client';
import { activityFailure, bootstrapTokens, workerFixture, type WorkerFixture } from './fixture';

let plane: RunningControlPlane;
let f: WorkerFixture;

beforeAll(async () => {
  plane = await startControlPlane({ profile: 'kubeadm' });
  f = await workerFixture('kubeadm-fail', plane);
}, 120_000);

afterAll(async () => {
  await f?.teardown();
  await plane?.stop();
}, 60_000);

test('kubeadm join refused the cluster configuration: the step fails with kubeadm\'s message, leaves no token and no node', async () => {
  // Neither kubeadm init's binding nor the chart's lets the token read kube-system/kubeadm-config.
  const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: 'kubeadm:nodes-kubeadm-config', namespace: 'kube-system' };
  const saved = (await f.kube.get(binding)) as unknown as { roleRef: object; subjects: object[] };
  await f.kube.delete(binding);
  await f.installChart({ bootstrap: { kubeadmConfigReaders: false } });
  try {
    const before = await bootstrapTokens(f.kube);
    const failure = await activityFailure(runOf('step4.join'), f.input('step4.join'));
    expect(failure.type).toBe('CheckFailed');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/^kubeadm join on 127\.0\.0\.1 failed \(exit 1\): .*configmaps "kubeadm-config" is forbidden: User "system:bootstrap:[a-z0-9]{6}" cannot get resource "configmaps"/);
    const details = (failure.details?.[0] as string[]).join('\n');
    expect(details).toMatch(/join method: kubeadm \(kube-system\/kubeadm-config present/);
    expect(details).toMatch(/--step step4\.join --action retry/);
    expect(details).not.toMatch(/[a-z0-9]{6}\.[a-z0-9]{16}/);
    expect(await bootstrapTokens(f.kube)).toEqual(before);
    expect(await f.kube.find({ apiVersion: 'v1', kind: 'Node', name: f.nodeName })).toBeUndefined();
    expect(readStandinState(f.host.stateFile).joins).toEqual([]);
  } finally {
    await f.kube.apply({ apiVersion: binding.apiVersion, kind: binding.kind, metadata: { name: binding.name, namespace: binding.namespace }, roleRef: saved.roleRef, subjects: saved.subjects } as never);
    await f.installChart();
  }
});

test('kubeadm refuses a CA pin other than the cluster CA\'s', async () => {
  const id = bootstrapTokenId('wf-pin-test', f.nodeName);
  const token = await ensureBootstrapToken(f.kube, id, 'system:bootstrappers:kubeadm:default-node-token', 'pin test');
  try {
    const wrongPin = `sha256:${'0'.repeat(64)}`;
    const res = await withSsh(
      { host: f.host.host, port: f.host.port, user: f.host.user, privateKey: readFileSync(f.host.privateKeyFile, 'utf8'), hostKeyFingerprint: f.host.hostKeyFingerprint },
      (ssh) => ssh.exec(['kubeadm', 'join', endpointOf(f.kube.server), '--token', token.token, '--discovery-token-ca-cert-hash', wrongPin, '--node-name', f.nodeName, '--cri-socket', `unix://${f.host.criSocket}`], { redact: [token.token], timeoutMs: 60_000 }),
    );
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:[0-9a-f]{64}" are pinned/);
    expect(res.command).not.toContain(token.token);
  } finally {
    await deleteBootstrapToken(f.kube, id);
  }
});
