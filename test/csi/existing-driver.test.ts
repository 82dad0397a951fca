// kubernetes.proxmox-csi and csi.chart on a cluster that already has Proxmox's CSI driver (CozyStack's paas-proxmox
// bundle installs it): the driver of another release is found and reused, nothing is installed beside it; and a
// cluster where nothing writes proxmox://<region>/<vmid> providerIDs fails the preflight saying how to get them.
// Against the shared control plane, whose seeded node carries the providerID proxmox://pve/811.
import { CHART_RELEASES } from '../../src/activities/charts/chart-step';
import { CSI_DRIVER } from '../../src/activities/csi/driver-facts';
import type { StepInput } from '../../src/catalogue/types';
import { integrationConfigSchema } from '../../src/config/schema';
import { HelmClient } from '../../src/helm/client';
import { KubeClient } from '../../src/kubernetes/client';
import { seedNodeManifest } from '../../packages/sandbox/src/kubernetes/seed';
import { sharedControlPlane, type SharedControlPlane } from '../helpers/control-plane';
import { runOf } from '../helpers/steps';

jest.setTimeout(60_000);

let plane: SharedControlPlane;
let kube: KubeClient;
const driverRef = { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', name: CSI_DRIVER };

function stepInput(stepId: string, region = 'pve', outputs: StepInput['outputs'] = {}): StepInput {
  const config = integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: 'existing' },
    proxmox: { url: 'https://127.0.0.1:1', node: 'pve1', templateId: 9000, storage: 'local-lvm', region, token: { id: 'root@pam!cozy', secret: 'env:COZY_UNUSED' } },
    kubernetes: { kubeconfig: plane.kubeconfigPath },
  });
  return { stepId, workflowId: 'wf-existing-csi', config, outputs };
}

beforeAll(async () => {
  plane = sharedControlPlane();
  kube = await KubeClient.connect({ kubeconfig: plane.kubeconfigPath });
  await kube.apply(seedNodeManifest());
});

afterEach(async () => {
  await kube.delete(driverRef);
});

test('no driver yet and a node with a Proxmox providerID: csi.chart will install ours', async () => {
  const outcome = await runOf('kubernetes.proxmox-csi')(stepInput('kubernetes.proxmox-csi'));
  expect(outcome).toMatchObject({ status: 'passed', outputs: { existingCsiRelease: '', existingCsiNamespace: '', ccm: '' } });
  expect(outcome.outputs?.nodesWithProviderId).toBeGreaterThanOrEqual(1);
});

test("a driver of another release (paas-proxmox's proxmox-csi) is reused: csi.chart installs nothing beside it", async () => {
  await kube.apply({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'CSIDriver',
    metadata: { name: CSI_DRIVER, labels: { 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'proxmox-csi', 'meta.helm.sh/release-namespace': 'cozy-proxmox' } },
    spec: { attachRequired: true, podInfoOnMount: true },
  });
  const found = await runOf('kubernetes.proxmox-csi')(stepInput('kubernetes.proxmox-csi'));
  expect(found).toMatchObject({ status: 'passed', outputs: { existingCsiRelease: 'proxmox-csi', existingCsiNamespace: 'cozy-proxmox' } });
  expect(found.message).toMatch(/already installed \(release cozy-proxmox\/proxmox-csi\) and will be reused/);

  const chart = await runOf('csi.chart')(stepInput('csi.chart', 'pve', { 'kubernetes.proxmox-csi': found.outputs! }));
  expect(chart).toMatchObject({ status: 'passed', outputs: { release: 'proxmox-csi', namespace: 'cozy-proxmox', created: false, reused: true } });
  const helm = new HelmClient({ kubeconfig: plane.kubeconfigPath });
  expect(await helm.status(CHART_RELEASES.csi.release, CHART_RELEASES.csi.namespace)).toBeUndefined();
});

test('no node with a providerID of the region and no CCM: the preflight fails and says how to get them', async () => {
  const error = await runOf('kubernetes.proxmox-csi')(stepInput('kubernetes.proxmox-csi', 'elsewhere')).catch((e: unknown) => e);
  expect(error).toMatchObject({ type: 'CheckFailed', nonRetryable: true });
  expect((error as Error).message).toMatch(/no node has a providerID proxmox:\/\/elsewhere\/<vmid> and no Proxmox cloud controller manager runs.*Install the Proxmox CCM .*paas-proxmox/);
});
