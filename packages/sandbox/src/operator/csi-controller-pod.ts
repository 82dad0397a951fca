// The Proxmox CSI controller in the sandbox is the real program: proxmox-csi-plugin's controller with the real
// external-provisioner, external-attacher and external-resizer sidecars, talking over the CSI socket, run for the
// chart's controller pod (pod-runner.ts) from the binaries `npm run tools` built. Containers without a binary here
// (the liveness probe: nothing probes a kwok pod; the csi-snapshotter, which the chart adds only on request) are not
// run, and the log says so once.
import { toolPath } from '../../../../src/tools/tool-paths';
import type { RunnableImage } from './pod-processes';
import { podRunner } from './pod-runner';

/** The images of the chart's controller pod and the binaries behind them. */
export const CSI_CONTROLLER_IMAGES: RunnableImage[] = [
  { image: /\/proxmox-csi-controller(:|@|$)/, binary: () => toolPath('PROXMOX_CSI_CONTROLLER', 'csi') },
  { image: /\/csi-provisioner(:|@|$)/, binary: () => toolPath('CSI_PROVISIONER', 'csi') },
  { image: /\/csi-attacher(:|@|$)/, binary: () => toolPath('CSI_ATTACHER', 'csi') },
  { image: /\/csi-resizer(:|@|$)/, binary: () => toolPath('CSI_RESIZER', 'csi') },
];

export const startCsiController = podRunner({ name: 'csi-controller', images: CSI_CONTROLLER_IMAGES, labelSelector: 'app.kubernetes.io/component=controller' });
