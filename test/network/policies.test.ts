// step6 on the run's shared control plane (seeded like CozyStack, kwok playing the pods, so no pod exec:
// kubernetes.podExec false): the CNIs are found ready, the NetworkPolicy check creates its pods and policies, reads
// them back, reports enforcement as not verified and never claims it; a second run reuses what the first made; the
// compensation removes it all.
import { activityFailure, cancelMidStepThenUndo, runActivity } from '../helpers/activity-run';
import { randomBytes } from 'node:crypto';
import { catalogueSteps, runOf, undoOf } from '../helpers/steps';
import { workloadState } from '../../src/activities/network/cni-ready';
import { netpolNames } from '../../src/activities/network/names';
import { NOT_VERIFIED, PROBES } from '../../src/activities/network/policies';
import type { StepInput } from '../../src/catalogue/types';
import { integrationConfigSchema, type IntegrationConfig } from '../../src/config/schema';
import { KubeClient } from '../../src/kubernetes/client';
import { type KubeObject } from '../../src/kubernetes/types';
import { networkSuite } from './fixture';
import { waitFor } from '../helpers/wait';

const namespace = `netpol-${randomBytes(3).toString('hex')}`;
let config: IntegrationConfig;
let kube: KubeClient;

function input(stepId: string, cfg: IntegrationConfig = config): StepInput {
  return { stepId, workflowId: `wf-${namespace}`, config: cfg, outputs: {} };
}

const run = runActivity;
const failure = activityFailure;

beforeAll(async () => {
  ({ config, kube } = await networkSuite('netpol', namespace));
}, 180_000);

afterAll(async () => {
  await undoOf('step6.policies')(input('step6.policies')).catch(() => undefined);
  await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
});

describe('the catalogue', () => {
  test('step6 steps are in phase 4, group step6-network-policies, the policy test cleaned up always', () => {
    expect(catalogueSteps('step6.').map((s) => s.id)).toEqual(['step6.cni-ready', 'step6.policies', 'step6.cilium-policies']);
    for (const s of catalogueSteps('step6.')) {
      expect(s.phase).toBe('monitoring-security');
      expect(s.group).toBe('step6-network-policies');
    }
    expect(catalogueSteps('step6.')[1].compensation).toMatchObject({ activity: 'step6.policies:undo', when: 'always', startToCloseSeconds: 180 });
  });

  test('names are deterministic DNS labels, the tenant namespace derived from the test namespace', () => {
    const long = integrationConfigSchema.parse({ ...config, kubernetes: { ...config.kubernetes, testNamespace: 'a'.repeat(63) } });
    const n = netpolNames(long);
    expect(n.tenantNamespace).toHaveLength(63);
    expect(n.tenantNamespace.endsWith('-tenant-b')).toBe(true);
    expect(netpolNames(config)).toEqual(netpolNames(config));
    expect(netpolNames(config).tenantNamespace).toBe(`${namespace}-tenant-b`);
  });
});

describe('step6.cni-ready', () => {
  test('passes on the seeded Cilium and Kube-OVN workloads', async () => {
    const { result } = await run(runOf('step6.cni-ready'), input('step6.cni-ready'));
    expect(result.status).toBe('passed');
    expect(result.message).toMatch(/^Cilium and Kube-OVN ready: cozy-cilium\/cilium, cozy-kubeovn\/kubeovn Ready, 5 workloads ready$/);
    // The agents run on every node of the shared cluster, however many other suites added: all of them ready.
    expect(result.details).toEqual(expect.arrayContaining([expect.stringMatching(/^DaemonSet cozy-cilium\/cilium: (\d+)\/\1 ready$/), 'Deployment cozy-kubeovn/ovn-central: 1/1 ready']));
  });

  test('a DaemonSet on no node or a Deployment short of replicas is not ready', () => {
    const ds = (status: Record<string, number>) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'x' }, status }) as KubeObject;
    expect(workloadState(ds({ desiredNumberScheduled: 0, numberReady: 0 }))).toEqual({ ready: false, summary: 'scheduled on no node' });
    expect(workloadState(ds({ desiredNumberScheduled: 3, numberReady: 2 }))).toEqual({ ready: false, summary: '2/3 ready' });
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'y' }, spec: { replicas: 2 }, status: { readyReplicas: 1 } } as KubeObject;
    expect(workloadState(deploy).ready).toBe(false);
  });
});

