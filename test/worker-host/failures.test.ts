// How step4 fails on a Talos cluster (the shared control plane): a token that lapses mid-join, a busy kubelet port
// and swap, a host joined elsewhere, a host key that changed. kubeadm's own failures are in join.test.ts, on its kubeadm cluster.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runOf, undoOf } from '../helpers/steps';
import { bootstrapTokenId, tokenSecretRef } from '../../src/activities/worker-host/bootstrap-token';
import { KUBELET_PORT } from '../../src/activities/worker-host/preflight';
import { CertificateAuthority } from '../../packages/sandbox/src/kubernetes/certificates';
import { readStandinState, startSandboxHost } from '../../packages/sandbox/src/ssh-host';
import { activityFailure, runActivity, workerFixture, type WorkerFixture } from './fixture';

let f: WorkerFixture;

beforeAll(async () => {
  f = await workerFixture('fail');
}, 60_000);

afterAll(async () => {
  await f?.teardown();
}, 60_000);

test('a bootstrap token that expires before the kubelet has its certificate: the join fails at once, naming the token and how to make one', async () => {
  const workflowId = 'wf-expired-token';
  const ref = tokenSecretRef(bootstrapTokenId(workflowId, f.nodeName));
  // The token lapses the moment the step has made it (as if its TTL ran out): the apiserver refuses it from then on.
  let expired = false;
  const expire = (async () => {
    for (let i = 0; i < 200 && !expired; i++) {
      if (await f.kube.find(ref)) {
        await f.kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: ref.name, namespace: ref.namespace }, type: 'bootstrap.kubernetes.io/token', data: { expiration: Buffer.from('2020-01-01T00:00:00Z').toString('base64') } });
        expired = true;
      } else await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const failure = await activityFailure(runOf('step4.join'), f.input('step4.join', workflowId));
  await expire;
  expect(expired).toBe(true);
  expect(failure.type).toBe('CheckFailed');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toMatch(new RegExp(`^the bootstrap token ${ref.name.replace('bootstrap-token-', '')} \\(Secret kube-system/${ref.name}\\) expired or was deleted before the host finished joining; retry the step, which makes a new token`));
  expect(failure.message).toContain('kubeadm token create --ttl 30m');
  expect(await f.kube.find({ apiVersion: 'v1', kind: 'Node', name: f.nodeName })).toBeUndefined();
  expect(await f.kube.find(ref)).toBeUndefined();
  // The kubelet was refused, as a real one is with a lapsed token.
  expect(readFileSync(f.host.kubeletLog, 'utf8')).toMatch(/certificate signing request was refused: HTTP 401/);
  await runActivity(undoOf('step4.join'), f.input('step4.join', workflowId));
  expect(existsSync(join(f.host.kubernetesDir, 'bootstrap-kubelet.conf'))).toBe(false);
}, 60_000);

test('a port the kubelet needs in use, or swap on: step4.host-preflight names each, with the fix', async () => {
  const busy = createServer().listen(KUBELET_PORT, '127.0.0.1');
  await new Promise((r) => busy.once('listening', r));
  const swapHost = await startSandboxHost(mkdtempSync(join(tmpdir(), 'cozy-swap-host-')), { swapOn: true });
  try {
    const config = { ...f.config, ssh: { ...f.config.ssh!, port: swapHost.port, hostKeyFingerprint: swapHost.hostKeyFingerprint, privateKey: `file:${swapHost.privateKeyFile}` } };
    const failure = await activityFailure(runOf('step4.host-preflight'), { ...f.input('step4.host-preflight'), config });
    expect(failure.type).toBe('CheckFailed');
    expect(failure.message).toBe('the Proxmox host 127.0.0.1 is not ready to join (kubelet-bootstrap): swap, port 10250 failed');
    const details = (failure.details?.[0] as string[]).join('\n');
    expect(details).toContain('FAIL: swap: on (/dev/sda3); the kubelet refuses to start with swap: run `swapoff -a` and remove swap from /etc/fstab');
    expect(details).toContain("FAIL: port 10250: in use; the kubelet needs it (a kubelet already running? `ss -ltnp 'sport = :10250'` shows what holds it)");
  } finally {
    busy.close();
    await swapHost.stop();
    rmSync(swapHost.layout.dir, { recursive: true, force: true });
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
