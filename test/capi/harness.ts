// What the step-3 suites share: the shared control plane seeded like CozyStack, an in-process Proxmox simulator, the
// provider chart installed the way capi.provider-chart installs it, the sandbox operator's capi-operator controller
// (which runs the real Cluster API, CAPMOX and IPAM managers for the provider objects), and a config whose test
// namespace is unique to the suite.
import { randomBytes } from 'node:crypto';
import type { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runOf, undoOf } from '../helpers/steps';
import type { StepInput, StepOutcome } from '../../src/catalogue/types';
import { integrationConfigSchema, type IntegrationConfig } from '../../src/config/schema';
import { KubeClient } from '../../src/kubernetes/client';
import { seedCozyStack } from '../../packages/sandbox/src/kubernetes/seed';
import { startOperator, type RunningOperator } from '../../packages/sandbox/src/operator';
import { DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { sharedControlPlane } from '../helpers/control-plane';

export const TOKEN_ENV = 'COZY_CAPI_TEST_TOKEN';
export const STEP3_CONTROLLERS = ['capi-operator'];

export interface Harness {
  kubeconfig: string;
  kube: KubeClient;
  sim: RunningSimulator;
  namespace: string;
  operator?: RunningOperator;
  logs: string[];
  config(cluster: string, overrides?: { templateId?: number }): IntegrationConfig;
  input(config: IntegrationConfig, stepId: string): StepInput;
  startOperator(): Promise<void>;
  stopOperator(): Promise<void>;
  teardown(): Promise<void>;
}

export async function startHarness(suite: string, taskSpeed: number): Promise<Harness> {
  const plane = sharedControlPlane();
  process.env[TOKEN_ENV] = DEFAULT_TOKEN_SECRET;
  await seedCozyStack(plane.kubeconfigPath);
  const kube = await KubeClient.connect({ kubeconfig: plane.kubeconfigPath });
  const sim = await startProxmoxSimulator({ taskSpeed });
  const namespace = `capi-${suite}-${randomBytes(3).toString('hex')}`;
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const logs: string[] = [];
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
    startOperator: async () => {
      h.operator = await startOperator({
        kubeconfig: plane.kubeconfigPath,
        proxmox: { url: sim.url, caFile: sim.caFile },
        controllers: STEP3_CONTROLLERS,
        resyncSeconds: 0.3,
        // Set to keep the managers' logs (<dir>/<provider>/ns/<provider>.log) after the suite.
        podsDir: process.env.COZY_TEST_PODS_DIR,
        log: (c, m) => logs.push(`[${c}] ${m}`),
      });
    },
    stopOperator: async () => {
      await h.operator?.stop();
      h.operator = undefined;
    },
    teardown: async () => {
      await undoOf('capi.provider-chart')(h.input(h.config('teardown'), 'capi.provider-chart')).catch(() => undefined);
      await h.stopOperator();
      await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
      await sim.stop();
      delete process.env[TOKEN_ENV];
    },
  };
  await runOf('capi.provider-chart')(h.input(h.config('chart'), 'capi.provider-chart'));
  await h.startOperator();
  // The CAPMOX CRDs arrive with the provider, as in a run where capi.provider-ready comes first.
  await runOf('capi.provider-ready')(h.input(h.config('provider'), 'capi.provider-ready'));
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
