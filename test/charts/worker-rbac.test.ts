// The cozy-proxmox-worker chart's RBAC on a real API server: installed with helm, the steps run with a token of its
// ServiceAccount (as the sandbox's worker always does). What the chart grants is enough for the network steps in the
// namespaces it binds; in a namespace it does not bind, the step fails for good (a permission failure, not retried)
// naming the user, the verb, the resource and the namespace the API server refused.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { activityFailure, runActivity } from '../helpers/activity-run';
import { runOf, undoOf } from '../helpers/steps';
import { netpolNames } from '../../src/activities/network/names';
import type { StepInput } from '../../src/catalogue/types';
import { integrationConfigSchema, type IntegrationConfig } from '../../src/config/schema';
import { KubeClient } from '../../src/kubernetes/client';
import { toolPath } from '../../src/tools/tool-paths';
import { installWorkerIdentity, WORKER_RELEASE, type WorkerIdentity } from '../../packages/sandbox/src/kubernetes/worker-identity';
import { seedCozyStack } from '../../packages/sandbox/src/kubernetes/seed';
import { sharedControlPlane } from '../helpers/control-plane';
import { waitFor } from '../helpers/wait';

const shared = sharedControlPlane();
const suffix = randomBytes(3).toString('hex');
const testNamespace = `rbac-${suffix}`;
const unbound = `rbac-unbound-${suffix}`;
let admin: KubeClient;
let identity: WorkerIdentity;
let before: Set<string>;

const nsRef = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', name });
function input(stepId: string, namespace: string): StepInput {
  const config: IntegrationConfig = integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: 'rbac' },
    proxmox: { url: 'https://127.0.0.1:8006', node: 'pve1', token: { id: 'root@pam!cozy', secret: 'env:UNUSED_HERE' }, templateId: 9000 },
    kubernetes: { kubeconfig: identity.kubeconfig, testNamespace: namespace, podExec: false },
  });
  return { stepId, workflowId: `wf-${namespace}`, config, outputs: {} };
}

beforeAll(async () => {
  await seedCozyStack(shared.kubeconfigPath);
  admin = await KubeClient.connect({ kubeconfig: shared.kubeconfigPath });
  before = new Set((await admin.list('v1', 'Namespace')).map((n) => n.metadata.name));
  identity = await installWorkerIdentity(shared.kubeconfigPath, mkdtempSync(join(tmpdir(), 'cozy-rbac-')), testNamespace, () => undefined);
  await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: unbound } });
}, 180_000);

afterAll(async () => {
  await promisify(execFile)(toolPath('HELM', 'helm'), ['uninstall', WORKER_RELEASE.name, '--namespace', WORKER_RELEASE.namespace, '--kubeconfig', shared.kubeconfigPath]).catch(() => undefined);
  // The namespaces this test made (the chart keeps its own on uninstall); those that were there stay.
  const made = (await admin.list('v1', 'Namespace')).map((n) => n.metadata.name).filter((n) => !before.has(n));
  for (const name of made) await admin.delete(nsRef(name));
  for (const name of made) await waitFor(() => admin.find(nsRef(name)), (ns) => ns === undefined, `namespace ${name} gone`, 120_000);
}, 180_000);

test('the worker acts as the chart\'s ServiceAccount, which holds no Secret outside the namespaces it is bound in', async () => {
  expect(identity.serviceAccount).toBe('system:serviceaccount:cozy-proxmox:cozy-proxmox-worker');
  const asWorker = await KubeClient.connect({ kubeconfig: identity.kubeconfig });
  await expect(asWorker.list('v1', 'Secret', 'kube-public')).rejects.toMatchObject({ code: 403 });
  await expect(asWorker.list('v1', 'Secret', testNamespace)).resolves.toEqual([]);
});

