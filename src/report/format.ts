// Small formatting helpers shared by the report renderers and the CLI's progress view.
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
