// Where the project's charts are: the charts/ folder at the package root, found from this file whether it runs from
// src/ (ts-jest, ts-node) or from dist/src/ (the compiled worker).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HelmValidationError } from './errors';

export const CHART_NAMES = ['cozy-capi-providers-proxmox', 'proxmox-worker', 'cozy-proxmox-csi-operator', 'cozy-proxmox-monitoring'] as const;
export type ChartName = (typeof CHART_NAMES)[number];

export function chartsDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i += 1) {
    const candidate = join(dir, 'charts');
    if (existsSync(join(candidate, CHART_NAMES[0], 'Chart.yaml'))) return candidate;
    dir = dirname(dir);
  }
  throw new HelmValidationError(`the charts folder was not found above ${__dirname}`);
}

/** Absolute path of one of the project's charts. */
export function chartPath(name: ChartName): string {
  if (!(CHART_NAMES as readonly string[]).includes(name)) throw new HelmValidationError(`unknown chart ${String(name)}`);
  return join(chartsDir(), name);
}
