// csi.chart: installs cozy-proxmox-csi-operator (controller, node plugin, CSIDriver, cloud config, StorageClass and,
// where the snapshot API is served, a VolumeSnapshotClass) and waits for the controller and node plugin.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { fail, FailureType } from '../common/failures';
import { resolveSecret } from '../common/secrets';
import { proxmoxCaBundle } from './ca-bundle';
import { CHART_RELEASES, helmFor, installChart, installedOutcome, uninstallIfOurs } from './chart-step';
import { defineStep, outputsOf } from '../../catalogue/define-step';
import { kubernetesProxmoxCsiStep } from '../kubernetes/proxmox-csi';
import { INSTALL_RETRY } from '../../catalogue/retry-policies';

export async function chartsInstallCsi(input: StepInput): Promise<StepOutcome> {
  const { proxmox, kubernetes } = input.config;
  if (!proxmox.token) throw fail(FailureType.Validation, 'proxmox.token is required: the CSI driver authenticates with an API token');
  // Phase 1's kubernetes.proxmox-csi (an earlier phase: its outputs are in every later step's input).
  const existing = outputsOf(input, kubernetesProxmoxCsiStep);
  if (existing?.existingCsiRelease) {
    // Installing beside it would fail on the CSIDriver (another release owns it) or fight it for the volumes.
    return {
      status: 'passed',
      message: `reusing the Proxmox CSI driver of release ${existing.existingCsiNamespace}/${existing.existingCsiRelease}: cozy-proxmox-csi-operator not installed`,
      details: ['found by kubernetes.proxmox-csi; the CSI steps use it with the StorageClass kubernetes.csiStorageClass names'],
      outputs: { release: existing.existingCsiRelease, namespace: existing.existingCsiNamespace, created: false, reused: true },
    };
  }
  const secret = await resolveSecret(proxmox.token.secret, { kubeconfig: kubernetes.kubeconfig, context: kubernetes.context });
  // The plugin verifies the API with the system roots plus a bundle it is given: ours, from the same TLS settings.
  const { tls, caBundle } = await proxmoxCaBundle(proxmox, 'the CSI controller');
  const { info, created } = await installChart(input, helmFor(input, [secret]), {
    target: CHART_RELEASES.csi,
    values: {
      proxmox: { url: proxmox.url, region: proxmox.region, insecure: tls.kind === 'insecure', caBundle: caBundle ?? '', tokenId: proxmox.token.id, tokenSecret: secret },
      storageClass: { name: kubernetes.csiStorageClass, storage: proxmox.storage },
    },
    // The Deployment and DaemonSet become ready under the cluster's controllers (kwok's in the sandbox).
    wait: true,
    timeoutSeconds: 300,
    notes: [],
  });
  return installedOutcome(info, created, `cozy-proxmox-csi-operator installed (revision ${info.revision}); StorageClass ${kubernetes.csiStorageClass} on ${proxmox.storage}`, [
    'waited for: the controller Deployment and the node DaemonSet to be ready',
    'not waited for here: a volume being provisioned (the CSI steps check that)',
  ]);
}

export function chartsUninstallCsi(input: StepInput): Promise<void> {
  return uninstallIfOurs(input, CHART_RELEASES.csi);
}

export const csiChartStep = defineStep({
  id: 'csi.chart',
  phase: 'advanced-integration',
  // Not counted as the plan's step5-csi by itself: a chart proves nothing about a bound volume.
  title: 'Install the cozy-proxmox-csi-operator chart (CSI driver, StorageClass), or reuse a driver already there',
  blocking: true,
  startToCloseSeconds: 600,
  retry: INSTALL_RETRY,
  run: chartsInstallCsi,
  // helm uninstall --wait is given 300 s; the undo a minute more.
  undo: { when: 'on-failure', startToCloseSeconds: 360, run: chartsUninstallCsi },
});
