// Checks for every value that reaches a helm command line. helm runs without a shell, so nothing is interpreted by
// one; these checks keep a value from being read as an option (a leading '-') or from carrying anything but what its
// field allows.
import { isAbsolute } from 'node:path';
import { HelmValidationError } from './errors';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// kubeconfig context names are free text in kubeconfig files; the printable set without a leading '-' is safe.
const CONTEXT_NAME = /^[A-Za-z0-9_.@:/][A-Za-z0-9_.@:/-]{0,252}$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_KEY = /^[a-z0-9][-a-z0-9_.]{0,62}$/;

export function assertDnsLabel(what: string, value: string): void {
  // Helm itself limits release names to 53 characters (its Secret names add a suffix).
  const max = what === 'release name' ? 53 : 63;
  if (!DNS_LABEL.test(value) || value.length > max) {
    throw new HelmValidationError(`${what} "${value}" must be a DNS label (lowercase letters, digits and '-', at most ${max})`);
  }
}

export function assertContextName(value: string): void {
  if (!CONTEXT_NAME.test(value)) throw new HelmValidationError(`kubeconfig context "${value}" holds characters helm is not given`);
}

export function assertPath(what: string, value: string): void {
  if (!isAbsolute(value) || /[\0\n\r]/.test(value)) throw new HelmValidationError(`${what} must be an absolute path: ${value}`);
}

/** A timeout in whole seconds, passed as helm's duration "<n>s". */
export function timeoutArg(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
    throw new HelmValidationError(`timeout must be a whole number of seconds from 1 to 86400, not ${seconds}`);
  }
  return `--timeout=${seconds}s`;
}

/** Release labels (`--labels k=v,...`): both sides restricted so that neither ',' nor '=' can split a pair. */
export function labelsArg(labels: Record<string, string>): string | undefined {
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return undefined;
  for (const [key, value] of pairs) {
    if (!LABEL_KEY.test(key)) throw new HelmValidationError(`release label key "${key}" is not allowed`);
    if (!LABEL_VALUE.test(value)) throw new HelmValidationError(`release label ${key}="${value}" has a value that is not a label value`);
  }
  return `--labels=${pairs.map(([k, v]) => `${k}=${v}`).join(',')}`;
}

/** Turns any text into a valid label value (for IDs such as a workflow ID), keeping it recognisable. */
export function toLabelValue(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned.slice(0, 63).replace(/[^A-Za-z0-9]+$/, '') || 'x';
}