test('with the chart\'s RBAC, the network steps pass in the test namespace it binds, and the undo keeps the namespaces the chart made', async () => {
  expect((await runActivity(runOf('kubernetes.test-namespace'), input('kubernetes.test-namespace', testNamespace))).result).toMatchObject({ status: 'passed', message: expect.stringContaining('it is kept after the run') });
  expect((await runActivity(runOf('step6.cni-ready'), input('step6.cni-ready', testNamespace))).result.status).toBe('passed');
  expect((await runActivity(runOf('step6.policies'), input('step6.policies', testNamespace))).result.status).toBe('warning'); // not verified: kwok serves no exec
  const cilium = (await runActivity(runOf('step6.cilium-policies'), input('step6.cilium-policies', testNamespace))).result;
  expect(cilium).toMatchObject({ status: 'warning', outputs: { ciliumServed: true, policies: 2, enforcementProven: false } });
  await runActivity(undoOf('step6.cilium-policies'), input('step6.cilium-policies', testNamespace));
  expect(await admin.list('cilium.io/v2', 'CiliumNetworkPolicy', testNamespace)).toEqual([]);
  await runActivity(undoOf('step6.policies'), input('step6.policies', testNamespace));
  const tenant = netpolNames(input('step6.policies', testNamespace).config).tenantNamespace;
  expect(await admin.find(nsRef(tenant))).toBeDefined();
  expect(await admin.list('v1', 'Pod', tenant)).toEqual([]);
}, 180_000);

test('with the chart\'s RBAC, monitoring.chart installs the dashboards and the exporter into tenant-root, and its undo removes them', async () => {
  process.env.COZY_RBAC_EXPORTER_TOKEN = 'exporter-token-value';
  const base = input('monitoring.chart', testNamespace);
  const monitoring = { ...base, config: integrationConfigSchema.parse({ ...base.config, monitoring: { exporterToken: { id: 'monitoring@pve!exporter', secret: 'env:COZY_RBAC_EXPORTER_TOKEN' } } }) };
  try {
    const { result } = await runActivity(runOf('monitoring.chart'), monitoring);
    expect(result).toMatchObject({ status: 'passed', outputs: { objectsNamespace: 'tenant-root', exporter: true } });
    expect(await admin.find({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cozy-proxmox-monitoring-pve-exporter', namespace: 'tenant-root' })).toBeDefined();
    await runActivity(undoOf('monitoring.chart'), monitoring);
    expect(await admin.find({ apiVersion: 'v1', kind: 'Secret', name: 'cozy-proxmox-monitoring-pve-exporter', namespace: 'tenant-root' })).toBeUndefined();
  } finally {
    delete process.env.COZY_RBAC_EXPORTER_TOKEN;
  }
}, 180_000);

test('with the chart\'s RBAC, step7.logs looks for VictoriaLogs among tenant-root\'s Services and for the components\' Deployments', async () => {
  const none = (await runActivity(runOf('step7.logs'), input('step7.logs', testNamespace))).result;
  expect(none).toMatchObject({ status: 'skipped', message: expect.stringContaining('tenant-root has no VictoriaLogs Service') });
  const service = { apiVersion: 'v1', kind: 'Service', name: 'vlselect-generic', namespace: 'tenant-root' };
  await admin.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: service.name, namespace: service.namespace }, spec: { ports: [{ name: 'http', port: 9471 }] } });
  try {
    // Found, listed as the worker; out of reach here (no cluster DNS), so not verified rather than failed.
    const found = (await runActivity(runOf('step7.logs'), input('step7.logs', testNamespace))).result;
    expect(found).toMatchObject({ status: 'warning', notVerified: "VictoriaLogs at http://vlselect-generic.tenant-root.svc:9471 is out of the worker's reach" });
  } finally {
    await admin.delete(service);
  }
}, 60_000);

test('in a namespace the chart does not bind, the step fails for good naming the user, verb, resource and namespace', async () => {
  const failure = await activityFailure(runOf('step6.policies'), input('step6.policies', unbound));
  expect(failure.type).toBe('PermissionError');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toMatch(
    new RegExp(`forbidden.*User "system:serviceaccount:cozy-proxmox:cozy-proxmox-worker" cannot (get|patch) resource "pods" in API group "" in the namespace "${unbound}"`),
  );
  expect(failure.message).toContain('grant the kubeconfig\'s user this permission through RBAC');
}, 120_000);
