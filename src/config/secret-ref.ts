// A secret is never a value in the config: it is a reference that only an activity resolves. That keeps passwords,
// tokens and keys out of workflow inputs, results and history (they would be stored there in clear otherwise).
//
//   env:NAME                      an environment variable of the worker
//   file:/abs/or/relative/path    a file the worker can read (trailing newline trimmed)
//   k8s:NAMESPACE/NAME#KEY        a key of a Kubernetes Secret, read with the configured kubeconfig
import { z } from 'zod';

export type SecretRef =
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string }
  | { kind: 'k8s'; namespace: string; name: string; key: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const K8S_KEY = /^[-._a-zA-Z0-9]+$/;

/** Parses a reference string; returns an error text naming what is wrong instead of throwing. */
export function parseSecretRef(text: string): SecretRef | string {
  const colon = text.indexOf(':');
  const scheme = colon > 0 ? text.slice(0, colon) : '';
  const rest = colon > 0 ? text.slice(colon + 1) : '';
  switch (scheme) {
    case 'env':
      return ENV_NAME.test(rest) ? { kind: 'env', name: rest } : `"env:${rest}" is not a valid environment variable name`;
    case 'file':
      return rest.length > 0 ? { kind: 'file', path: rest } : 'file: reference needs a path';
    case 'k8s': {
      const m = /^([^/]+)\/([^#]+)#(.+)$/.exec(rest);
      if (!m) return 'k8s: reference must look like k8s:NAMESPACE/NAME#KEY';
      const [, namespace, name, key] = m;
      if (!K8S_NAME.test(namespace) || !K8S_NAME.test(name) || !K8S_KEY.test(key)) {
        return `k8s:${rest} names an invalid namespace, secret name or key`;
      }
      return { kind: 'k8s', namespace, name, key };
    }
    default:
      return 'must be a secret reference (env:NAME, file:PATH or k8s:NAMESPACE/NAME#KEY), never the secret itself';
  }
}

export function formatSecretRef(ref: SecretRef): string {
  switch (ref.kind) {
    case 'env':
      return `env:${ref.name}`;
    case 'file':
      return `file:${ref.path}`;
    case 'k8s':
      return `k8s:${ref.namespace}/${ref.name}#${ref.key}`;
  }
}

/** Zod type for a config field that holds a secret reference (kept as its string form in workflow inputs). */
export const secretRefSchema = z.string().superRefine((value, ctx) => {
  const parsed = parseSecretRef(value);
  if (typeof parsed === 'string') ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed });
});
