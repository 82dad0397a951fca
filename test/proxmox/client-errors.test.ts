// Every typed error of the client, produced by a real HTTPS server (the simulator) or a real transport failure, and
// its classification as a Temporal failure.
import { createServer } from 'node:net';
import { ProxmoxClient } from '../../src/proxmox/client';
import {
  ProxmoxAlreadyExistsError,
  ProxmoxAuthError,
  ProxmoxNetworkError,
  ProxmoxNotFoundError,
  ProxmoxNotImplementedError,
  ProxmoxPermissionError,
  ProxmoxServerError,
  ProxmoxValidationError,
} from '../../src/proxmox/errors';
import { proxmoxErrorToFailure } from '../../src/activities/proxmox/to-failure';
import { defaultSeedInput, DEFAULT_ROOT_PASSWORD, Simulator, startSim, ticketClient, tokenClient } from './helpers';

const LIMITED_TOKEN = 'root@pam!limited';
const LIMITED_SECRET = '0b9f6c1e-2d4a-4c3b-8e5f-a1b2c3d4e5f6';

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('typed errors', () => {
  let sim: Simulator;
  let client: ProxmoxClient;

  beforeAll(async () => {
    const seed = defaultSeedInput();
    seed.tokens = [...(seed.tokens ?? []), { id: LIMITED_TOKEN, secret: LIMITED_SECRET, privsep: true }];
    seed.roles = [...(seed.roles ?? []), { roleid: 'AuditOnly', privs: ['VM.Audit', 'Sys.Audit', 'Datastore.Audit'] }];
    seed.acls = [...(seed.acls ?? []), { path: '/', ugid: LIMITED_TOKEN, roleid: 'AuditOnly', propagate: true }];
    sim = await startSim({ seed });
    client = tokenClient(sim);
  });
  afterAll(async () => {
    client.close();
    await sim.stop();
  });

  it('400 → ProxmoxValidationError with per-parameter errors, non-retryable ValidationError', async () => {
    const err = await caught(client.get('/nodes/pve1/qemu/not-a-number/config'));
    expect(err).toBeInstanceOf(ProxmoxValidationError);
    const v = err as ProxmoxValidationError;
    expect(v.status).toBe(400);
    expect(v.retryable).toBe(false);
    expect(Object.keys(v.parameterErrors)).toEqual(['vmid']);
    expect(v.message).toContain('vmid');
    expect(proxmoxErrorToFailure(err)).toMatchObject({ type: 'ValidationError', nonRetryable: true });
  });

  it('401 with a wrong token secret → ProxmoxAuthError, non-retryable AuthError', async () => {
    const bad = new ProxmoxClient({
      url: sim.url,
      credentials: { kind: 'token', tokenId: 'root@pam!cozy', secret: '00000000-0000-0000-0000-000000000000' },
      tls: { caFile: sim.caFile },
    });
    const err = await caught(bad.version());
    bad.close();
    expect(err).toBeInstanceOf(ProxmoxAuthError);
    expect((err as ProxmoxAuthError).retryable).toBe(false);
    expect(err.message).toContain('invalid token value');
    expect(proxmoxErrorToFailure(err)).toMatchObject({ type: 'AuthError', nonRetryable: true });
  });

  it('401 with a wrong password → ProxmoxAuthError at login, without a second attempt', async () => {
    const bad = ticketClient(sim, { credentials: { kind: 'ticket', username: 'root@pam', password: `${DEFAULT_ROOT_PASSWORD}x` } });
    const before = sim.requestCount();
    const err = await caught(bad.version());
    bad.close();
    expect(err).toBeInstanceOf(ProxmoxAuthError);
    expect(sim.requestCount() - before).toBe(1);
  });

  it('403 → ProxmoxPermissionError naming path and privilege, non-retryable PermissionError', async () => {
    const limited = tokenClient(sim, { credentials: { kind: 'token', tokenId: LIMITED_TOKEN, secret: LIMITED_SECRET } });
    const err = await caught(limited.cloneVm('pve1', 9000, { newid: 150, name: 'denied' }));
    limited.close();
    expect(err).toBeInstanceOf(ProxmoxPermissionError);
    const p = err as ProxmoxPermissionError;
    expect(p.privileges).toContain('VM.Clone');
    expect(p.aclPath).toBe('/vms/9000');
    const failure = proxmoxErrorToFailure(err);
    expect(failure).toMatchObject({ type: 'PermissionError', nonRetryable: true });
    expect(failure.message).toContain('grant VM.Clone on /vms/9000');
  });

  it('500 "does not exist" → ProxmoxNotFoundError, non-retryable NotFoundError', async () => {
    const err = await caught(client.qemuConfig('pve1', 4242));
    expect(err).toBeInstanceOf(ProxmoxNotFoundError);
    expect(err.message).toContain('4242');
    expect(proxmoxErrorToFailure(err)).toMatchObject({ type: 'NotFoundError', nonRetryable: true });
  });

  it('500 "already exists" → ProxmoxAlreadyExistsError', async () => {
    await client.createPool('errors-dup');
    const err = await caught(client.createPool('errors-dup'));
    expect(err).toBeInstanceOf(ProxmoxAlreadyExistsError);
    expect((err as ProxmoxAlreadyExistsError).retryable).toBe(false);
    await client.deletePool('errors-dup');
  });

  it('501 → ProxmoxNotImplementedError, non-retryable VersionError', async () => {
    const err = await caught(client.get('/nodes/pve1/no-such-call'));
    expect(err).toBeInstanceOf(ProxmoxNotImplementedError);
    expect(err.message).toContain('not implemented');
    expect(proxmoxErrorToFailure(err)).toMatchObject({ type: 'VersionError', nonRetryable: true });
  });

  it('other 5xx → ProxmoxServerError, retryable; GETs are retried a bounded number of times, writes never', async () => {
    const flaky = tokenClient(sim, { readRetry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 } });
    sim.faults.set({ errorRate: 1 });
    try {
      let before = sim.requestCount();
      const err = await caught(flaky.version());
      expect(err).toBeInstanceOf(ProxmoxServerError);
      expect((err as ProxmoxServerError).retryable).toBe(true);
      expect(sim.requestCount() - before).toBe(3);
      expect(proxmoxErrorToFailure(err)).toMatchObject({ type: 'TransientError', nonRetryable: false });

      before = sim.requestCount();
      await expect(flaky.createPool('never')).rejects.toBeInstanceOf(ProxmoxServerError);
      expect(sim.requestCount() - before).toBe(1);
    } finally {
      sim.faults.clear();
      flaky.close();
    }
  });

  it('ECONNREFUSED → ProxmoxNetworkError, retryable', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const nowhere = tokenClient(sim, { url: `https://127.0.0.1:${port}`, readRetry: { maxAttempts: 2, initialDelayMs: 5 } });
    const err = await caught(nowhere.version());
    nowhere.close();
    expect(err).toBeInstanceOf(ProxmoxNetworkError);
    expect((err as ProxmoxNetworkError).code).toBe('ECONNREFUSED');
    expect((err as ProxmoxNetworkError).retryable).toBe(true);
    expect(proxmoxErrorToFailure(err)).toMatchObject({ type: 'TransientError', nonRetryable: false });
  });

  it('a timeout → ProxmoxNetworkError saying so, retryable', async () => {
    const slow = tokenClient(sim, { timeoutMs: 50, readRetry: { maxAttempts: 1 } });
    sim.faults.set({ latencyMs: 400 });
    try {
      const err = await caught(slow.version());
      expect(err).toBeInstanceOf(ProxmoxNetworkError);
      expect(err.message).toContain('timed out');
      expect((err as ProxmoxNetworkError).retryable).toBe(true);
    } finally {
      sim.faults.clear();
      slow.close();
    }
  });
});
