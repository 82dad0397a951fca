// TLS modes against the simulator's HTTPS endpoint (its own CA, like a Proxmox cluster): CA file, pinned
// fingerprint, insecure (reported), and the failures of each, which must not be retried.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { ProxmoxNetworkError } from '../../src/proxmox/errors';
import { proxmoxErrorToFailure } from '../../src/activities/proxmox/to-failure';
import { Simulator, startSim, tokenClient } from './helpers';

async function tlsFailure(promise: Promise<unknown>): Promise<ProxmoxNetworkError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ProxmoxNetworkError);
    return err as ProxmoxNetworkError;
  }
  throw new Error('expected a TLS failure');
}

describe('TLS modes', () => {
  let sim: Simulator;
  let dir: string;

  beforeAll(async () => {
    sim = await startSim();
    dir = mkdtempSync(join(tmpdir(), 'cozy-tls-'));
  });
  afterAll(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies against the CA file', async () => {
    const client = tokenClient(sim, { tls: { verify: true, caFile: sim.caFile } });
    await expect(client.version()).resolves.toMatchObject({ release: '8.2' });
    expect(client.tlsInsecure).toBe(false);
    expect(client.warnings).toEqual([]);
    client.close();
  });

  it('rejects the self-signed chain with the system CAs only, without retrying', async () => {
    const client = tokenClient(sim, { tls: { verify: true } });
    const before = sim.requestCount();
    const err = await tlsFailure(client.version());
    client.close();
    expect(err.tls).toBe(true);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('proxmox.tls.caFile');
    expect(sim.requestCount()).toBe(before);
    expect(proxmoxErrorToFailure(err)).toMatchObject({ type: 'CheckFailed', nonRetryable: true });
  });

  it('rejects a CA file of another authority', async () => {
    const wrongCa = join(dir, 'other-ca.pem');
    writeFileSync(wrongCa, rootCertificates[0]);
    const client = tokenClient(sim, { tls: { caFile: wrongCa } });
    const err = await tlsFailure(client.version());
    client.close();
    expect(err.retryable).toBe(false);
    expect(err.code).toMatch(/CERT|SIGNATURE|ISSUER|VERIFY/);
  });

  it('accepts the pinned SHA-256 fingerprint (any case)', async () => {
    for (const fingerprint of [sim.fingerprint as string, (sim.fingerprint as string).toLowerCase()]) {
      const client = tokenClient(sim, { tls: { fingerprint } });
      await expect(client.nodes()).resolves.toHaveLength(1);
      expect(client.tlsInsecure).toBe(false);
      client.close();
    }
  });

  it('refuses a wrong fingerprint before any request reaches the server', async () => {
    const wrong = (sim.fingerprint as string).replace(/^../, (sim.fingerprint as string).startsWith('00') ? '11' : '00');
    const client = tokenClient(sim, { tls: { fingerprint: wrong } });
    const before = sim.requestCount();
    const err = await tlsFailure(client.version());
    client.close();
    expect(err.code).toBe('ERR_PROXMOX_FINGERPRINT_MISMATCH');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(sim.fingerprint as string);
    expect(sim.requestCount()).toBe(before);
  });

  it('connects without verification only when asked, and says so', async () => {
    const client = tokenClient(sim, { tls: { verify: false } });
    await expect(client.version()).resolves.toMatchObject({ release: '8.2' });
    expect(client.tlsInsecure).toBe(true);
    expect(client.warnings[0]).toMatch(/TLS verification is off/);
    client.close();
  });
});
