// The phase-1 Kubernetes steps on the run's shared control plane, seeded like a CozyStack cluster: first without
// cluster-api-operator and IPAM, then completely; and the client layer applying, reading and waiting on it.
// (`sandbox up`/`down` themselves are tested in test/sandbox with the sandbox's own control plane.)
// This suite runs before test/charts (test/setup/sequencer.js): the charts install the operator's objects.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { catalogueSteps, runOf, undoOf } from '../helpers/steps';
import { IPAM_KNOWN_CAUSE } from '../../src/activities/kubernetes/ipam';
import { kubernetesErrorToFailure } from '../../src/activities/kubernetes/to-failure';
import type { StepInput, StepOutcome } from '../../src/catalogue/types';
import { integrationConfigSchema, type IntegrationConfig } from '../../src/config/schema';
import { describeConditions } from '../../src/kubernetes/conditions';
import { KubeClient } from '../../src/kubernetes/client';
import { waitForCondition, WaitTimeoutError, type WaitEvent } from '../../src/kubernetes/wait';
import { type KubeObject } from '../../src/kubernetes/types';
import { seedCozyStack } from '../../packages/sandbox/src/kubernetes/seed';
import { helmReleaseStatus } from '../../packages/sandbox/src/kubernetes/seed-objects';
import { toolPath } from '../../src/tools/tool-paths';
import { sharedControlPlane } from '../helpers/control-plane';

const run = promisify(execFile);
const KUBECTL = toolPath('KUBECTL', 'kubernetes');

const shared = sharedControlPlane();
let config: IntegrationConfig;
let client: KubeClient;

function input(stepId: string, workflowId = 'integrate-cluster-k8s-test', outputs: StepInput['outputs'] = {}): StepInput {
  return { stepId, workflowId, config, outputs };
}

async function runActivity<T>(fn: (i: StepInput) => Promise<T>, i: StepInput): Promise<{ result: T; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  return { result: (await env.run(fn, i)) as T, heartbeats };
}

async function failure(fn: (i: StepInput) => Promise<unknown>, i: StepInput): Promise<ApplicationFailure> {
  try {
    await runActivity(fn, i);
  } catch (err) {
    return err as ApplicationFailure;
  }
  throw new Error(`${i.stepId} was expected to fail`);
}

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(KUBECTL, ['--kubeconfig', shared.kubeconfigPath, ...args], { timeout: 60_000 });
  return stdout;
}

beforeAll(async () => {
  await seedCozyStack(shared.kubeconfigPath, { ipam: false, capiOperator: false });
  config = integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: 'k8s-steps' },
    proxmox: { url: 'https://127.0.0.1:8006', node: 'pve1', token: { id: 'root@pam!cozy', secret: 'env:UNUSED_HERE' }, templateId: 9000 },
    kubernetes: { kubeconfig: shared.kubeconfigPath, testNamespace: 'cozy-proxmox-test' },
  });
  client = await KubeClient.connect({ kubeconfig: shared.kubeconfigPath });
}, 300_000);

describe('the seeded cluster', () => {
  test('the CNI workloads run on the kwok node', async () => {
    const pods = JSON.parse(await kubectl('get', 'pods', '-n', 'cozy-cilium', '-o', 'json')).items as { metadata: { name: string }; status: { phase: string }; spec: { nodeName: string } }[];
    expect(pods.length).toBeGreaterThanOrEqual(2);
    for (const pod of pods) {
      expect(pod.status.phase).toBe('Running');
      expect(pod.spec.nodeName).toBe('cozy-sandbox-node-1');
    }
    const ovn = await kubectl('get', 'daemonset', 'kube-ovn-cni', '-n', 'cozy-kubeovn', '-o', 'jsonpath={.status.numberReady}');
    expect(ovn).toBe('1');
  });
});

