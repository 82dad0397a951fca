// Resolves a secret reference (see config/secret-ref.ts) inside an activity, so the value never enters workflow
// inputs, results or history. The Kubernetes client is loaded only when a k8s: reference is used: it is a large,
// ESM-only package that most resolutions do not need. Every resolution passes the worker policy's secret check first
// (src/worker-policy): this is the one place a reference is turned into a value.
import { readFile } from 'node:fs/promises';
import { parseSecretRef, SecretRef } from '../../config/secret-ref';
import { assertSecretAllowed, assertUrlAllowed } from '../../worker-policy/guard';
import { fail, FailureType } from './failures';

export interface SecretResolverOptions {
  /** Path of the kubeconfig for k8s: references; the default loading rules apply when absent. */
  kubeconfig?: string;
  context?: string;
  /** Environment to read env: references from; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

async function readKubernetesSecret(ref: Extract<SecretRef, { kind: 'k8s' }>, options: SecretResolverOptions): Promise<string> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context) kc.setCurrentContext(options.context);
  // The secret is read from an API server: the same host check as every client's.
  assertUrlAllowed(kc.getCurrentCluster()?.server ?? '', `the Kubernetes API server holding ${ref.namespace}/${ref.name}`);
  const api = kc.makeApiClient(k8s.CoreV1Api);
  let secret;
  try {
    secret = await api.readNamespacedSecret({ name: ref.name, namespace: ref.namespace });
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === 404) throw fail(FailureType.NotFound, `secret ${ref.namespace}/${ref.name} does not exist`);
    if (code === 401 || code === 403) {
      throw fail(FailureType.Permission, `cannot read secret ${ref.namespace}/${ref.name} (HTTP ${code}): grant get on secrets`);
    }
    throw err;
  }
  const encoded = secret.data?.[ref.key];
  const plain = secret.stringData?.[ref.key];
  if (encoded === undefined && plain === undefined) {
    throw fail(FailureType.NotFound, `secret ${ref.namespace}/${ref.name} has no key "${ref.key}"`);
  }
  return plain ?? Buffer.from(encoded as string, 'base64').toString('utf8');
}

export async function resolveSecretRef(ref: SecretRef, options: SecretResolverOptions = {}): Promise<string> {
  assertSecretAllowed(ref);
  switch (ref.kind) {
    case 'env': {
      const value = (options.env ?? process.env)[ref.name];
      if (value === undefined || value === '') {
        throw fail(FailureType.Validation, `environment variable ${ref.name} (env:${ref.name}) is not set on the worker`);
      }
      return value;
    }
    case 'file': {
      try {
        // Files written by `echo` or editors end with a newline that is not part of the secret.
        return (await readFile(ref.path, 'utf8')).replace(/\r?\n$/, '');
      } catch (err) {
        throw fail(FailureType.Validation, `cannot read secret file ${ref.path}: ${(err as Error).message}`);
      }
    }
    case 'k8s':
      return readKubernetesSecret(ref, options);
  }
}

/** Parses and resolves a reference string such as "env:PROXMOX_PASSWORD". */
export async function resolveSecret(text: string, options: SecretResolverOptions = {}): Promise<string> {
  const ref = parseSecretRef(text);
  if (typeof ref === 'string') throw fail(FailureType.Validation, `invalid secret reference: ${ref}`);
  return resolveSecretRef(ref, options);
}
