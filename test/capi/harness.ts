// What the step-3 suites share: a control plane of their own seeded like CozyStack, with the real cert-manager and
// cluster-api-operator (the sandbox operator's capi-operator controller), which install Cluster API core and the
// in-cluster IPAM provider from their components ConfigMaps, and CAPMOX from the provider chart as
// capi.provider-chart installs it; the sandbox operator's capi-provider-pods controller runs the real managers for
// the providers' pods. An in-process Proxmox simulator, and a config whose test namespace is unique to the suite.
// A control plane of its own: the operator's providers (Deployments, webhook configurations with failurePolicy
// Fail, the core's CRDs) would outlive the suite on the shared one and refuse other suites' objects once their
// managers stop.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runOf, undoOf } from '../helpers/steps';
import type { StepInput, StepOutcome } from '../../src/catalogue/types';
import { integrationConfigSchema, type IntegrationConfig } from '../../src/config/schema';
import { KubeClient } from '../../src/kubernetes/client';
import { CAPI_OPERATOR_API } from '../../src/kubernetes/cozystack';
import { startControlPlane, type RunningControlPlane } from '../../packages/sandbox/src/kubernetes/control-plane';
import { waitForProviders } from '../../packages/sandbox/src/kubernetes/provider-readiness';
import { seedCozyStack } from '../../packages/sandbox/src/kubernetes/seed';
import { startOperator, type RunningOperator } from '../../packages/sandbox/src/operator';
import { CAPI_OPERATOR_CONTROLLER } from '../../packages/sandbox/src/operator/capi-operator';
import { CAPI_PROVIDER_PODS_CONTROLLER } from '../../packages/sandbox/src/operator/capi-provider-pods';
import { DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';

export const TOKEN_ENV = 'COZY_CAPI_TEST_TOKEN';
const PROVIDERS_READY_MS = 240_000;
const CAPMOX_PROVIDER = { apiVersion: CAPI_OPERATOR_API, kind: 'InfrastructureProvider', namespace: 'cozy-cluster-api', name: 'proxmox' };

export interface Harness {
  kubeconfig: string;
  kube: KubeClient;
  sim: RunningSimulator;
  namespace: string;
  /** The managers' pods (the capi-provider-pods controller): stopped and started again to kill CAPMOX mid-clone. */
  operator?: RunningOperator;
  logs: string[];
  config(cluster: string, overrides?: { templateId?: number }): IntegrationConfig;
  input(config: IntegrationConfig, stepId: string): StepInput;
  startOperator(): Promise<void>;
  stopOperator(): Promise<void>;
  teardown(): Promise<void>;
}

export async function startHarness(suite: string, taskSpeed: number): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), `cozy-capi-${suite}-`));
  // Set to keep the platform's and the managers' logs (<dir>/platform/<program>/, <dir>/<namespace>/<pod>/) after the suite.
  const podsDir = process.env.COZY_TEST_PODS_DIR ? join(process.env.COZY_TEST_PODS_DIR, suite) : join(dir, 'pods');
  const plane: RunningControlPlane = await startControlPlane({ dir: join(dir, 'kube') });
  process.env[TOKEN_ENV] = DEFAULT_TOKEN_SECRET;
  const { capiProviders } = await seedCozyStack(plane.kubeconfigPath, { realCapiOperator: true });
  const kube = await KubeClient.connect({ kubeconfig: plane.kubeconfigPath });
  const sim = await startProxmoxSimulator({ taskSpeed });
  const namespace = `capi-${suite}-${randomBytes(3).toString('hex')}`;
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const logs: string[] = [];
  const operatorOptions = (controllers: string[]) => ({
    kubeconfig: plane.kubeconfigPath,
    proxmox: { url: sim.url, caFile: sim.caFile },
    controllers,
    resyncSeconds: 0.3,
    podsDir,
    log: (c: string, m: string) => logs.push(`[${c}] ${m}`),
  });
  const platform = await startOperator(operatorOptions([CAPI_OPERATOR_CONTROLLER]));
  const h: Harness = {
    kubeconfig: plane.kubeconfigPath,
    kube,
    sim,
    namespace,
    logs,
    config: (cluster, overrides = {}) =>
      integrationConfigSchema.parse({
        apiVersion: 'cozy-proxmox/v1',
        kind: 'Integration',
        cluster: { name: cluster },
        proxmox: { url: sim.url, node: 'pve1', templateId: overrides.templateId ?? 9000, tls: { caFile: sim.caFile }, token: { id: DEFAULT_TOKEN_ID, secret: `env:${TOKEN_ENV}` } },
        kubernetes: { kubeconfig: plane.kubeconfigPath, testNamespace: namespace },
      }),
    input: (config, stepId) => ({ stepId, workflowId: `wf-${namespace}`, config, outputs: {} }),
    // Resolves once the managers serve again (their pods are Ready to kwok before that).
    startOperator: async () => {
      h.operator = await startOperator(operatorOptions([CAPI_PROVIDER_PODS_CONTROLLER]));
      const installed = [...capiProviders, ...((await kube.find(CAPMOX_PROVIDER)) ? [CAPMOX_PROVIDER] : [])];
      await waitForProviders(kube, installed, { timeoutMs: PROVIDERS_READY_MS });
    },
    stopOperator: async () => {
      await h.operator?.stop();
      h.operator = undefined;
    },
    teardown: async () => {
      await undoOf('capi.provider-chart')(h.input(h.config('teardown'), 'capi.provider-chart')).catch(() => undefined);
      await h.stopOperator();
      await platform.stop();
      await sim.stop();
      await plane.stop();
      delete process.env[TOKEN_ENV];
      if (!process.env.COZY_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
    },
  };
  await h.startOperator();
  await runOf('capi.provider-chart')(h.input(h.config('chart'), 'capi.provider-chart'));
  // The CAPMOX CRDs arrive with the provider, as in a run where capi.provider-ready comes first.
  await runOf('capi.provider-ready')(h.input(h.config('provider'), 'capi.provider-ready'));
  await waitForProviders(kube, [CAPMOX_PROVIDER], { timeoutMs: PROVIDERS_READY_MS });
  return h;
}

export async function runStep(fn: (i: StepInput) => Promise<StepOutcome | void>, input: StepInput): Promise<{ result: StepOutcome | void; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  return { result: (await env.run(fn, input)) as StepOutcome | void, heartbeats };
}

export async function stepFailure(fn: (i: StepInput) => Promise<unknown>, input: StepInput): Promise<ApplicationFailure> {
  try {
    await new MockActivityEnvironment().run(fn, input);
  } catch (err) {
    return err as ApplicationFailure;
  }
  throw new Error(`${input.stepId} was expected to fail`);
}

/** VMs in the simulator that the step-3 machines made (named after their MachineDeployment). */
/** Clone requests the simulator served, whoever sent them. */
export function cloneRequests(sim: RunningSimulator): number {
  return Object.values(sim.requestsByClient()).reduce((sum, c) => sum + (c.routes['POST /nodes/{node}/qemu/{vmid}/clone'] ?? 0), 0);
}

export function machineVms(sim: RunningSimulator): Array<{ vmid: number; name: string; status: string }> {
  return [...sim.state.vms.values()]
    .filter((vm) => /^cozy-proxmox-.*-workers-/.test(String(vm.config.name ?? '')))
    .map((vm) => ({ vmid: vm.vmid, name: String(vm.config.name ?? ''), status: vm.status }));
}
