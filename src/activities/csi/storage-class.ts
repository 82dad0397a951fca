// step5.storage-class: the StorageClass the CSI steps use is proxmox-csi-plugin's, with a storage parameter, binding
// on first consumer (the disk must be made on the Proxmox node of the pod's VM) and expansion allowed; the
// CSIDriver object is there and asks for the attach step (disks are hot-plugged).
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeObject } from '../../kubernetes/types';
import { checkFailed, fail, FailureType } from '../common/failures';
import { runKubernetesStep } from '../kubernetes/step-context';
import { CSI_DRIVER } from './driver-facts';
import { defineStep } from '../../catalogue/define-step';

type StorageClass = KubeObject & { provisioner?: string; parameters?: Record<string, string>; volumeBindingMode?: string; allowVolumeExpansion?: boolean; reclaimPolicy?: string };

export function csiStorageClass(input: StepInput): Promise<StepOutcome> {
  const name = input.config.kubernetes.csiStorageClass;
  return runKubernetesStep(input, `read StorageClass ${name}`, async (kube) => {
    const sc = await kube.find<StorageClass>({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name });
    if (!sc) throw fail(FailureType.NotFound, `StorageClass ${name} does not exist: install the cozy-proxmox-csi-operator chart (step csi.chart) or set kubernetes.csiStorageClass`);
    const problems: string[] = [];
    if (sc.provisioner !== CSI_DRIVER) problems.push(`provisioner is ${sc.provisioner}, not ${CSI_DRIVER}`);
    const storage = sc.parameters?.storage;
    if (!storage) problems.push('parameter storage (the Proxmox storage ID) is missing');
    if (sc.volumeBindingMode !== 'WaitForFirstConsumer') {
      problems.push(`volumeBindingMode is ${sc.volumeBindingMode ?? 'Immediate'}: use WaitForFirstConsumer so the disk is made on the Proxmox node of the pod's VM`);
    }
    if (sc.allowVolumeExpansion !== true) problems.push('allowVolumeExpansion is not true: claims of this class cannot grow');
    const driver = await kube.find<KubeObject & { spec?: { attachRequired?: boolean } }>({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', name: CSI_DRIVER });
    if (!driver) problems.push(`CSIDriver ${CSI_DRIVER} is not registered`);
    else if (driver.spec?.attachRequired === false) problems.push(`CSIDriver ${CSI_DRIVER} has attachRequired false: disks would never be hot-plugged into the node's VM`);
    if (problems.length > 0) throw checkFailed(`StorageClass ${name} cannot serve Proxmox volumes: ${problems.join('; ')}`, problems);
    const details = [
      `provisioner ${CSI_DRIVER}, storage ${storage}, volumeBindingMode WaitForFirstConsumer, allowVolumeExpansion true, reclaimPolicy ${sc.reclaimPolicy ?? 'Delete'}`,
      ...Object.entries(sc.parameters ?? {}).filter(([k]) => k !== 'storage').map(([k, v]) => `parameter ${k}=${v}`),
      `CSIDriver ${CSI_DRIVER}: attachRequired true`,
    ];
    const status = storage === input.config.proxmox.storage ? 'passed' : 'warning';
    if (status === 'warning') details.push(`warning: the StorageClass uses storage ${storage}, the config names ${input.config.proxmox.storage}`);
    return { status, message: `StorageClass ${name} provisions on Proxmox storage ${storage} through ${CSI_DRIVER}`, details, outputs: { storageClass: name, storage: storage! } };
  });
}

export const csiStorageClassStep = defineStep({
  id: 'step5.storage-class',
  phase: 'advanced-integration',
  group: 'step5-csi',
  title: 'StorageClass of csi.proxmox.sinextra.dev (storage, WaitForFirstConsumer, expansion) and CSIDriver',
  dependsOn: ['csi.chart'],
  blocking: true,
  component: 'Proxmox CSI driver',
  run: csiStorageClass,
});
