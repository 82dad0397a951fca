import { hostKeyFailure } from '../../src/activities/worker-host/ssh-failure';
import { SshHostKeyError } from '../../src/ssh/host-key-error';

describe('hostKeyFailure', () => {
  it('is a non-retryable PermissionError naming both fingerprints and how to verify', () => {
    const offered = 'SHA256:' + 'a'.repeat(43);
    const configured = 'SHA256:' + 'b'.repeat(43);
    const failure = hostKeyFailure(new SshHostKeyError('127.0.0.1', 2222, offered, configured));
    expect(failure.type).toBe('PermissionError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(offered);
    expect(failure.message).toContain(configured);
    expect(failure.message).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
  });
});
