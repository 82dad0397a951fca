// worker.chart: installs proxmox-worker (the join settings ConfigMap and the node-bootstrap RBAC) before the host is
// joined.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { CHART_RELEASES, helmFor, installChart, installedOutcome, uninstallIfOurs } from './chart-step';

export async function chartsInstallWorker(input: StepInput): Promise<StepOutcome> {
  const { info, created } = await installChart(input, helmFor(input), {
    target: CHART_RELEASES.worker,
    values: {},
    // A ConfigMap and RBAC objects: ready once created.
    wait: false,
    timeoutSeconds: 120,
    notes: [],
  });
  return installedOutcome(info, created, `proxmox-worker installed (revision ${info.revision})`, [
    `join settings in ConfigMap ${info.namespace}/${info.name}-join; the labels and taints are checked on the node after the join`,
  ]);
}

export function chartsUninstallWorker(input: StepInput): Promise<void> {
  return uninstallIfOurs(input, CHART_RELEASES.worker);
}
