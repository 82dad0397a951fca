// What every Proxmox step shares: a client built from the config (secrets resolved here, inside the activity),
// heartbeats and cancellation when running as an activity, errors mapped to the failure classification, and the
// outcome marked as obtained over an unverified connection.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { ProxmoxConfig } from '../../config/schema';
import { ProxmoxClient } from '../../proxmox/client';
import type { ProxmoxCredentials } from '../../proxmox/auth';
import type { ProxmoxHttpOptions } from '../../proxmox/http';
import { toFailure } from '../common/to-failure';
import { fail, FailureType } from '../common/failures';
import { clientFactories } from '../common/clients';
import { resolveSecret } from '../common/secrets';

export type AuthChoice = 'ticket' | 'token' | 'preferred';

import { cancellationSignal, heartbeat } from '../common/activity-context';

export { cancellationSignal, heartbeat };

export function hasTicketCredentials(cfg: ProxmoxConfig): boolean {
  return Boolean(cfg.username && cfg.password);
}

async function credentialsFor(input: StepInput, auth: AuthChoice): Promise<ProxmoxCredentials> {
  const cfg = input.config.proxmox;
  const k8s = { kubeconfig: input.config.kubernetes.kubeconfig, context: input.config.kubernetes.context };
  // The token is what the provider and CSI use, so it is preferred when both are configured.
  const useToken = auth === 'token' || (auth === 'preferred' && cfg.token !== undefined);
  if (useToken) {
    if (!cfg.token) throw fail(FailureType.Validation, 'proxmox.token is not configured');
    return { kind: 'token', tokenId: cfg.token.id, secret: await resolveSecret(cfg.token.secret, k8s) };
  }
  if (!cfg.username || !cfg.password) {
    throw fail(FailureType.Validation, 'proxmox.username and proxmox.password are not configured');
  }
  return { kind: 'ticket', username: cfg.username, password: await resolveSecret(cfg.password, k8s) };
}

export async function clientFor(
  input: StepInput,
  auth: AuthChoice = 'preferred',
  extra: Partial<ProxmoxHttpOptions> = {},
): Promise<ProxmoxClient> {
  const cfg = input.config.proxmox;
  return clientFactories().proxmox({
    url: cfg.url,
    credentials: await credentialsFor(input, auth),
    tls: cfg.tls,
    signal: cancellationSignal(),
    ...extra,
  });
}

/** Adds what every outcome carries: the client's warnings (insecure TLS downgrades a pass). */
export function finish(client: ProxmoxClient | undefined, outcome: StepOutcome): StepOutcome {
  const details = [...(outcome.details ?? [])];
  let status = outcome.status;
  if (client?.tlsInsecure) {
    details.push(client.warnings.find((w) => w.startsWith('TLS')) ?? 'TLS verification is off');
    if (status === 'passed') status = 'warning';
  }
  return { ...outcome, status, details: details.length > 0 ? details : undefined };
}

/** Runs a step body with a client, maps any error to the failure classification, and always closes the client. */
export async function runProxmoxStep(
  input: StepInput,
  auth: AuthChoice,
  body: (client: ProxmoxClient) => Promise<StepOutcome>,
): Promise<StepOutcome> {
  let client: ProxmoxClient | undefined;
  try {
    client = await clientFor(input, auth);
    return finish(client, await body(client));
  } catch (err) {
    // A cancellation is reported as such by the step wrapper, not as the aborted request it caused.
    throw toFailure(err);
  } finally {
    client?.close();
  }
}

export function skipped(message: string): StepOutcome {
  return { status: 'skipped', message };
}

export const GiB = 1024 ** 3;

export function gib(bytes: number | undefined): number {
  return Math.round(((bytes ?? 0) / GiB) * 10) / 10;
}
