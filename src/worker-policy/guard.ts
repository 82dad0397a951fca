// The two checks the worker makes before it acts for a run: before resolving a secret reference (the resolver,
// src/activities/common/secrets.ts) and before connecting to a host (every client factory, guarded-clients.ts, and
// the resolver's own Kubernetes read). A refusal fails the step for good (another attempt names the same thing) and
// names what was refused and the policy file that refused it, so the operator knows which of the two to change.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../catalogue/failure-types';
import { formatSecretRef, type SecretRef } from '../config/secret-ref';
import { currentWorkerPolicy } from './context';
import { hostAllowed, secretAllowed, secretRefSubject } from './patterns';
import type { WorkerPolicy } from './schema';

function refusal(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.NotAllowed, message, nonRetryable: true });
}

const policyName = (policy: WorkerPolicy) => `the worker policy${policy.source ? ` ${policy.source}` : ''}`;

/** Throws unless the running activity's policy allows resolving `ref` (no policy or no allow-list: allowed). */
export function assertSecretAllowed(ref: SecretRef): void {
  const policy = currentWorkerPolicy();
  if (!policy?.allow || secretAllowed(policy.allow.secrets, ref)) return;
  const shown = formatSecretRef(ref);
  const subject = secretRefSubject(ref);
  throw refusal(
    `secret reference ${shown}${subject !== shown ? ` (${subject})` : ''} is not allowed by ${policyName(policy)}: ` +
      'add a matching pattern to allow.secrets there, or use a reference it allows',
  );
}

/** Throws unless the running activity's policy allows connecting to host:port; `what` says what would connect. */
export function assertHostAllowed(host: string, port: number, what: string): void {
  const policy = currentWorkerPolicy();
  if (!policy?.allow || hostAllowed(policy.allow.hosts, host, port)) return;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  throw refusal(
    `host ${shown}:${port} (${what}) is not allowed by ${policyName(policy)}: add it to allow.hosts there, or point the config at a host it allows`,
  );
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** The check for a URL; one whose host cannot be read is refused under an allow-list (it could not be checked). */
export function assertUrlAllowed(url: string, what: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const policy = currentWorkerPolicy();
    if (!policy?.allow) return; // the client reports it as the input error it is
    throw refusal(`${what} "${url}" is not a URL whose host ${policyName(policy)} can check: write it as http(s)://HOST[:PORT]`);
  }
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[parsed.protocol];
  assertHostAllowed(parsed.hostname, port ?? 0, what);
}
