// The Helm layer: the helm binary for the project's charts, and Flux HelmReleases.
export { assertDnsLabel, toLabelValue } from './arguments';
export { chartPath, chartsDir, CHART_NAMES, type ChartName } from './charts';
export { HelmClient, type HelmClientOptions, type LintResult, type ReleaseInfo, type UpgradeInstallOptions } from './client';
export {
  classifyHelmFailure,
  HelmError,
  type HelmFailureKind,
  HelmMissingApiError,
  HelmPermissionError,
  HelmTransientError,
  HelmValidationError,
  HelmVersionError,
} from './errors';
export { releaseLabels } from './release-labels';
export { applyHelmRelease, HELM_RELEASE_API, helmReleaseManifest, helmReleaseReady, type FluxChartSource, type FluxReleaseOptions } from './flux';
