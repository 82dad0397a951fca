// Waiting for UPID tasks: success, failure with the task log, timeout, progress callbacks. A task that ends with
// warnings comes from a minimal HTTP stand-in, since the simulator's tasks end with OK or an error.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ProxmoxClient } from '../../src/proxmox/client';
import { ProxmoxTaskError, ProxmoxTaskTimeoutError } from '../../src/proxmox/errors';
import { proxmoxErrorToFailure } from '../../src/activities/proxmox/to-failure';
import type { TaskProgress } from '../../src/proxmox/tasks';
import { Simulator, startSim, tokenClient } from './helpers';

describe('task waiting', () => {
  let sim: Simulator;
  let client: ProxmoxClient;

  beforeAll(async () => {
    sim = await startSim({ taskSpeed: 0.02 });
    client = tokenClient(sim);
  });
  afterAll(async () => {
    client.close();
    await sim.stop();
  });

  it('returns when the task ends OK, reporting each poll', async () => {
    await client.cloneIfAbsent({ node: 'pve1', templateId: 9000, vmid: 301, name: 'task-ok' });
    const progress: TaskProgress[] = [];
    const upid = await client.startVm('pve1', 301);
    const result = await client.waitTask(upid, { onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ ok: true, exitStatus: 'OK', warnings: 0 });
    expect(result.upid).toMatchObject({ node: 'pve1', type: 'qmstart', id: '301', user: 'root@pam!cozy' });
    expect(progress.length).toBe(result.polls);
    expect(progress[progress.length - 1].status).toBe('stopped (OK)');
    expect((await client.qemuStatus('pve1', 301)).status).toBe('running');
  });

  it('throws ProxmoxTaskError with the end of the task log when the task fails', async () => {
    sim.faults.set({ failTasks: { type: 'qmstop', count: 1, message: 'VM 301 qmp command failed - got timeout talking to qmeventd' } });
    try {
      const upid = await client.stopVm('pve1', 301);
      const err = await client.waitTask(upid).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ProxmoxTaskError);
      const t = err as ProxmoxTaskError;
      expect(t.exitStatus).toContain('got timeout');
      expect(t.logTail[t.logTail.length - 1]).toBe('TASK ERROR: VM 301 qmp command failed - got timeout talking to qmeventd');
      expect(t.message).toContain('TASK ERROR: VM 301 qmp command failed');
      // "got timeout" passes by itself: the failure stays retryable and carries the log lines.
      expect(proxmoxErrorToFailure(err)).toMatchObject({ type: 'TransientError', nonRetryable: false });
    } finally {
      sim.faults.clear();
    }
  });

  it('classifies a task error that needs a fix as non-retryable', async () => {
    sim.faults.set({ failTasks: { type: 'qmstop', count: 1, message: "storage 'local-lvm' is not online" } });
    try {
      const err = await client.waitTask(await client.stopVm('pve1', 301)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProxmoxTaskError);
      const failure = proxmoxErrorToFailure(err);
      expect(failure).toMatchObject({ type: 'CheckFailed', nonRetryable: true });
      expect(failure.message).toContain("storage 'local-lvm' is not online");
    } finally {
      sim.faults.clear();
    }
  });

  it('times out saying what it last saw, and the task can still be awaited afterwards', async () => {
    // A stop then takes about 2 s, far beyond the 250 ms limit even on a loaded machine.
    sim.setTaskSpeed(4);
    try {
      const upid = await client.stopVm('pve1', 301);
      const err = await client.waitTask(upid, { timeoutMs: 250 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProxmoxTaskTimeoutError);
      expect((err as ProxmoxTaskTimeoutError).lastStatus).toBe('running');
      expect((err as Error).message).toMatch(/qmstop 301 on pve1 still running after \d+ s/);
      expect((err as ProxmoxTaskTimeoutError).retryable).toBe(true);
      await expect(client.waitTask(upid)).resolves.toMatchObject({ exitStatus: 'OK' });
    } finally {
      sim.setTaskSpeed(0.02);
    }
  });

  it('backs off between polls: a 1.5 s task takes far fewer polls than 100 ms polling would', async () => {
    sim.setTaskSpeed(1);
    try {
      const result = await client.waitTask(await client.startVm('pve1', 301));
      expect(result.waitedMs).toBeGreaterThan(1_400);
      expect(result.polls).toBeLessThanOrEqual(9);
    } finally {
      sim.setTaskSpeed(0.02);
    }
  });
});

describe('task ending with warnings', () => {
  let server: Server;
  let url: string;
  const upid = 'UPID:pve1:0002A001:0001B002:6553F00D:vzdump:301:root@pam!cozy:';

  beforeAll(async () => {
    let polls = 0;
    server = createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json;charset=UTF-8');
      if (req.url?.startsWith(`/api2/json/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`)) {
        polls++;
        const done = polls >= 2;
        res.end(JSON.stringify({ data: { upid, node: 'pve1', type: 'vzdump', id: '301', status: done ? 'stopped' : 'running', ...(done ? { exitstatus: 'WARNINGS: 2' } : {}) } }));
        return;
      }
      res.statusCode = 501;
      res.end(JSON.stringify({ data: null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is a success that counts the warnings', async () => {
    const client = new ProxmoxClient({ url, credentials: { kind: 'token', tokenId: 'root@pam!cozy', secret: 'x' } });
    await expect(client.waitTask(upid, { initialDelayMs: 10 })).resolves.toMatchObject({ ok: true, exitStatus: 'WARNINGS: 2', warnings: 2, polls: 2 });
    client.close();
  });
});
