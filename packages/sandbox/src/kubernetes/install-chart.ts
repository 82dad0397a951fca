// The sandbox installs one of the project's charts itself, as a cluster admin would before any run: the worker chart's
// ServiceAccount and RBAC. (The steps install theirs, the monitoring chart included, through src/helm.)
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolPath } from '../../../../src/tools/tool-paths';
import { repoRoot } from '../processes';

/** `helm upgrade --install` of charts/<chart> as release <chart>, values given as `--set key=value`. */
export async function installProjectChart(kubeconfig: string, chart: string, namespace: string, values: Record<string, string | number | boolean>): Promise<void> {
  await promisify(execFile)(toolPath('HELM', 'helm'), [
    'upgrade', '--install', chart, join(repoRoot(), 'charts', chart),
    '--namespace', namespace, '--create-namespace', '--kubeconfig', kubeconfig,
    ...Object.entries(values).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
  ]);
}
