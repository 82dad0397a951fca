// The CSI driver in the sandbox, by controller: the real controller programs run for the chart's controller pod
// (csi-controller-pod.ts); the node side, which needs a kubelet, is played (csi-node.ts).
import type { StartController } from './context';
import { startCsiController } from './csi-controller-pod';
import { startCsiNode } from './csi-node';

export const CSI_CONTROLLER_NAMES = ['csi-controller', 'csi-node'] as const;

export const CSI_CONTROLLERS: Record<(typeof CSI_CONTROLLER_NAMES)[number], StartController> = {
  'csi-controller': startCsiController,
  'csi-node': startCsiNode,
};
