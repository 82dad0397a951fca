// The CSI steps of phase 3 (the plan's step5): proxmox-csi-plugin's StorageClass and topology, a volume bound, in
// Proxmox and mounted, its expansion, and a snapshot where the driver can make one. Pure data (workflow code imports
// it): activity names are strings, checked against the activity module at compile time only.
import type { CsiActivities } from '../activities/csi';
import type { IntegrationConfig } from '../config/schema';
import type { StepDefinition, StepRetry } from './types';
import { undo } from './undo';

type ActivityName = keyof CsiActivities;

const CHECK_RETRY: StepRetry = { maximumAttempts: 4, initialIntervalSeconds: 2, backoffCoefficient: 2, maximumIntervalSeconds: 30 };
// A volume waits on the scheduler, the provisioner and the attacher: fewer attempts, each allowed minutes.
const VOLUME_RETRY: StepRetry = { maximumAttempts: 3, initialIntervalSeconds: 10, backoffCoefficient: 2, maximumIntervalSeconds: 60 };

function step(def: Omit<StepDefinition, 'activity' | 'phase' | 'group' | 'retry' | 'compensation'> & { activity: ActivityName; retry?: StepRetry; undo?: ActivityName }): StepDefinition {
  // Three deletions of up to 60 s each and the PV's of up to 120 s.
  const { undo: undoActivity, ...rest } = def;
  return {
    phase: 'advanced-integration',
    group: 'step5-csi',
    retry: CHECK_RETRY,
    component: 'Proxmox CSI driver',
    ...rest,
    ...(undoActivity ? { compensation: undo(undoActivity, 'always', 360) } : {}),
  };
}

export const CSI_STEPS: StepDefinition[] = [
  step({ id: 'step5.storage-class', title: 'StorageClass of csi.proxmox.sinextra.dev (storage, WaitForFirstConsumer, expansion) and CSIDriver', activity: 'csiStorageClass', dependsOn: ['csi.chart'], blocking: true, startToCloseSeconds: 60 }),
  step({ id: 'step5.topology', title: 'Nodes carry the topology labels region and zone', activity: 'csiTopology', dependsOn: ['csi.chart'], blocking: true, startToCloseSeconds: 60 }),
  step({
    id: 'step5.volume',
    title: 'A PVC binds, its disk exists in Proxmox storage, a pod mounts it',
    activity: 'csiVolume',
    dependsOn: ['csi.chart', 'step5.storage-class', 'step5.topology'],
    blocking: true,
    startToCloseSeconds: 420,
    retry: VOLUME_RETRY,
    // The test pod and claim go at the end of the run (unless keepTestResources), and the disk with them.
    undo: 'csiDeleteTestVolume',
  }),
  step({ id: 'step5.expand', title: 'The PVC expands and its disk grows in Proxmox', activity: 'csiExpand', dependsOn: ['csi.chart', 'step5.volume'], blocking: false, startToCloseSeconds: 300, retry: VOLUME_RETRY }),
  step({ id: 'step5.snapshot', title: 'A VolumeSnapshot becomes ready (where the driver supports snapshots)', activity: 'csiSnapshot', dependsOn: ['csi.chart', 'step5.volume'], blocking: false, startToCloseSeconds: 300 }),
];

/** The CSI steps of a run: every config checks CSI (the chart is installed by every run). */
export function csiSteps(_config: Pick<IntegrationConfig, 'kubernetes'>): StepDefinition[] {
  return [...CSI_STEPS];
}
