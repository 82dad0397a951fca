// Small formatting helpers shared by the report renderers and the CLI's progress view.
import type { Progress } from './progress';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return `${m} min ${rest} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatTime(ms?: number): string {
  return ms === undefined ? '' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

export const STATE_MARK: Record<string, string> = {
  passed: 'PASS',
  warning: 'WARN',
  failed: 'FAIL',
  blocked: 'BLOCKED',
  skipped: 'SKIP',
  running: 'RUN',
  pending: '...',
};

/** Who may decide on the run, one line for status and the report: a run whose gates accept anyone says so. */
export function decisionsText(p: Pick<Progress, 'decisions'>): string {
  const d = p.decisions;
  if (!d) return 'anyone may approve, reject and resolve (the run started before signed decisions)';
  if (d.mode === 'anyone') return `anyone may approve, reject and resolve: the worker lists no approvers (${d.source})`;
  return `only decisions signed by a listed key: ${d.approvers.map((a) => `${a.name} ${a.fingerprint}`).join(', ')} (${d.source})`;
}

/** `by NAME`, with the fingerprint of the key that signed the decision when one did. */
export function deciderText(by: string | undefined, keyFingerprint: string | undefined): string {
  return `by ${by ?? '?'}${keyFingerprint ? ` (key ${keyFingerprint})` : ''}`;
}
