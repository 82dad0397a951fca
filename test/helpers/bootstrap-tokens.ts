import type { KubeClient } from '../../src/kubernetes/client';

/** Bootstrap token Secrets in kube-system (made by joins and not yet deleted). */
export async function bootstrapTokens(kube: KubeClient): Promise<string[]> {
  const secrets = await kube.list('v1', 'Secret', 'kube-system');
  return secrets.filter((s) => (s as { type?: string }).type === 'bootstrap.kubernetes.io/token').map((s) => s.metadata.name);
}
