// step6.cilium-policies on the run's shared control plane, seeded like CozyStack: Cilium's policy CRDs taken from the
// cilium module (their real schema), tenant-root isolated by the tenant chart's policy, kwok playing the pods (no pod
// exec). The step applies and reads back its two CiliumNetworkPolicies, names a tenant without isolation, reports
// enforcement as not verified, and says so too where Cilium's API is not served; the compensation removes them.
import { randomBytes } from 'node:crypto';
import { activityFailure, runActivity } from '../helpers/activity-run';
import { catalogueSteps, runOf, undoOf } from '../helpers/steps';
import { CILIUM_NOT_SERVED } from '../../src/activities/network/cilium-policies';
import { ciliumServerPolicy } from '../../src/activities/network/cilium-manifests';
import { netpolNames } from '../../src/activities/network/names';
import { NOT_VERIFIED } from '../../src/activities/network/policies';
import type { StepInput } from '../../src/catalogue/types';
import { integrationConfigSchema, type IntegrationConfig } from '../../src/config/schema';
import { KubeClient } from '../../src/kubernetes/client';
import { applyCrds, ciliumPolicyCrds } from '../../packages/sandbox/src/kubernetes/crds';
import { ROOT_TENANT, SANDBOX_LABELS, tenantIsolationPolicy } from '../../packages/sandbox/src/kubernetes/seed-objects';
import { networkSuite } from './fixture';
import { waitFor } from '../helpers/wait';

const suffix = randomBytes(3).toString('hex');
const namespace = `cilium-${suffix}`;
const openTenant = `tenant-open-${suffix}`;
let config: IntegrationConfig;
let kube: KubeClient;

const input = (stepId: string, cfg: IntegrationConfig = config): StepInput => ({ stepId, workflowId: `wf-${namespace}`, config: cfg, outputs: {} });
const ciliumPolicies = (ns: string) => kube.list('cilium.io/v2', 'CiliumNetworkPolicy', ns);
const crdRef = (name: string) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name });

beforeAll(async () => {
  ({ config, kube } = await networkSuite('cilium', namespace));
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: openTenant } });
}, 180_000);

afterAll(async () => {
  await undoOf('step6.cilium-policies')(input('step6.cilium-policies')).catch(() => undefined);
  await undoOf('step6.policies')(input('step6.policies')).catch(() => undefined);
  for (const ns of [namespace, openTenant]) await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
});

test('in the catalogue: phase 4, group step6-network-policies, after step6.policies, its policies removed always', () => {
  const [step] = catalogueSteps('step6.cilium-policies');
  expect(step).toMatchObject({ phase: 'monitoring-security', group: 'step6-network-policies', dependsOn: ['step6.policies'], blocking: true });
  expect(step.compensation).toMatchObject({ activity: 'step6.cilium-policies:undo', when: 'always' });
});

test('the CRDs are Cilium\'s own: their schema refuses a rule Cilium would refuse', async () => {
  const bad = ciliumServerPolicy(netpolNames(config));
  const spec = bad.spec as { ingress: Array<{ toPorts: Array<{ ports: Array<{ protocol: string }> }> }> };
  spec.ingress[0].toPorts[0].ports[0].protocol = 'HTTP';
  await expect(kube.apply(bad)).rejects.toMatchObject({ code: 422 });
});

test('applies CozyStack\'s tenant isolation and an L4/L7 rule, reads them back, names a tenant left open, and reports enforcement as not verified', async () => {
  const n = netpolNames(config);
  const { result } = await runActivity(runOf('step6.cilium-policies'), input('step6.cilium-policies'));
  expect(result.status).toBe('warning');
  expect(result.notVerified).toBe(`CiliumNetworkPolicy enforcement: ${NOT_VERIFIED}`);
  expect(result.message).not.toMatch(/enforced/);
  expect(result.message).toContain(`tenants without CozyStack's isolation policy allow-internal-communication: ${openTenant}`);
  expect(result.outputs).toEqual({ ciliumServed: true, tenantsNotIsolated: 1, policies: 2, enforcementProven: false });
  expect(result.details?.[0]).toMatch(new RegExp(`^CozyStack tenants: (\\d+), isolated by CiliumNetworkPolicy allow-internal-communication: \\d+; not isolated: ${openTenant}$`));
  expect(result.details?.some((d) => d.startsWith(`CiliumNetworkPolicy ${namespace}/${n.ciliumServer} applied and read back: `) && d.includes('"path":"/hostname"'))).toBe(true);
  expect((await ciliumPolicies(namespace)).map((p) => p.metadata.name).sort()).toEqual([n.ciliumServer, n.ciliumTenant].sort());
  // Its pods are step6.policies' own, made here since that step did not run first.
  expect((await kube.list('v1', 'Pod', namespace)).map((p) => p.metadata.name).sort()).toEqual([n.client, n.server].sort());
});

test('run again, it applies the same policies (nothing new), and tenant-root counts as isolated', async () => {
  await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: openTenant });
  await waitFor(() => kube.find({ apiVersion: 'v1', kind: 'Namespace', name: openTenant }), (ns) => ns === undefined, `${openTenant} gone`, 60_000);
  const { result } = await runActivity(runOf('step6.cilium-policies'), input('step6.cilium-policies'));
  expect(result.outputs).toMatchObject({ tenantsNotIsolated: 0 });
  expect(result.message).not.toContain('tenants without');
  expect(result.details?.[0]).toMatch(/^CozyStack tenants: \d+, isolated by CiliumNetworkPolicy allow-internal-communication: \d+$/);
  expect(await kube.find({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', name: 'allow-internal-communication', namespace: ROOT_TENANT })).toBeDefined();
  expect(await ciliumPolicies(namespace)).toHaveLength(2);
});

test('the compensation removes both policies and is safe to run twice; keepTestResources leaves them', async () => {
  await undoOf('step6.cilium-policies')(input('step6.cilium-policies', { ...config, keepTestResources: true }));
  expect(await ciliumPolicies(namespace)).toHaveLength(2);
  await undoOf('step6.cilium-policies')(input('step6.cilium-policies'));
  expect(await ciliumPolicies(namespace)).toEqual([]);
  await undoOf('step6.cilium-policies')(input('step6.cilium-policies'));
});

test('where Cilium\'s API is not served, the step says so as not verified, and its compensation has nothing to do', async () => {
  const crds = ciliumPolicyCrds();
  for (const crd of crds) await kube.delete(crdRef(crd.metadata.name));
  try {
    await waitFor(async () => Promise.all(crds.map((crd) => kube.find(crdRef(crd.metadata.name)))), (found) => found.every((c) => c === undefined), 'the Cilium CRDs gone', 60_000);
    const { result } = await runActivity(runOf('step6.cilium-policies'), input('step6.cilium-policies'));
    expect(result).toMatchObject({ status: 'warning', notVerified: `Cilium policies: ${CILIUM_NOT_SERVED}`, outputs: { ciliumServed: false } });
    await undoOf('step6.cilium-policies')(input('step6.cilium-policies'));
  } finally {
    await applyCrds(kube, crds, SANDBOX_LABELS);
    await kube.apply(tenantIsolationPolicy(ROOT_TENANT));
  }
}, 120_000);

test('without the test namespace the step fails naming the step that makes it', async () => {
  const other = integrationConfigSchema.parse({ ...config, kubernetes: { ...config.kubernetes, testNamespace: `absent-${suffix}` } });
  const failure = await activityFailure(runOf('step6.cilium-policies'), input('step6.cilium-policies', other));
  expect(failure.message).toContain('kubernetes.test-namespace makes it');
});
