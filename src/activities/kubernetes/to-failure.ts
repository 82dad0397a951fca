// Maps a failed Kubernetes API call to the project's failure classification: what another attempt cannot fix (no
// permission, bad credentials, a CRD that is not installed, an invalid object, an unusable kubeconfig) is
// non-retryable with a message that says what to do; conflicts, throttling, server errors and network errors stay
// retryable so Temporal backs off and tries again.
import type { ApplicationFailure } from '@temporalio/common';
import { httpStatusOf, isMissingResourceType, KubeconfigError, networkCodeOf, reasonOf } from '../../kubernetes/errors';
import { fail, FailureType } from '../common/failures';

export interface KubernetesCallContext {
  /** What was being done, e.g. "list CoreProviders in capi-operator-system". */
  action: string;
  /** The CRD the resource type comes from (plural.group), named when its type turns out to be missing. */
  crd?: string;
}

export function kubernetesErrorToFailure(err: unknown, ctx: KubernetesCallContext): ApplicationFailure {
  if (err instanceof KubeconfigError) return fail(FailureType.Validation, err.message);
  const code = httpStatusOf(err);
  const reason = reasonOf(err);
  if (isMissingResourceType(err)) {
    const crd = ctx.crd ? `the CRD ${ctx.crd} is not installed` : 'the resource type is not served by this cluster';
    return fail(FailureType.NotFound, `cannot ${ctx.action}: ${crd} (install the component that provides it)`);
  }
  switch (code) {
    case 401:
      return fail(FailureType.Auth, `cannot ${ctx.action}: the cluster rejected the credentials (HTTP 401: ${reason}); check the kubeconfig's user and that its certificate or token has not expired`);
    case 403:
      return fail(FailureType.Permission, `cannot ${ctx.action}: forbidden (HTTP 403: ${reason}); grant the kubeconfig's user this permission through RBAC`);
    case 404:
      return fail(FailureType.NotFound, `cannot ${ctx.action}: not found (${reason})`);
    case 400:
    case 422:
      return fail(FailureType.Validation, `cannot ${ctx.action}: the cluster refused the object (HTTP ${code}: ${reason})`);
  }
  if (code === 409 || code === 429 || (code !== undefined && code >= 500)) {
    return fail(FailureType.Transient, `cannot ${ctx.action} yet (HTTP ${code}: ${reason}); retrying`);
  }
  const network = networkCodeOf(err);
  if (network) return fail(FailureType.Transient, `cannot ${ctx.action}: the API server is unreachable (${network}); retrying`);
  return fail(FailureType.Transient, `cannot ${ctx.action}: ${code !== undefined ? `HTTP ${code}: ` : ''}${reason}`);
}
