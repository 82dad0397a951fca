// The bootstrap token a join authenticates with, made through the API as `kubeadm token create` makes it: a Secret
// bootstrap-token-<id> in kube-system of type bootstrap.kubernetes.io/token. The id is derived from the run and the
// node, so a retried step finds the token an earlier attempt made and reuses it; the secret half is random and is
// read back from the Secret, never passed anywhere else.
import { createHash, randomBytes } from 'node:crypto';
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject, ObjectRef } from '../../kubernetes/types';

export const TOKEN_TTL_MS = 15 * 60 * 1000;
// A token about to expire is replaced rather than handed to a join that may take minutes.
const MIN_REMAINING_MS = 5 * 60 * 1000;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface BootstrapToken {
  id: string;
  /** id.secret, as kubeadm join takes it. Never logged, never returned from an activity. */
  token: string;
  expiration: string;
  reused: boolean;
}

function tokenChars(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] % ALPHABET.length];
  return out;
}

export function bootstrapTokenId(workflowId: string, nodeName: string): string {
  return tokenChars(createHash('sha256').update(`${workflowId}/${nodeName}`).digest(), 6);
}

export const tokenSecretRef = (id: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Secret', name: `bootstrap-token-${id}`, namespace: 'kube-system' });

type SecretObject = KubeObject & { data?: Record<string, string> };

const decode = (s: SecretObject, key: string) => (s.data?.[key] ? Buffer.from(s.data[key], 'base64').toString('utf8') : undefined);

export async function ensureBootstrapToken(client: KubeClient, id: string, group: string, description: string): Promise<BootstrapToken> {
  const ref = tokenSecretRef(id);
  const existing = await client.find<SecretObject>(ref);
  if (existing && !existing.metadata.deletionTimestamp) {
    const secret = decode(existing, 'token-secret');
    const expiration = decode(existing, 'expiration') ?? '';
    if (secret && Date.parse(expiration) - Date.now() > MIN_REMAINING_MS) {
      return { id, token: `${id}.${secret}`, expiration, reused: true };
    }
    await client.delete(ref);
  }
  const secret = tokenChars(randomBytes(16), 16);
  const expiration = new Date(Date.now() + TOKEN_TTL_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: ref.name, namespace: ref.namespace, labels: { 'app.kubernetes.io/managed-by': 'cozy-proxmox' } },
    type: 'bootstrap.kubernetes.io/token',
    stringData: {
      description,
      'token-id': id,
      'token-secret': secret,
      expiration,
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': group,
    },
  });
  return { id, token: `${id}.${secret}`, expiration, reused: false };
}

/** False once the token's Secret is gone, being deleted or past its expiration (the API server refuses it then). */
export async function bootstrapTokenValid(client: KubeClient, id: string): Promise<boolean> {
  const secret = await client.find<SecretObject>(tokenSecretRef(id));
  if (!secret || secret.metadata.deletionTimestamp) return false;
  const expiration = decode(secret, 'expiration');
  return !expiration || Date.parse(expiration) > Date.now();
}

/** Deletes the token; true if it existed. */
export function deleteBootstrapToken(client: KubeClient, id: string): Promise<boolean> {
  return client.delete(tokenSecretRef(id));
}