describe('step6.policies where pods cannot be exec\'d into', () => {
  const n = () => netpolNames(config);
  let firstUids: string[] = [];

  test('creates pods and policies, reads them back, and reports enforcement as not verified: a warning, never a pass', async () => {
    const { result, heartbeats } = await run(runOf('step6.policies'), input('step6.policies'));
    expect(result.status).toBe('warning');
    expect(result.notVerified).toBe(`NetworkPolicy enforcement: ${NOT_VERIFIED}`);
    expect(result.message).toContain(`enforcement not verified: ${NOT_VERIFIED}`);
    expect(result.message).not.toMatch(/NetworkPolicies enforced/);
    expect(result.outputs).toEqual({ namespace, tenantNamespace: n().tenantNamespace, policies: 3, enforcementProven: false });
    expect(result.metrics).toEqual({ policiesApplied: 3, probesNotRun: PROBES.length, probesEnforced: 0 });
    const probeLines = (result.details ?? []).filter((d) => d.startsWith('probe '));
    expect(probeLines).toHaveLength(PROBES.length);
    for (const line of probeLines) expect(line.endsWith(': not run')).toBe(true);
    expect(probeLines[1]).toMatch(/^probe default-deny: netpol-netpol-client -> netpol-netpol-server \d+\.\d+\.\d+\.\d+:8080 expected blocked/);
    expect((result.details ?? []).filter((d) => d.startsWith('NetworkPolicy '))).toHaveLength(3);
    expect(heartbeats.length).toBeGreaterThan(0);

    const deny = await kube.get({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: n().denyAll, namespace });
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    const allow = await kube.get({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: n().allowClient, namespace });
    expect((allow.spec as { ingress: Array<{ ports: unknown[] }> }).ingress[0].ports).toEqual([{ protocol: 'TCP', port: 8080 }]);
    const pods = await Promise.all(
      [
        [n().server, namespace],
        [n().client, namespace],
        [n().tenantClient, n().tenantNamespace],
      ].map(([name, ns]) => kube.get({ apiVersion: 'v1', kind: 'Pod', name, namespace: ns })),
    );
    for (const pod of pods) expect((pod.status as { phase: string }).phase).toBe('Running');
    firstUids = pods.map((p) => p.metadata.uid ?? '');
  }, 120_000);

  test('a second run reuses the pods an earlier attempt made', async () => {
    const { result } = await run(runOf('step6.policies'), input('step6.policies'));
    expect(result.status).toBe('warning');
    const pods = await Promise.all([kube.get({ apiVersion: 'v1', kind: 'Pod', name: n().server, namespace }), kube.get({ apiVersion: 'v1', kind: 'Pod', name: n().client, namespace })]);
    expect(pods.map((p) => p.metadata.uid)).toEqual(firstUids.slice(0, 2));
  }, 60_000);

  test('the compensation removes the policies, the pods and the tenant namespace, and is safe to run twice', async () => {
    await run(undoOf('step6.policies'), input('step6.policies'));
    const policies = await kube.list('networking.k8s.io/v1', 'NetworkPolicy', namespace);
    expect(policies).toEqual([]);
    const pods = await kube.list('v1', 'Pod', namespace);
    expect(pods).toEqual([]);
    expect(await kube.find({ apiVersion: 'v1', kind: 'Namespace', name: n().tenantNamespace })).toBeUndefined();
    await run(undoOf('step6.policies'), input('step6.policies'));
  }, 120_000);

  test('a tenant namespace the run did not make (the worker chart makes it beforehand) is kept: only its pod goes', async () => {
    const tenant = { apiVersion: 'v1', kind: 'Namespace', name: n().tenantNamespace };
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n().tenantNamespace } });
    await run(runOf('step6.policies'), input('step6.policies'));
    expect(await kube.find({ apiVersion: 'v1', kind: 'Pod', name: n().tenantClient, namespace: n().tenantNamespace })).toBeDefined();
    await run(undoOf('step6.policies'), input('step6.policies'));
    expect(await kube.find(tenant)).toMatchObject({ status: { phase: 'Active' } });
    expect(await kube.find({ apiVersion: 'v1', kind: 'Pod', name: n().tenantClient, namespace: n().tenantNamespace })).toBeUndefined();
    await kube.delete(tenant);
    await waitFor(() => kube.find(tenant), (ns) => ns === undefined, `${n().tenantNamespace} gone`, 90_000);
  }, 180_000);

  test('keepTestResources leaves everything for inspection', async () => {
    const kept = integrationConfigSchema.parse({ ...config, keepTestResources: true });
    await run(runOf('step6.policies'), input('step6.policies', kept));
    await run(undoOf('step6.policies'), input('step6.policies', kept));
    expect(await kube.find({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: n().denyAll, namespace })).toBeDefined();
    await run(undoOf('step6.policies'), input('step6.policies'));
    expect(await kube.find({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: n().denyAll, namespace })).toBeUndefined();
  }, 120_000);

  test('cancelled in its middle (pods made, not yet Running), the undo leaves no pod, policy or tenant namespace', async () => {
    const other = integrationConfigSchema.parse({ ...config, cluster: { name: 'netpol-cancel' } });
    const m = netpolNames(other);
    await cancelMidStepThenUndo(runOf('step6.policies'), undoOf('step6.policies'), input('step6.policies', other), async () =>
      Boolean(await kube.find({ apiVersion: 'v1', kind: 'Namespace', name: m.tenantNamespace })));
    for (const pod of [m.server, m.client]) expect(await kube.find({ apiVersion: 'v1', kind: 'Pod', name: pod, namespace })).toBeUndefined();
    expect(await kube.list('networking.k8s.io/v1', 'NetworkPolicy', namespace)).toEqual([]);
    expect(await kube.find({ apiVersion: 'v1', kind: 'Namespace', name: m.tenantNamespace })).toBeUndefined();
  }, 120_000);

  test('without the test namespace the step fails naming the step that makes it', async () => {
    const missing = integrationConfigSchema.parse({ ...config, kubernetes: { ...config.kubernetes, testNamespace: `${namespace}-absent` } });
    const f = await failure(runOf('step6.policies'), input('step6.policies', missing));
    expect(f.type).toBe('NotFoundError');
    expect(f.message).toContain(`test namespace ${namespace}-absent does not exist (step kubernetes.test-namespace makes it)`);
  });
});
