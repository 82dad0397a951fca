// step5.volume's reading of a VolumeAttachment that never became attached: csi-attacher's attachError when the
// controller process ended (as the real proxmox-csi-plugin v0.16.0 does on a 503: seen in bench:reliability's faults
// scenario) is retryable and names the controller's previous log; any other error is a failed check.
import { attachFailure } from '../../src/activities/csi/attach-failure';

test('the controller gone from its socket: retryable, pointing at its previous log', () => {
  const f = attachFailure('pvc-1', 'node-1', 'rpc error: code = Unavailable desc = error reading from server: EOF');
  expect(f.type).toBe('TransientError');
  expect(f.nonRetryable).toBe(false);
  expect(f.message).toBe(
    'volume pvc-1 was not attached to node node-1: rpc error: code = Unavailable desc = error reading from server: EOF. The CSI controller stopped answering on its socket: ' +
      "its process likely crashed; read its last run's log: kubectl logs -n cozy-proxmox-csi deploy/cozy-proxmox-csi-operator-controller -c proxmox-csi-plugin-controller --previous",
  );
});

test('a refusal of the driver, or no attachment at all: a failed check', () => {
  const refused = attachFailure('pvc-1', 'node-1', 'rpc error: code = Internal desc = failed to attach disk: no free SCSI slot');
  expect(refused).toMatchObject({ type: 'CheckFailed', nonRetryable: true });
  const none = attachFailure('pvc-1', 'node-1', '');
  expect(none.message).toBe('volume pvc-1 was not attached to node node-1: no VolumeAttachment reported attached (is the attach/detach controller managing the node?)');
});
