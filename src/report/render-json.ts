// The report as JSON: the progress snapshot plus the verdict, stable for scripts.
import type { Progress } from './progress';

export function renderJson(p: Progress): string {
  return JSON.stringify({ kind: 'cozy-proxmox/report', version: 1, ...p }, null, 2) + '\n';
}
