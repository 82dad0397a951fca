// What the step-8 suites share: an in-process Proxmox simulator, a VM of its own cloned from the template and
// running, a kwok node whose providerID names that VM, the cloud config Secret a Proxmox controller reads its
// credentials from, and a config whose test namespace is unique to the suite.
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { StepInput } from '../../src/catalogue/types';
import { integrationConfigSchema, type IntegrationConfig } from '../../src/config/schema';
import { KubeClient } from '../../src/kubernetes/client';
import { waitForObject } from '../../src/kubernetes/wait';
import { type KubeObject } from '../../src/kubernetes/types';
import { ProxmoxClient } from '../../src/proxmox/client';
import { KUBERNETES_VERSION } from '../../packages/sandbox/src/kubernetes/control-plane';
import { fakeNodeManifest, nodeIsReady } from '../../packages/sandbox/src/kubernetes/fake-node';
import { DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { sharedControlPlane } from '../helpers/control-plane';

export const TOKEN_ENV = 'COZY_E2E_TEST_TOKEN';

export interface E2eFixture {
  id: string;
  kubeconfig: string;
  kube: KubeClient;
  sim: RunningSimulator;
  px: ProxmoxClient;
  namespace: string;
  region: string;
  config: IntegrationConfig;
  input(stepId: string, outputs?: StepInput['outputs']): StepInput;
  /** Clones the template to `vmid`, starts it and registers a kwok node with providerID proxmox://<region>/<vmid>. */
  addVmNode(vmid: number, labels?: Record<string, string>): Promise<string>;
  teardown(): Promise<void>;
}

export async function startE2eFixture(suite: string, taskSpeed = 0.05): Promise<E2eFixture> {
  const plane = sharedControlPlane();
  const id = `${suite}-${randomBytes(3).toString('hex')}`;
  const kube = await KubeClient.connect({ kubeconfig: plane.kubeconfigPath });
  const sim = await startProxmoxSimulator({ taskSpeed });
  process.env[TOKEN_ENV] = DEFAULT_TOKEN_SECRET;
  const px = new ProxmoxClient({ url: sim.url, credentials: { kind: 'token', tokenId: DEFAULT_TOKEN_ID, secret: DEFAULT_TOKEN_SECRET }, tls: { verify: true, caFile: sim.caFile } });
  const namespace = id;
  const region = id;
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  // The cloud config as the Proxmox CSI driver's chart writes it (and the Proxmox CCM reads the same format).
  await kube.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${id}-cloud-config`, namespace, labels: { 'app.kubernetes.io/name': 'cozy-proxmox-csi-operator' } },
    stringData: { 'config.yaml': stringify({ clusters: [{ url: sim.url, token_id: DEFAULT_TOKEN_ID, token_secret: DEFAULT_TOKEN_SECRET, region }] }) },
  } as KubeObject);
  const nodes: string[] = [];
  const config = integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: id },
    proxmox: { url: sim.url, node: 'pve1', region, templateId: 9000, tls: { caFile: sim.caFile }, token: { id: DEFAULT_TOKEN_ID, secret: `env:${TOKEN_ENV}` } },
    kubernetes: { kubeconfig: plane.kubeconfigPath, testNamespace: namespace, csiStorageClass: `${id}-sc`, podExec: false },
  });
  return {
    id,
    kubeconfig: plane.kubeconfigPath,
    kube,
    sim,
    px,
    namespace,
    region,
    config,
    input: (stepId, outputs = {}) => ({ stepId, workflowId: `wf-${id}`, config, outputs }),
    addVmNode: async (vmid, labels = {}) => {
      const name = `${id}-vm-${vmid}`;
      await px.cloneIfAbsent({ node: 'pve1', templateId: 9000, vmid, name, full: true });
      await px.waitTask(await px.startVm('pve1', vmid));
      const manifest = fakeNodeManifest(name, { 'topology.kubernetes.io/region': region, 'topology.kubernetes.io/zone': 'pve1', ...labels }, { kubeletVersion: KUBERNETES_VERSION }) as KubeObject;
      await kube.apply({ ...manifest, spec: { ...(manifest.spec as object), providerID: `proxmox://${region}/${vmid}` } });
      nodes.push(name);
      await waitForObject(kube, { apiVersion: 'v1', kind: 'Node', name }, (n) => n !== undefined && nodeIsReady(n as never), { timeoutMs: 60_000 });
      return name;
    },
    teardown: async () => {
      for (const n of nodes) await kube.delete({ apiVersion: 'v1', kind: 'Node', name: n });
      await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
      px.close();
      await sim.stop();
      delete process.env[TOKEN_ENV];
    },
  };
}
