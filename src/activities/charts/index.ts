// The chart step activities, by name: the worker registers them under these names (StepDefinition.activity).
import { chartsInstallCapiProvider, chartsUninstallCapiProvider } from './capi-provider';
import { chartsInstallCsi, chartsUninstallCsi } from './csi';
import { chartsInstallWorker, chartsUninstallWorker } from './worker';

export const chartActivities = {
  chartsInstallCapiProvider,
  chartsUninstallCapiProvider,
  chartsInstallWorker,
  chartsUninstallWorker,
  chartsInstallCsi,
  chartsUninstallCsi,
};

export type ChartActivities = typeof chartActivities;
export { CHART_RELEASES, CREATED_BY_LABEL } from './chart-step';
