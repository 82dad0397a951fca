// step4 on both kinds of cluster the sandbox's control plane can be, against the sandbox host (real sshd on
// loopback, the real kubeadm in a mount namespace, the stand-in kubelet whose CSR kube-controller-manager approves
// and signs, its node registered as system:node:<name> under the Node authorizer and NodeRestriction):
// - a Talos cluster (the shared control plane): no kubeadm-config, no signed cluster-info; the step writes the
//   kubelet's files and the kubelet joins by TLS bootstrap;
// - a kubeadm cluster (a control plane started here): `kubeadm join` with token discovery, signature and CA pin
//   checked by kubeadm itself.
// On each: preflight, join, a second join that changes nothing, node-ready, the compensation; on the kubeadm cluster
// first kubeadm's own refusals (a kubeadm-config it may not read, a CA pin that does not match).
import { existsSync, readFileSync } from 'node:fs';
import { bootstrapTokenId, deleteBootstrapToken, ensureBootstrapToken } from '../../src/activities/worker-host/bootstrap-token';
import { endpointOf } from '../../src/activities/worker-host/cluster-info';
import { withSsh } from '../../src/ssh/client';
import { join } from 'node:path';
import { catalogueSteps, runOf, undoOf } from '../helpers/steps';
import { JOINED_BY_ANNOTATION } from '../../src/activities/worker-host/joined-node';
import { pinnedPodName } from '../../src/activities/worker-host/node-ready';
import type { KubeObject } from '../../src/kubernetes/types';
import { readStandinState } from '../../packages/sandbox/src/ssh-host';
import { startControlPlane, type RunningControlPlane } from '../../packages/sandbox/src/kubernetes/control-plane';
import type { ClusterProfile } from '../../packages/sandbox/src/kubernetes/cluster-profile';
import { activityFailure, bootstrapTokens, runActivity, TAINT, workerFixture, type WorkerFixture } from './fixture';
import { cancelMidStepThenUndo } from '../helpers/activity-run';
import { processesMentioning } from '../helpers/processes';

const TOKEN_PATTERN = /[a-z0-9]{6}\.[a-z0-9]{16}/;
type NodeObject = KubeObject & { spec?: { taints?: typeof TAINT[] }; status?: { allocatable?: Record<string, string> } };

test('the catalogue: three steps of phase advanced-integration, group step4-worker, after worker.chart', () => {
  expect(catalogueSteps('step4.').map((s) => [s.id, s.phase, s.group, s.dependsOn])).toEqual([
    ['step4.host-preflight', 'advanced-integration', 'step4-worker', ['worker.chart']],
    ['step4.join', 'advanced-integration', 'step4-worker', ['step4.host-preflight']],
    ['step4.node-ready', 'advanced-integration', 'step4-worker', ['step4.join']],
  ]);
  expect(catalogueSteps('step4.')[1].compensation).toMatchObject({ activity: 'step4.join:undo', when: 'on-failure', startToCloseSeconds: 300 });
});

const CASES: { profile: ClusterProfile; method: 'kubelet-bootstrap' | 'kubeadm' }[] = [
  { profile: 'talos', method: 'kubelet-bootstrap' },
  { profile: 'kubeadm', method: 'kubeadm' },
];

