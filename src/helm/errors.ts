// Helm failures, sorted by what helm printed into kinds the activity layer classifies (activities/common/to-failure):
// a chart or values problem, a missing API or a Kubernetes version out of range is not retried; an unreachable
// cluster, a release locked by another operation or a wait that ran out is.

/** What kind of failure a helm command had; the activity layer maps it onto its failure classification. */
export type HelmFailureKind = 'transient' | 'validation' | 'version' | 'missing-api' | 'permission';

const HELM_ERROR_NAMES: Record<HelmFailureKind, string> = {
  transient: 'HelmTransientError',
  validation: 'HelmValidationError',
  version: 'HelmVersionError',
  'missing-api': 'HelmMissingApiError',
  permission: 'HelmPermissionError',
};

export class HelmError extends Error {
  constructor(
    message: string,
    readonly stderr = '',
    readonly kind: HelmFailureKind = 'transient',
  ) {
    super(message);
    this.name = HELM_ERROR_NAMES[kind];
  }
}

/** A chart, values or an argument that another attempt cannot fix. */
export class HelmValidationError extends HelmError {
  constructor(message: string, stderr = '') {
    super(message, stderr, 'validation');
  }
}

/** The chart does not support the cluster's Kubernetes version. */
export class HelmVersionError extends HelmError {
  constructor(message: string, stderr = '') {
    super(message, stderr, 'version');
  }
}

/** An object's kind is not served by the cluster: the CRDs it needs are missing. */
export class HelmMissingApiError extends HelmError {
  constructor(message: string, stderr = '') {
    super(message, stderr, 'missing-api');
  }
}

export class HelmPermissionError extends HelmError {
  constructor(message: string, stderr = '') {
    super(message, stderr, 'permission');
  }
}

/** Retryable: the cluster is unreachable, another operation holds the release, or a wait timed out. */
export class HelmTransientError extends HelmError {
  constructor(message: string, stderr = '') {
    super(message, stderr, 'transient');
  }
}

/** Helm's message without its "Error: " prefix and the trailing advice about --debug. */
export function helmMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l && !/^Use --debug flag/.test(l) && !/^engine\.go:\d+: \[INFO\] Missing required value/.test(l));
  return lines.join('\n').replace(/^Error: /, '').trim() || 'helm failed without a message';
}

const TRANSIENT = [
  /Kubernetes cluster unreachable/i,
  /another operation \(install\/upgrade\/rollback\) is in progress/i,
  /connection refused|i\/o timeout|TLS handshake timeout|connection reset|no route to host|EOF$/im,
  /context deadline exceeded|timed out waiting for the condition/i,
  /the server is currently unable to handle the request|etcdserver|Internal error occurred/i,
];

const MISSING_API = [/no matches for kind/i, /ensure CRDs are installed first/i, /resource mapping not found/i];

const VALIDATION = [
  /values don't meet the specifications of the schema/i,
  /execution error at/i,
  /parse error/i,
  /template: .*:\d+/i,
  /error converting YAML to JSON/i,
  /unable to build kubernetes objects from release manifest/i,
  /is invalid: /i,
  /cannot be imported into the current release/i,
  /path .* not found|no Chart\.yaml exists|Chart\.yaml file is missing/i,
  /invalid release name|release name .* invalid/i,
];

/** Chooses the error class for a failed helm command from its output. */
export function classifyHelmFailure(command: string, stderr: string): HelmError {
  const message = helmMessage(stderr);
  const text = `helm ${command}: ${message}`;
  // A wait that timed out after the objects were created is transient, whatever else the message holds.
  if (TRANSIENT.some((p) => p.test(message))) return new HelmTransientError(text, stderr);
  if (/chart requires kubeVersion/i.test(message)) return new HelmVersionError(text, stderr);
  if (MISSING_API.some((p) => p.test(message))) {
    return new HelmMissingApiError(`${text} (the cluster does not serve this kind: install the CRDs that define it first)`, stderr);
  }
  if (/forbidden|Unauthorized/i.test(message)) return new HelmPermissionError(text, stderr);
  if (VALIDATION.some((p) => p.test(message))) return new HelmValidationError(text, stderr);
  return new HelmTransientError(text, stderr);
}
