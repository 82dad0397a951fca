// Labels given with `helm upgrade --labels` live on helm's storage Secret of each revision (helm's own commands do
// not print them), so they are read from the newest of those Secrets.
import { assertDnsLabel } from './arguments';
import type { KubeClient } from '../kubernetes/client';

const HELM_SYSTEM_LABELS = ['name', 'owner', 'status', 'version', 'createdAt', 'modifiedAt'];

/** The release's own labels (helm's bookkeeping labels left out); undefined when the release has no revision. */
export async function releaseLabels(client: KubeClient, release: string, namespace: string): Promise<Record<string, string> | undefined> {
  assertDnsLabel('release name', release);
  assertDnsLabel('namespace', namespace);
  const revisions = await client.list('v1', 'Secret', namespace, `owner=helm,name=${release}`);
  const newest = revisions.sort((a, b) => Number(b.metadata.labels?.version ?? 0) - Number(a.metadata.labels?.version ?? 0))[0];
  if (!newest) return undefined;
  return Object.fromEntries(Object.entries(newest.metadata.labels ?? {}).filter(([key]) => !HELM_SYSTEM_LABELS.includes(key)));
}
