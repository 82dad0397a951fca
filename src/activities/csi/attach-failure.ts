// What a volume that never got attached means, from the VolumeAttachment's attachError (csi-attacher's words).
import type { ApplicationFailure } from '@temporalio/common';
import { checkFailed, fail, FailureType } from '../common/failures';
import { CHART_RELEASES } from '../charts/chart-step';

// csi-attacher lost the controller on its socket: the controller process ended and is being restarted (the real
// proxmox-csi-plugin v0.16.0 panics on a 503 from the Proxmox API: its go-proxmox client reads a 503 as an empty
// answer). The attacher retries by itself, so another attempt of the step may pass.
const CONTROLLER_GONE = /code = Unavailable desc = (error reading from server: EOF|connection error)/;

export function attachFailure(pv: string, node: string, attachError: string): ApplicationFailure {
  const notAttached = `volume ${pv} was not attached to node ${node}: ${attachError || 'no VolumeAttachment reported attached (is the attach/detach controller managing the node?)'}`;
  if (CONTROLLER_GONE.test(attachError)) {
    return fail(
      FailureType.Transient,
      `${notAttached}. The CSI controller stopped answering on its socket: its process likely crashed; read its last run's log: ` +
        `kubectl logs -n ${CHART_RELEASES.csi.namespace} deploy/${CHART_RELEASES.csi.release}-controller -c proxmox-csi-plugin-controller --previous`,
    );
  }
  return checkFailed(notAttached);
}
