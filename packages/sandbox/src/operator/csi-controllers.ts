// The controllers that play the Proxmox CSI driver's controller side in the sandbox, by name: provisioner (with
// capacity and volume deletion), attacher and resizer. proxmox-csi-plugin also makes snapshots, but only as
// experimental full copies with root@pam credentials; the chart configures an API token, so there is no snapshotter.
import type { StartController } from './context';
import { startCsiAttacher } from './csi-attacher';
import { startCsiProvisioner } from './csi-provisioner';
import { startCsiResizer } from './csi-resizer';

export const CSI_CONTROLLER_NAMES = ['csi-provisioner', 'csi-attacher', 'csi-resizer'] as const;

export const CSI_CONTROLLERS: Record<(typeof CSI_CONTROLLER_NAMES)[number], StartController> = {
  'csi-provisioner': startCsiProvisioner,
  'csi-attacher': startCsiAttacher,
  'csi-resizer': startCsiResizer,
};
