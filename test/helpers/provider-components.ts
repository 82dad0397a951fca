// A provider's components as cluster-api-operator reads them without internet access (for tests that check what a
// chart ships before an operator runs): the ConfigMaps in the
// provider's namespace that its fetchConfig.selector finds, the one whose version (the provider.cluster.x-k8s.io/
// version label, else its name) is the provider's spec.version, its data.metadata (clusterctl metadata: the
// version's release series must name contract v1beta1 or v1beta2), and its components (binaryData, gunzipped, when
// the provider.cluster.x-k8s.io/compressed annotation is "true"; else data). The messages are the operator's.
import { gunzipSync } from 'node:zlib';
import { parse, parseAllDocuments } from 'yaml';
import type { KubeClient } from '../../src/kubernetes/client';
import type { KubeObject } from '../../src/kubernetes/types';

const VERSION_LABEL = 'provider.cluster.x-k8s.io/version';
const COMPRESSED_ANNOTATION = 'provider.cluster.x-k8s.io/compressed';

/** The components could not be had (the operator's ComponentsFetchError reason). */
export class ComponentsFetchError extends Error {}

interface ComponentsConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

interface ReleaseSeries {
  major: number;
  minor: number;
  contract: string;
}

/** The provider's fetchConfig label selector, or undefined when it has none (the operator would download). */
export function fetchSelector(provider: KubeObject): Record<string, string> | undefined {
  return (provider.spec as { fetchConfig?: { selector?: { matchLabels?: Record<string, string> } } } | undefined)?.fetchConfig?.selector?.matchLabels;
}

export async function fetchComponents(kube: KubeClient, provider: KubeObject, matchLabels: Record<string, string>): Promise<KubeObject[]> {
  const namespace = provider.metadata.namespace!;
  const selector = Object.entries(matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
  const version = String((provider.spec as { version?: string } | undefined)?.version ?? '');
  const found = await kube.list<ComponentsConfigMap>('v1', 'ConfigMap', namespace, selector);
  if (found.length === 0) throw new ComponentsFetchError(`no ConfigMaps found with selector ${selector}`);
  const cm = found.find((c) => (c.metadata.labels?.[VERSION_LABEL] ?? c.metadata.name) === version);
  if (!cm) throw new ComponentsFetchError(`no ConfigMap with selector ${selector} holds version ${version} (found ${found.map((c) => c.metadata.labels?.[VERSION_LABEL] ?? c.metadata.name).join(', ')})`);
  const where = `ConfigMap ${namespace}/${cm.metadata.name}`;
  const metadata = cm.data?.metadata;
  if (metadata === undefined) throw new ComponentsFetchError(`${where} has no metadata`);
  checkContract(metadata, version, String(provider.metadata.name));
  let components: string;
  if (cm.metadata.annotations?.[COMPRESSED_ANNOTATION] === 'true') {
    const packed = cm.binaryData?.components;
    if (packed === undefined) throw new ComponentsFetchError(`${where} BinaryData has no components`);
    try {
      components = gunzipSync(Buffer.from(packed, 'base64')).toString('utf8');
    } catch {
      throw new ComponentsFetchError(`cannot decompress data from ${where}`);
    }
  } else {
    if (cm.data?.components === undefined) throw new ComponentsFetchError(`${where} Data has no components`);
    components = cm.data.components;
  }
  return parseAllDocuments(components)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => Boolean(o?.kind));
}

function checkContract(metadataYaml: string, version: string, name: string): void {
  const metadata = parse(metadataYaml) as { releaseSeries?: ReleaseSeries[] } | null;
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  const series = metadata?.releaseSeries?.find((r) => r.major === major && r.minor === minor);
  if (!series) throw new ComponentsFetchError(`invalid provider metadata: version ${version} for the provider ${name} does not match any release series`);
  if (series.contract !== 'v1beta1' && series.contract !== 'v1beta2') {
    throw new ComponentsFetchError(`the provider ${name} implements contract ${series.contract}, which this Cluster API does not serve`);
  }
}
