// A provider's admission webhooks, registered as its release registers them: the Mutating- and
// ValidatingWebhookConfigurations of its components (or, for the core, of the module's config/webhook/manifests.yaml
// named with the release's prefix), each webhook pointed at the manager's published port on 127.0.0.1 (a URL
// instead of the in-cluster Service, which has no pod network behind it here) and trusting the sandbox CA that
// signed the manager's certificate.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeClient } from '../../../../src/kubernetes/client';
import type { KubeObject } from '../../../../src/kubernetes/types';

const ADMISSION_API = 'admissionregistration.k8s.io/v1';

interface Webhook {
  name: string;
  clientConfig: { service?: { path?: string }; url?: string; caBundle?: string };
}

/** The webhook configurations of a module's config/webhook/manifests.yaml, named with the release's prefix. */
export function moduleWebhookConfigurations(moduleDir: string, prefix: string): KubeObject[] {
  const file = join(moduleDir, 'config', 'webhook', 'manifests.yaml');
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => Boolean(o?.kind?.endsWith('WebhookConfiguration')))
    .map((o) => ({ ...o, metadata: { ...o.metadata, name: `${prefix}${o.metadata.name}` } }));
}

/** The configurations (a release's, as its components carry them) with each webhook sent to the manager's port. */
export function pointedAtManager(configurations: KubeObject[], port: number, caPem: string): KubeObject[] {
  const caBundle = Buffer.from(caPem).toString('base64');
  return configurations
    .filter((o) => o.kind.endsWith('WebhookConfiguration'))
    .map((o) => o as KubeObject & { webhooks?: Webhook[] })
    .map((o) => ({
      ...o,
      metadata: { name: o.metadata.name, labels: { 'app.kubernetes.io/managed-by': 'cozy-sandbox-capi-operator' } },
      webhooks: (o.webhooks ?? []).map((w) => ({ ...w, clientConfig: { url: `https://127.0.0.1:${port}${w.clientConfig.service?.path ?? '/'}`, caBundle } })),
    }));
}

export async function registerWebhooks(kube: KubeClient, configurations: KubeObject[]): Promise<void> {
  for (const c of configurations) await kube.apply(c);
}

/** Removed when the manager stops: a webhook whose server is gone would refuse every write of its kinds. */
export async function unregisterWebhooks(kube: KubeClient, configurations: KubeObject[]): Promise<void> {
  for (const c of configurations) await kube.delete({ apiVersion: ADMISSION_API, kind: c.kind, name: c.metadata.name });
}
