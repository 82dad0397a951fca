// step5.topology against a fake Kubernetes client, where that is the honest test: a Proxmox host joined as a worker
// on which the CSI node plugin is registered (the chart's DaemonSet placed there), which the sandbox's chart never
// lets happen. Run through the same wrapper and client factories the worker uses.
import { MockActivityEnvironment } from '@temporalio/testing';
import { realClientFactories, type ClientFactories } from '../../src/activities/common/clients';
import { wrapStepActivity } from '../../src/activities/common/step-wrapper';
import { CSI_DRIVER, PROXMOX_HOST_LABEL } from '../../src/activities/csi/driver-facts';
import type { StepInput } from '../../src/catalogue/types';
import type { KubeClient } from '../../src/kubernetes/client';
import type { KubeObject } from '../../src/kubernetes/types';
import { testConfig } from '../helpers/plan';
import { runOf } from '../helpers/steps';

const topology = { 'topology.kubernetes.io/region': 'pve', 'topology.kubernetes.io/zone': 'pve1' };
const NODES: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'vm-worker', labels: topology }, spec: { providerID: 'proxmox://pve/811' } } as KubeObject,
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pve1', labels: { ...topology, [PROXMOX_HOST_LABEL]: '' } } },
];
const registered = (name: string): KubeObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name }, spec: { drivers: [{ name: CSI_DRIVER }] } } as KubeObject);

let csiNodeReads: number;

/** Real factories, except a cluster whose CSINodes are `csiNodes(read)` at the read-th look. */
function cluster(csiNodes: (read: number) => KubeObject[]): ClientFactories {
  return {
    ...realClientFactories(),
    kubernetes: async () =>
      ({
        list: async (_apiVersion: string, kind: string) => (kind === 'Node' ? NODES : kind === 'CSINode' ? csiNodes(++csiNodeReads) : []),
      }) as unknown as KubeClient,
  };
}

const input = (): StepInput => ({ stepId: 'step5.topology', workflowId: 'wf-topology', config: testConfig({ proxmox: { url: 'https://pve.test:8006', node: 'pve1', templateId: 9000, region: 'pve', token: { id: 'root@pam!cozy', secret: 'env:UNUSED' } } }), outputs: {} });
const run = (factories: ClientFactories) => new MockActivityEnvironment().run(wrapStepActivity(runOf('step5.topology'), 'step', factories), input()).catch((e: unknown) => e);

beforeEach(() => {
  csiNodeReads = 0;
});

test('the plugin registered on the Proxmox host fails for good, naming the host and the chart value that keeps it off', async () => {
  const failure = (await run(cluster(() => [registered('vm-worker'), registered('pve1')]))) as Error;
  expect(failure).toMatchObject({ type: 'CheckFailed', nonRetryable: true });
  expect(failure.message).toMatch(/the Proxmox CSI node plugin is registered on pve1, labelled node-role\.kubernetes\.io\/proxmox-host .*node\.excludeNodesLabelled/);
  expect(csiNodeReads).toBeGreaterThan(5); // it looked again for 30 s before concluding
}, 60_000);

test('a registration that goes once the DaemonSet has taken its pod off the host passes, naming the host', async () => {
  const outcome = await run(cluster((read) => (read <= 2 ? [registered('vm-worker'), registered('pve1')] : [registered('vm-worker')])));
  expect(outcome).toMatchObject({ status: 'passed' });
  expect((outcome as { details: string[] }).details).toContain(`Proxmox hosts (${PROXMOX_HOST_LABEL}): pve1; the CSI node plugin is not registered there`);
});