describe('phase-1 steps on a cluster seeded without cluster-api-operator and IPAM', () => {
  test('kubernetes.capi-operator fails and says how to install it', async () => {
    const f = await failure(runOf('kubernetes.capi-operator'), input('kubernetes.capi-operator'));
    expect(f.type).toBe('CheckFailed');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('cluster-api-operator is not installed: CRD coreproviders.operator.cluster.x-k8s.io and infrastructureproviders.operator.cluster.x-k8s.io missing');
    expect(f.message).toContain('create a CoreProvider');
  });

  test('kubernetes.ipam fails with the known cause', async () => {
    const f = await failure(runOf('kubernetes.ipam'), input('kubernetes.ipam'));
    expect(f.type).toBe('CheckFailed');
    expect(f.message).toContain('no IPAM provider is installed');
    expect(f.message).toContain(IPAM_KNOWN_CAUSE);
    expect(f.message).toContain('InClusterIPPool');
  });

  test('the CozyStack releases are already there: kubernetes.cozystack passes', async () => {
    const { result } = await runActivity(runOf('kubernetes.cozystack'), input('kubernetes.cozystack'));
    expect(result.status).toBe('passed');
  });
});

describe('phase-1 steps on the fully seeded cluster', () => {
  beforeAll(async () => {
    // Seeding again is additive and idempotent: it adds the operator and IPAM to what is there.
    const seeded = await seedCozyStack(shared.kubeconfigPath);
    expect(seeded.helmReleases).toContain('cozy-cluster-api/cluster-api-operator');
  }, 180_000);

  it.each([
    ['kubernetes.version', runOf('kubernetes.version'), /^Kubernetes v1\.34\.4 at https:\/\/127\.0\.0\.1:\d+ meets the minimum 1\.26$/],
    ['kubernetes.cozystack', runOf('kubernetes.cozystack'), /CozyStack present: cozy-system exists, 4 HelmReleases Ready \(cozystack-api, cilium, kubeovn among them\)/],
    ['kubernetes.capi-operator', runOf('kubernetes.capi-operator'), /CoreProvider capi-system\/cluster-api Ready \(Cluster API v1\.10\.4\)/],
    ['kubernetes.ipam', runOf('kubernetes.ipam'), /IPAMProvider capi-ipam-in-cluster-system\/in-cluster Ready; 1 InClusterIPPool/],
    ['kubernetes.api-latency', runOf('kubernetes.api-latency'), /p50 [\d.]+ ms, p95 [\d.]+ ms over 20 GETs/],
  ] as [string, (i: StepInput) => Promise<StepOutcome>, RegExp][])('%s passes', async (stepId, fn, message) => {
    const { result } = await runActivity(fn, input(stepId));
    expect(result.status).toBe('passed');
    expect(result.message).toMatch(message);
  });

  test('every kubernetes step is in phase preparation', () => {
    const steps = catalogueSteps('kubernetes.');
    expect(steps).toHaveLength(7);
    for (const step of steps) expect(step.phase).toBe('preparation');
  });

  test('kubernetes.api-latency heartbeats per sample', async () => {
    const { result, heartbeats } = await runActivity(runOf('kubernetes.api-latency'), input('kubernetes.api-latency'));
    expect(result.metrics?.samples).toBe(20);
    expect(result.metrics?.p95Ms).toBeGreaterThanOrEqual(result.metrics?.p50Ms as number);
    expect(heartbeats).toHaveLength(20);
  });

  test('kubernetes.cozystack names a release that is not Ready', async () => {
    const kubeovn = { namespace: 'cozy-kubeovn', name: 'kubeovn', role: 'Kube-OVN CNI' };
    const broken = helmReleaseStatus(kubeovn);
    (broken.status as { conditions: unknown[] }).conditions = [
      { type: 'Ready', status: 'False', reason: 'UpgradeFailed', message: 'Helm upgrade failed: timed out', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
    ];
    await client.applyStatus(broken);
    try {
      const f = await failure(runOf('kubernetes.cozystack'), input('kubernetes.cozystack'));
      expect(f.type).toBe('CheckFailed');
      expect(f.message).toContain('not Ready: cozy-kubeovn/kubeovn (Kube-OVN CNI (tenant networks)): Ready=False (UpgradeFailed: Helm upgrade failed: timed out)');
    } finally {
      await client.applyStatus(helmReleaseStatus(kubeovn));
    }
  });

  test('kubernetes.test-namespace is idempotent and its compensation removes only what this run made', async () => {
    const ns = config.kubernetes.testNamespace;
    const first = await runActivity(runOf('kubernetes.test-namespace'), input('kubernetes.test-namespace'));
    expect(first.result).toMatchObject({ status: 'passed', message: `namespace ${ns} created for the integration tests`, outputs: { namespace: ns, created: true } });
    const again = await runActivity(runOf('kubernetes.test-namespace'), input('kubernetes.test-namespace'));
    expect(again.result).toMatchObject({ status: 'passed', outputs: { created: true } });
    expect(again.result.message).toContain('already exists (created by this run)');
    expect(await kubectl('get', 'ns', ns, '-o', 'jsonpath={.metadata.labels.cozy-proxmox\\.io/test-namespace}')).toBe('true');

    // Another run finds it present: not its own, so its compensation keeps it.
    const other = await runActivity(runOf('kubernetes.test-namespace'), input('kubernetes.test-namespace', 'integrate-cluster-other'));
    expect(other.result.outputs).toEqual({ namespace: ns, created: false });
    await runActivity(undoOf('kubernetes.test-namespace'), input('kubernetes.test-namespace', 'integrate-cluster-other', { 'kubernetes.test-namespace': other.result.outputs! }));
    expect(await client.find({ apiVersion: 'v1', kind: 'Namespace', name: ns })).toBeDefined();

    // This run's compensation deletes it and waits until it is gone; a second call has nothing left to do.
    const outputs = { 'kubernetes.test-namespace': first.result.outputs! };
    await runActivity(undoOf('kubernetes.test-namespace'), input('kubernetes.test-namespace', undefined, outputs));
    expect(await client.find({ apiVersion: 'v1', kind: 'Namespace', name: ns })).toBeUndefined();
    await runActivity(undoOf('kubernetes.test-namespace'), input('kubernetes.test-namespace', undefined, outputs));
  }, 150_000);
});

describe('client layer against the control plane', () => {
  const cm = (value: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'client-probe', namespace: 'default' }, data: { value } });

  test('server-side apply creates and updates a typed object with field manager cozy-proxmox', async () => {
    await client.apply(cm('one'));
    const updated = await client.apply(cm('two'));
    expect(updated.data).toEqual({ value: 'two' });
    const managers = JSON.parse(await kubectl('get', 'configmap', 'client-probe', '-o', 'json', '--show-managed-fields')).metadata.managedFields.map((f: { manager: string; operation: string }) => `${f.manager}/${f.operation}`);
    expect(managers).toEqual(['cozy-proxmox/Apply']);
    expect(await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'client-probe', namespace: 'default' })).toBe(true);
    expect(await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'client-probe', namespace: 'default' })).toBe(false);
  });

  test('a resource type without its CRD is classified as a missing CRD', async () => {
    let caught: unknown;
    try {
      await client.list('widgets.example.com/v1', 'Widget');
    } catch (err) {
      caught = err;
    }
    const f = kubernetesErrorToFailure(caught, { action: 'list Widgets', crd: 'widgets.widgets.example.com' });
    expect(f.type).toBe('NotFoundError');
    expect(f.message).toContain('the CRD widgets.widgets.example.com is not installed');
  });

  test('waitForCondition follows a watch to Ready, calling back on events and ticks', async () => {
    const release = { namespace: 'cozy-system', name: 'wait-probe', role: 'probe' };
    const pending = helmReleaseStatus(release);
    (pending.status as { conditions: unknown[] }).conditions = [
      { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'Reconciliation in progress', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
    ];
    const { status: _unused, ...spec } = pending;
    void _unused;
    await client.apply(spec as KubeObject);
    await client.applyStatus(pending);
    const ref = { apiVersion: pending.apiVersion, kind: 'HelmRelease', namespace: 'cozy-system', name: 'wait-probe' };

    const timedOut = await waitForCondition(client, ref, 'Ready', { timeoutMs: 1_500 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(WaitTimeoutError);
    expect((timedOut as Error).message).toBe('HelmRelease cozy-system/wait-probe did not become ready within 2 s; last seen: Ready=Unknown (Progressing: Reconciliation in progress)');

    const events: WaitEvent[] = [];
    const waiting = waitForCondition(client, ref, 'Ready', { timeoutMs: 30_000, tickMs: 200, onEvent: (e) => events.push(e) });
    await new Promise((r) => setTimeout(r, 1_000));
    await client.applyStatus(helmReleaseStatus(release));
    const ready = await waiting;
    expect(describeConditions(ready)).toMatch(/^Ready=True \(InstallSucceeded/);
    expect(events.filter((e) => e.type === 'tick').length).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.type === 'ADDED')).toBe(true);
    expect(events[events.length - 1].type).toBe('MODIFIED');
    await client.delete(ref);
  });
});
