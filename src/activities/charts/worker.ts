// worker.chart: installs proxmox-worker (the join settings ConfigMap and the node-bootstrap RBAC) before the host is
// joined.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { CHART_RELEASES, helmFor, installChart, installedOutcome, uninstallIfOurs } from './chart-step';
import { defineStep } from '../../catalogue/define-step';
import { INSTALL_RETRY } from '../../catalogue/retry-policies';

export async function chartsInstallWorker(input: StepInput): Promise<StepOutcome> {
  const { info, created } = await installChart(input, helmFor(input), {
    target: CHART_RELEASES.worker,
    // The host's region label must be the one the CSI driver's cloud config names (proxmox.region), or the driver
    // finds no Proxmox cluster for the node's volumes.
    values: { topology: { region: input.config.proxmox.region } },
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

export const workerChartStep = defineStep({
  id: 'worker.chart',
  phase: 'advanced-integration',
  // Not counted as the plan's step4-worker by itself: a chart proves nothing about a joined host.
  title: 'Install the proxmox-worker chart (join settings, node bootstrap RBAC)',
  blocking: true,
  startToCloseSeconds: 300,
  retry: INSTALL_RETRY,
  run: chartsInstallWorker,
  // helm uninstall --wait is given 300 s; the undo a minute more.
  undo: { when: 'on-failure', startToCloseSeconds: 360, run: chartsUninstallWorker },
});
