// Whether the cluster serves a kind (its CRD installed): asked by listing it, since the API server answers a kind
// it does not serve with a bare NotFound.
import type { KubeClient } from './client';
import { isMissingResourceType } from './errors';

export async function kindServed(kube: KubeClient, apiVersion: string, kind: string, namespace?: string): Promise<boolean> {
  try {
    await kube.list(apiVersion, kind, namespace);
    return true;
  } catch (err) {
    if (isMissingResourceType(err)) return false;
    throw err;
  }
}