describe.each(CASES)('on a $profile cluster', ({ profile, method }) => {
  let f: WorkerFixture;
  let plane: RunningControlPlane | undefined;
  let tokensBefore: string[];
  const kubeletConf = () => join(f.host.kubernetesDir, 'kubelet.conf');

  beforeAll(async () => {
    if (profile !== 'talos') plane = await startControlPlane({ profile });
    f = await workerFixture(`join-${profile}`, plane);
    tokensBefore = await bootstrapTokens(f.kube);
  }, 120_000);

  afterAll(async () => {
    await f?.teardown();
    await plane?.stop();
  }, 60_000);

  // kubeadm's own failures, before the join below (they leave no token, no node and no files).
  if (profile === 'kubeadm') {
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
  }

  test('step4.host-preflight: pinned host key, swap, runtime socket, the join method, kubeadm where it joins, kubelet, port 10250', async () => {
    const { result } = await runActivity(runOf('step4.host-preflight'), f.input('step4.host-preflight'));
    expect(result).toMatchObject({ status: 'passed', outputs: { nodeName: f.nodeName, hostKeyFingerprint: f.host.hostKeyFingerprint, joinMethod: method } });
    const details = result.details ?? [];
    expect(details[0]).toContain(`host key ${f.host.hostKeyFingerprint} (pinned)`);
    expect(details).toEqual(expect.arrayContaining([
      'ok: swap: off (/proc/swaps lists no device)',
      expect.stringMatching(/^ok: container runtime: socket unix:\/\/.*containerd\.sock present$/),
      expect.stringMatching(new RegExp(`^ok: join method: ${method} \\(${profile === 'talos' ? 'no kube-system/kubeadm-config' : 'kube-system/kubeadm-config present'}`)),
      'ok: kubelet: v1.34.4',
      'ok: port 10250: free',
      'ok: joined: no (no kubelet.conf or pki/ca.crt from an earlier join)',
    ]));
    expect(details.some((d) => d.startsWith('ok: kubeadm: v1.34.4 (cluster v1.34.4)'))).toBe(profile === 'kubeadm');
    expect(result.outputs?.alreadyJoined).toBe(false);
  });

  test('step4.join: token through the API, the join over SSH, the kubelet bootstrapped and registered, labels applied, token deleted', async () => {
    const { result, heartbeats } = await runActivity(runOf('step4.join'), f.input('step4.join'));
    expect(result).toMatchObject({ status: 'passed', outputs: { nodeName: f.nodeName, joined: true, method, caCertHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) } });
    const details = result.details?.join('\n') ?? '';
    expect(details).toMatch(/bootstrap token [a-z0-9]{6} created, expires .*\n.*bootstrap token [a-z0-9]{6} deleted/s);
    if (method === 'kubelet-bootstrap') expect(details).toContain(`wrote ${join(f.host.kubernetesDir, 'bootstrap-kubelet.conf')} (0600, holds the bootstrap token)`);
    // The token value appears nowhere: not in the outcome, not in what progress showed.
    expect(JSON.stringify(result)).not.toMatch(TOKEN_PATTERN);
    expect(JSON.stringify(heartbeats)).not.toMatch(TOKEN_PATTERN);
    expect(await bootstrapTokens(f.kube)).toEqual(tokensBefore);

    const node = (await f.kube.get({ apiVersion: 'v1', kind: 'Node', name: f.nodeName })) as NodeObject;
    expect(node.metadata.labels).toMatchObject({
      'node.kubernetes.io/instance-type': 'proxmox',
      'topology.kubernetes.io/region': 'pve',
      'topology.kubernetes.io/zone': f.nodeName,
      'node-role.kubernetes.io/worker': '',
      'node-role.kubernetes.io/proxmox-host': '',
    });
    // The node lifecycle controller's node.kubernetes.io/not-ready taint may still be there until the node's first
    // Ready status is seen; step4.node-ready checks the settled taints. Every other taint is the join's.
    expect((node.spec?.taints ?? []).filter((t) => !t.key.startsWith('node.kubernetes.io/'))).toEqual([TAINT]);
    expect(node.metadata.annotations?.[JOINED_BY_ANNOTATION]).toBe(`integrate-cluster-${f.namespace.replace(/^worker-/, '')}`);
    // The kubelet's client certificate was issued by the cluster's signer through the approved CSR.
    const csrs = await f.kube.list('certificates.k8s.io/v1', 'CertificateSigningRequest');
    const ours = csrs.filter((c) => (c as { spec?: { username?: string } }).spec?.username?.startsWith('system:bootstrap:'));
    expect(ours.length).toBeGreaterThanOrEqual(1);
    expect(readStandinState(f.host.stateFile).joins.map((j) => j.nodeName)).toEqual([f.nodeName]);
    expect(existsSync(kubeletConf())).toBe(true);
    // Both ways leave the kubelet the same flags: kubeadm wrote them on a kubeadm cluster, the step on Talos.
    const flags = readFileSync(join(f.host.kubeletDir, 'kubeadm-flags.env'), 'utf8');
    expect(flags).toContain('--register-with-taints=node.cozystack.io/proxmox=hypervisor:NoSchedule');
    expect(flags).toContain(`--hostname-override=${f.nodeName}`);
  });

  test('step4.join again: the node is registered, so no second join (one node, one join on the host)', async () => {
    const { result } = await runActivity(runOf('step4.join'), f.input('step4.join'));
    expect(result).toMatchObject({ status: 'passed', message: `node ${f.nodeName} is already registered; no second join`, outputs: { joined: false } });
    expect(readStandinState(f.host.stateFile).joins).toHaveLength(1);
    const nodes = await f.kube.list('v1', 'Node');
    expect(nodes.filter((n) => n.metadata.name === f.nodeName)).toHaveLength(1);
  });

  test('step4.host-preflight on the joined host: joined to this cluster, so it passes and says the join is done', async () => {
    const { result } = await runActivity(runOf('step4.host-preflight'), f.input('step4.host-preflight'));
    expect(result).toMatchObject({ status: 'passed', message: `host 127.0.0.1 is already joined to this cluster as node ${f.nodeName}`, outputs: { alreadyJoined: true } });
    expect(result.details).toEqual(expect.arrayContaining([
      `ok: joined: yes, to this cluster as node ${f.nodeName} (${kubeletConf()} points at ${f.kube.server} and trusts this cluster's CA); the join changes nothing`,
    ]));
  });

  test('step4.node-ready: Ready, labels and taints as set, a pinned pod ran; the DaemonSets its taint does not keep away are listed', async () => {
    // One agent that tolerates every taint (as CNI agents do) and one that tolerates none.
    const ds = (name: string, tolerations: object[]) => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name, namespace: f.namespace },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { tolerations, containers: [{ name, image: `example.org/${name}:1` }] } } },
    });
    await f.kube.apply(ds('kube-ovn-cni', [{ operator: 'Exists' }]));
    await f.kube.apply(ds('plain-agent', []));
    const { result } = await runActivity(runOf('step4.node-ready'), f.input('step4.node-ready'));
    expect(result.status).toBe('warning');
    expect(result.metrics?.allocatableCpu).toBeGreaterThan(0);
    const details = result.details?.join('\n') ?? '';
    expect(details).toMatch(/taints: node\.cozystack\.io\/proxmox=hypervisor:NoSchedule/);
    expect(details).toMatch(new RegExp(`pod ${f.namespace}/${pinnedPodName(f.nodeName)} pinned to ${f.nodeName} ran after`));
    expect(details).toContain(`daemonset ${f.namespace}/kube-ovn-cni (network) runs on ${f.nodeName}: a CNI agent`);
    expect(details).not.toContain('plain-agent');
    expect(result.message).toContain(`DaemonSet(s) would run on the hypervisor (`);
    expect(await f.kube.find({ apiVersion: 'v1', kind: 'Pod', name: pinnedPodName(f.nodeName), namespace: f.namespace })).toBeUndefined();
  });

  test('compensation: the host reset and the node deleted; a second run is a no-op', async () => {
    await runActivity(undoOf('step4.join'), f.input('step4.join'));
    expect(await f.kube.find({ apiVersion: 'v1', kind: 'Node', name: f.nodeName })).toBeUndefined();
    for (const file of [kubeletConf(), join(f.host.kubernetesDir, 'bootstrap-kubelet.conf'), join(f.host.kubeletDir, 'config.yaml')]) expect(existsSync(file)).toBe(false);
    expect(existsSync(f.host.layout.kubeletPidFile)).toBe(false);
    expect(processesMentioning(`--sandbox-host-root=${f.host.hostRoot}`)).toEqual([]);
    expect(readStandinState(f.host.stateFile).resets).toHaveLength(method === 'kubeadm' ? 1 : 0);
    await runActivity(undoOf('step4.join'), f.input('step4.join'));
    expect(readStandinState(f.host.stateFile).resets).toHaveLength(method === 'kubeadm' ? 2 : 0);
  });

  test('compensation leaves a node another run joined alone', async () => {
    await runActivity(runOf('step4.join'), f.input('step4.join', 'wf-first'));
    await runActivity(undoOf('step4.join'), f.input('step4.join', 'wf-other'));
    expect(await f.kube.find({ apiVersion: 'v1', kind: 'Node', name: f.nodeName })).toBeDefined();
    await runActivity(undoOf('step4.join'), f.input('step4.join', 'wf-first'));
    expect(await f.kube.find({ apiVersion: 'v1', kind: 'Node', name: f.nodeName })).toBeUndefined();
  });

  test('step4.join cancelled in its middle (token made, join under way): ends cancelled, and the undo leaves no node, no kubelet.conf, no token', async () => {
    const input = f.input('step4.join', 'wf-cancelled');
    await cancelMidStepThenUndo(runOf('step4.join'), undoOf('step4.join'), input, async () => (await bootstrapTokens(f.kube)).length > tokensBefore.length);
    expect(await f.kube.find({ apiVersion: 'v1', kind: 'Node', name: f.nodeName })).toBeUndefined();
    expect(existsSync(kubeletConf())).toBe(false);
    expect(await bootstrapTokens(f.kube)).toEqual(tokensBefore);
  }, 120_000);
});

test('without an ssh section every step is skipped with the reason', async () => {
  const f = await workerFixture('no-ssh');
  try {
    const input = { ...f.input('step4.join'), config: { ...f.config, ssh: undefined } };
    for (const fn of [runOf('step4.host-preflight'), runOf('step4.join'), runOf('step4.node-ready')]) {
      const { result } = await runActivity(fn, input);
      expect(result).toMatchObject({ status: 'skipped', message: expect.stringMatching(/no ssh section/) });
    }
  } finally {
    await f.teardown();
  }
});
