// What the worker-host suites share: a control plane (the shared one by default) with the proxmox-worker chart
// installed where the join step reads it, a sandbox host (real sshd on loopback with the real kubeadm and the
// stand-in kubelet), a unique test namespace and node name, and a config that points the steps at them. Everything
// is removed again in teardown().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ApplicationFailure } from '@temporalio/common';
import { CHART_RELEASES } from '../../src/activities/charts/chart-step';
import type { StepInput } from '../../src/catalogue/types';
import { integrationConfigSchema, type IntegrationConfig } from '../../src/config/schema';
import { chartPath } from '../../src/helm/charts';
import { HelmClient } from '../../src/helm/client';
import { KubeClient } from '../../src/kubernetes/client';
import { startSandboxHost, type SandboxHost } from '../../packages/sandbox/src/ssh-host';
import { sharedControlPlane } from '../helpers/control-plane';

export const TAINT = { key: 'node.cozystack.io/proxmox', value: 'hypervisor', effect: 'NoSchedule' };

export interface WorkerFixture {
  kube: KubeClient;
  helm: HelmClient;
  host: SandboxHost;
  dir: string;
  namespace: string;
  nodeName: string;
  config: IntegrationConfig;
  input(stepId: string, workflowId?: string, outputs?: StepInput['outputs']): StepInput;
  installChart(values?: Record<string, unknown>): Promise<void>;
  teardown(): Promise<void>;
}

/** The shared control plane (a Talos cluster), or another one given by its kubeconfig (e.g. a kubeadm cluster). */
export async function workerFixture(label: string, plane: { kubeconfigPath: string } = sharedControlPlane()): Promise<WorkerFixture> {
  const suffix = `${label}-${Date.now().toString(36)}`;
  const kube = await KubeClient.connect({ kubeconfig: plane.kubeconfigPath });
  const helm = new HelmClient({ kubeconfig: plane.kubeconfigPath });
  const dir = mkdtempSync(join(tmpdir(), 'cozy-worker-host-'));
  const host = await startSandboxHost(dir);
  const namespace = `worker-${suffix}`;
  const proxmoxNode = `pve-${suffix}`;
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const config = integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: 'worker-host' },
    proxmox: { url: 'https://127.0.0.1:8006', node: proxmoxNode, token: { id: 'root@pam!cozy', secret: 'env:UNUSED_HERE' }, templateId: 9000 },
    kubernetes: { kubeconfig: plane.kubeconfigPath, testNamespace: namespace },
    ssh: { host: host.host, port: host.port, user: host.user, privateKey: `file:${host.privateKeyFile}`, hostKeyFingerprint: host.hostKeyFingerprint },
  });
  // The sandbox host's runtime socket and kubeadm files live under its own root (ssh.criSocket, ssh.kubernetesDir).
  Object.assign(config.ssh as object, { criSocket: `unix://${host.criSocket}`, kubernetesDir: host.kubernetesDir, kubeletDir: host.kubeletDir });
  const { release, namespace: chartNamespace } = CHART_RELEASES.worker;
  const fixture: WorkerFixture = {
    kube,
    helm,
    host,
    dir,
    namespace,
    nodeName: proxmoxNode,
    config,
    input: (stepId, workflowId = `integrate-cluster-${suffix}`, outputs = {}) => ({ stepId, workflowId, config, outputs }),
    installChart: async (values = {}) => {
      await helm.upgradeInstall({ release, chart: chartPath('proxmox-worker'), namespace: chartNamespace, values: { taints: [TAINT], ...values }, timeoutSeconds: 60 });
    },
    teardown: async () => {
      await kube.delete({ apiVersion: 'v1', kind: 'Node', name: proxmoxNode });
      // The kubelet CSRs the joins made (cluster-scoped; no other suite makes bootstrap CSRs).
      for (const csr of await kube.list('certificates.k8s.io/v1', 'CertificateSigningRequest')) {
        const username = (csr as { spec?: { username?: string } }).spec?.username ?? '';
        if (username.startsWith('system:bootstrap:')) await kube.delete({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', name: csr.metadata.name });
      }
      await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
      await helm.uninstall(release, chartNamespace);
      // The suite may have replaced the host (a new host key): stop the one running now.
      await fixture.host.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await fixture.installChart();
  return fixture;
}

export async function runActivity<T>(fn: (i: StepInput) => Promise<T>, i: StepInput): Promise<{ result: T; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  return { result: (await env.run(fn, i)) as T, heartbeats };
}

export async function activityFailure(fn: (i: StepInput) => Promise<unknown>, i: StepInput): Promise<ApplicationFailure> {
  try {
    await runActivity(fn, i);
  } catch (err) {
    return err as ApplicationFailure;
  }
  throw new Error(`${i.stepId} was expected to fail`);
}

export { bootstrapTokens } from '../helpers/bootstrap-tokens';
