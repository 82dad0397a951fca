// The sandbox operator reads a provider's components as cluster-api-operator v0.28 reads them from ConfigMaps
// (fetchConfig.selector), and refuses what the operator refuses, with its messages: no ConfigMap, none of the
// provider's version, no metadata, a version outside the metadata's release series, data that does not gunzip.
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { KubeClient } from '../../src/kubernetes/client';
import type { KubeObject } from '../../src/kubernetes/types';
import { ComponentsFetchError, fetchComponents } from '../../packages/sandbox/src/operator/provider-components';
import { sharedControlPlane } from '../helpers/control-plane';

const namespace = `components-${randomBytes(3).toString('hex')}`;
const selector = { 'cozy-proxmox.io/provider-components': 'infrastructure-proxmox' };
const METADATA = 'apiVersion: clusterctl.cluster.x-k8s.io/v1alpha3\nkind: Metadata\nreleaseSeries:\n- major: 0\n  minor: 7\n  contract: v1beta1\n';
const COMPONENTS = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: capmox-system\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: capmox-controller-manager\n';
let kube: KubeClient;

const provider = (version: string): KubeObject => ({ apiVersion: 'operator.cluster.x-k8s.io/v1alpha2', kind: 'InfrastructureProvider', metadata: { name: 'proxmox', namespace }, spec: { version } });

async function configMap(name: string, version: string | undefined, body: { data?: Record<string, string>; binaryData?: Record<string, string> }, compressed = true): Promise<void> {
  await kube.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace,
      labels: { ...selector, ...(version ? { 'provider.cluster.x-k8s.io/version': version } : {}) },
      ...(compressed ? { annotations: { 'provider.cluster.x-k8s.io/compressed': 'true' } } : {}),
    },
    ...body,
  } as KubeObject);
}

const fetch = (version: string) => fetchComponents(kube, provider(version), selector);

beforeAll(async () => {
  kube = await KubeClient.connect({ kubeconfig: sharedControlPlane().kubeconfigPath });
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
});

afterAll(async () => {
  await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
});

test('no ConfigMap with the selector', async () => {
  await expect(fetch('v0.7.2')).rejects.toThrow(new ComponentsFetchError('no ConfigMaps found with selector cozy-proxmox.io/provider-components=infrastructure-proxmox'));
});

test("the provider's version, gunzipped: its objects; plain data when not compressed; the name as the version without the label", async () => {
  await configMap('infrastructure-proxmox-v0.7.2', 'v0.7.2', { data: { metadata: METADATA }, binaryData: { components: gzipSync(COMPONENTS).toString('base64') } });
  await configMap('v0.7.1', undefined, { data: { metadata: METADATA, components: COMPONENTS } }, false);
  expect((await fetch('v0.7.2')).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/capmox-system', 'Deployment/capmox-controller-manager']);
  expect(await fetch('v0.7.1')).toHaveLength(2);
  await expect(fetch('v0.7.3')).rejects.toThrow(/no ConfigMap with selector .* holds version v0\.7\.3 \(found v0\.7\.1, v0\.7\.2\)|no ConfigMap with selector .* holds version v0\.7\.3 \(found v0\.7\.2, v0\.7\.1\)/);
});

test('no metadata, a version outside its release series, components that do not gunzip', async () => {
  await configMap('v0.6.0', undefined, { binaryData: { components: gzipSync(COMPONENTS).toString('base64') } });
  await expect(fetch('v0.6.0')).rejects.toThrow(`ConfigMap ${namespace}/v0.6.0 has no metadata`);
  await configMap('v0.8.0', undefined, { data: { metadata: METADATA }, binaryData: { components: gzipSync(COMPONENTS).toString('base64') } });
  await expect(fetch('v0.8.0')).rejects.toThrow('invalid provider metadata: version v0.8.0 for the provider proxmox does not match any release series');
  await configMap('v0.7.5', undefined, { data: { metadata: METADATA }, binaryData: { components: Buffer.from('not gzip').toString('base64') } });
  await expect(fetch('v0.7.5')).rejects.toThrow(`cannot decompress data from ConfigMap ${namespace}/v0.7.5`);
});
