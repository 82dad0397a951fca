// The one error-classification contract of every step and undo. Clients raise their own typed errors; this maps each
// family to a failure type: what another attempt cannot fix (credentials, privileges, input, versions, a missing
// thing, a failed check) is non-retryable with a message that says what to do, the rest is retryable and Temporal
// backs off. Step contexts call it with what they were doing; the step wrapper calls it for whatever reaches it.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType, NON_RETRYABLE_TYPES, type FailureTypeName } from '../../catalogue/failure-types';
import { HelmError, type HelmFailureKind } from '../../helm/errors';
import { httpStatusOf, isMissingResourceType, KubeconfigError, networkCodeOf } from '../../kubernetes/errors';
import { WaitTimeoutError } from '../../kubernetes/wait';
import { MonitoringAnswerError, MonitoringHttpError } from '../../monitoring/errors';
import { ProxmoxError } from '../../proxmox/errors';
import { ProxmoxUrlError } from '../../proxmox/url';
import { kubernetesErrorToFailure } from '../kubernetes/to-failure';
import { monitoringErrorToFailure } from '../monitoring/http-failure';
import { proxmoxErrorToFailure } from '../proxmox/to-failure';
import { sshErrorToFailure } from '../worker-host/ssh-failure';
import { fail } from './failures';
import { waitTimeoutFailure } from './wait';

const HELM_KINDS: Record<HelmFailureKind, FailureTypeName> = {
  transient: FailureType.Transient,
  validation: FailureType.Validation,
  version: FailureType.Version,
  'missing-api': FailureType.NotFound,
  permission: FailureType.Permission,
};

const isFailureType = (name: string): name is FailureTypeName => (Object.values(FailureType) as string[]).includes(name);

/** `action` names what was being done ("create namespace x"), for the message of an error that names nothing. */
export function toFailure(err: unknown, action?: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ProxmoxError || err instanceof ProxmoxUrlError) return proxmoxErrorToFailure(err);
  if (err instanceof WaitTimeoutError) return waitTimeoutFailure(err.message);
  if (err instanceof HelmError) return fail(HELM_KINDS[err.kind], err.message);
  if (err instanceof MonitoringHttpError || err instanceof MonitoringAnswerError) return monitoringErrorToFailure(err);
  if (err instanceof Error && err.name.startsWith('Ssh')) return sshErrorToFailure(err, action);
  if (err instanceof KubeconfigError || httpStatusOf(err) !== undefined || isMissingResourceType(err) || networkCodeOf(err)) {
    return kubernetesErrorToFailure(err, { action: action ?? 'call the Kubernetes API' });
  }
  const e = err instanceof Error ? err : new Error(String(err));
  // An error named after a failure type keeps its meaning; anything else is retryable.
  const type = isFailureType(e.name) ? e.name : FailureType.Transient;
  return ApplicationFailure.create({
    type,
    message: action ? `cannot ${action}: ${e.message}` : e.message,
    nonRetryable: NON_RETRYABLE_TYPES.includes(type),
    cause: e,
  });
}
