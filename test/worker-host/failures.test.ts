// How step4 fails: a host key that changed stops the preflight with both fingerprints; a join kubeadm cannot finish
// fails with kubeadm's own message and leaves no bootstrap token behind; the stand-in refuses a CA pin that does not
// match the cluster's, as kubeadm does.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runOf } from '../helpers/steps';
import { bootstrapTokenId, deleteBootstrapToken, ensureBootstrapToken } from '../../src/activities/worker-host/bootstrap-token';
import { endpointOf } from '../../src/activities/worker-host/cluster-info';
import { CertificateAuthority } from '../../packages/sandbox/src/kubernetes/certificates';
import { readStandinState, startSandboxHost } from '../../packages/sandbox/src/ssh-host';
import { withSsh } from '../../src/ssh/client';
import { activityFailure, bootstrapTokens, runActivity, workerFixture, type WorkerFixture } from './fixture';

let f: WorkerFixture;

beforeAll(async () => {
  f = await workerFixture('fail');
}, 60_000);

afterAll(async () => {
  await f?.teardown();
}, 60_000);

test('a join kubeadm cannot finish fails with its message, leaves no token and no node', async () => {
  // Without the chart's bootstrap RBAC the host may not even read cluster-info.
  await f.installChart({ bootstrap: { rbac: false } });
  const before = await bootstrapTokens(f.kube);
  const failure = await activityFailure(runOf('step4.join'), f.input('step4.join'));
  expect(failure.type).toBe('CheckFailed');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toMatch(/^kubeadm join on 127\.0\.0\.1 failed \(exit 1\): error execution phase preflight: could not fetch the cluster-info ConfigMap .*forbidden: User "system:anonymous" cannot get resource "configmaps"/);
  const details = (failure.details?.[0] as string[]).join('\n');
  expect(details).toMatch(/kubeadm output \(last lines\)/);
  expect(details).toMatch(/--step step4\.join --action retry/);
  expect(details).not.toMatch(/[a-z0-9]{6}\.[a-z0-9]{16}/);
  expect(await bootstrapTokens(f.kube)).toEqual(before);
  expect(await f.kube.find({ apiVersion: 'v1', kind: 'Node', name: f.nodeName })).toBeUndefined();
  expect(readStandinState(f.host.stateFile).joins).toEqual([]);
  await f.installChart();
});

test('the stand-in refuses a CA pin other than the cluster CA\'s, as kubeadm does', async () => {
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

test('a host joined to another cluster stops step4.host-preflight, non-retryable, naming the file, its server and the fix; nothing is joined', async () => {
  const other = CertificateAuthority.create('kubernetes-of-another-cluster');
  const kubeletConf = join(f.host.kubernetesDir, 'kubelet.conf');
  mkdirSync(f.host.kubernetesDir, { recursive: true });
  // What kubeadm leaves on a host joined elsewhere (the kubelet's kubeconfig and the cluster CA).
  writeFileSync(kubeletConf, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default-cluster', cluster: { server: 'https://10.20.0.5:6443', 'certificate-authority-data': Buffer.from(other.certPem).toString('base64') } }],
    contexts: [{ name: 'default', context: { cluster: 'default-cluster', user: 'default-auth' } }],
    'current-context': 'default',
    users: [{ name: 'default-auth', user: { 'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem' } }],
  }), { mode: 0o600 });
  try {
    const failure = await activityFailure(runOf('step4.host-preflight'), f.input('step4.host-preflight'));
    expect(failure.type).toBe('CheckFailed');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(new RegExp(
      `^the Proxmox host is already joined to another cluster: ${kubeletConf} points at https://10\\.20\\.0\\.5:6443, with a CA other than this cluster's \\(sha256:[0-9a-f]{64}\\); ` +
        'if the host should leave it, run `kubeadm reset -f` on the host, then retry the step',
    ));
    expect((failure.details?.[0] as string[]).join('\n')).toMatch(/FAIL: joined: to another cluster/);
    // Only a pki/ca.crt of the other cluster (kubelet.conf gone): the same verdict, naming that file.
    rmSync(kubeletConf);
    mkdirSync(join(f.host.kubernetesDir, 'pki'), { recursive: true });
    writeFileSync(join(f.host.kubernetesDir, 'pki', 'ca.crt'), other.certPem);
    const caOnly = await activityFailure(runOf('step4.host-preflight'), f.input('step4.host-preflight'));
    expect(caOnly.message).toContain(`already joined to another cluster: ${join(f.host.kubernetesDir, 'pki', 'ca.crt')} is there`);
    expect(readStandinState(f.host.stateFile).joins).toEqual([]);
  } finally {
    rmSync(f.host.kubernetesDir, { recursive: true, force: true });
  }
  // Reset (the files gone), the host is ready again.
  const { result } = await runActivity(runOf('step4.host-preflight'), f.input('step4.host-preflight'));
  expect(result.status).toBe('passed');
});

test('a changed host key stops step4.host-preflight, non-retryable, with the offered fingerprint', async () => {
  const pinned = f.host.hostKeyFingerprint;
  await f.host.stop();
  // The host was reinstalled (or someone else answers on its address): a new host key on the same port.
  rmSync(f.host.layout.hostKey);
  rmSync(f.host.layout.hostKeyPub);
  const logBefore = readFileSync(f.host.logFile, 'utf8').length;
  f.host = await startSandboxHost(f.dir, { port: f.host.port });
  expect(f.host.hostKeyFingerprint).not.toBe(pinned);
  const failure = await activityFailure(runOf('step4.host-preflight'), f.input('step4.host-preflight'));
  expect(failure.type).toBe('PermissionError');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain(`SSH host key of 127.0.0.1:${f.host.port} is ${f.host.hostKeyFingerprint}`);
  expect(failure.message).toContain(`ssh.hostKeyFingerprint is ${pinned}`);
  // Nothing was run on a host that could not be trusted.
  expect(readFileSync(f.host.logFile, 'utf8').slice(logBefore)).not.toMatch(/Accepted publickey/);
  // With the new fingerprint pinned, it passes again.
  const repinned = { ...f.input('step4.host-preflight'), config: { ...f.config, ssh: { ...f.config.ssh!, hostKeyFingerprint: f.host.hostKeyFingerprint } } };
  const { result } = await runActivity(runOf('step4.host-preflight'), repinned);
  expect(result.status).toBe('passed');
});
