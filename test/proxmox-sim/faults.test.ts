// Fault injection, set at start and at run time (in-process and through the admin endpoint /_sim/faults).
import { Agent, fetch } from 'undici';
import { startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { SimClient, TOKEN_AUTH } from './helpers';

async function admin(sim: RunningSimulator, agent: Agent, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}${path}`, { method, dispatcher: agent, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('faults given at start', () => {
  let sim: RunningSimulator;
  let client: SimClient;
  beforeAll(async () => {
    sim = await startProxmoxSimulator({ taskSpeed: 0.02, faults: { latencyMs: 120, failTasks: { type: 'qmclone', count: 1, message: 'storage is busy' } } });
    client = new SimClient(sim);
  });
  afterAll(async () => {
    await client.close();
    await sim.stop();
  });

  test('latency is added to every request', async () => {
    const began = performance.now();
    await client.get('/version');
    expect(performance.now() - began).toBeGreaterThanOrEqual(115);
  });

  test('the next clone task fails with the given message, the one after succeeds', async () => {
    const first = await client.request('POST', '/nodes/pve1/qemu/9000/clone', { auth: TOKEN_AUTH, form: { newid: 101, full: 1 } });
    expect(first.status).toBe(200);
    expect((await client.waitTask('pve1', first.json!.data as string)).exitstatus).toBe('storage is busy');
    expect((await client.taskLog('pve1', first.json!.data as string)).pop()).toBe('TASK ERROR: storage is busy');
    expect(sim.faults.current().failTasks).toBeUndefined();
    const second = await client.request('POST', '/nodes/pve1/qemu/9000/clone', { auth: TOKEN_AUTH, form: { newid: 101, full: 1 } });
    expect((await client.waitTask('pve1', second.json!.data as string)).exitstatus).toBe('OK');
  });
});

describe('faults set at run time', () => {
  let sim: RunningSimulator;
  let client: SimClient;
  let agent: Agent;
  beforeAll(async () => {
    sim = await startProxmoxSimulator({ taskSpeed: 0.02 });
    client = new SimClient(sim);
    agent = new Agent({ connect: { ca: sim.caPem } });
  });
  afterAll(async () => {
    await agent.close();
    await client.close();
    await sim.stop();
  });

  test('error rate 1 answers every API call with a transient 500/503, but spares the login', async () => {
    const set = await admin(sim, agent, 'PUT', '/_sim/faults', { errorRate: 1 });
    expect(set).toEqual({ status: 200, body: { errorRate: 1 } });
    const statuses = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const res = await client.request('GET', '/version', { auth: TOKEN_AUTH });
      statuses.add(res.status);
      expect(res.contentType).toBe('application/json;charset=UTF-8');
      expect(res.json!.data).toBeNull();
    }
    expect([...statuses].sort()).toEqual([500, 503]);
    expect((await client.request('POST', '/access/ticket', { form: { username: 'root@pam', password: 'cozy-sandbox-root' } })).status).toBe(200);
    await admin(sim, agent, 'DELETE', '/_sim/faults');
    expect((await client.request('GET', '/version', { auth: TOKEN_AUTH })).status).toBe(200);
  });

  test('error rate 0.3 fails roughly that share of requests', async () => {
    sim.faults.set({ errorRate: 0.3 });
    let failed = 0;
    for (let i = 0; i < 400; i++) if ((await client.request('GET', '/version', { auth: TOKEN_AUTH })).status !== 200) failed++;
    sim.faults.clear();
    expect(failed).toBeGreaterThan(400 * 0.3 * 0.6);
    expect(failed).toBeLessThan(400 * 0.3 * 1.4);
  });

  test('expireTickets: existing tickets get 401 as expired ones do; a new login works', async () => {
    const old = await client.login();
    expect((await client.request('GET', '/nodes', { auth: old })).status).toBe(200);
    await admin(sim, agent, 'PUT', '/_sim/faults', { expireTickets: true });
    const refused = await client.request('GET', '/nodes', { auth: old });
    expect([refused.status, refused.reason, refused.text]).toEqual([401, 'permission denied - invalid PVE ticket', '']);
    const renewal = await client.request('POST', '/access/ticket', { form: { username: 'root@pam', password: old.cookie! } });
    expect(renewal.status).toBe(401);
    const fresh = await client.login();
    expect((await client.request('GET', '/nodes', { auth: fresh })).status).toBe(200);
    expect((await client.request('GET', '/nodes', { auth: TOKEN_AUTH })).status).toBe(200);
  });

  test('failTasks through the admin endpoint hits only the named type and counts down', async () => {
    await admin(sim, agent, 'PUT', '/_sim/faults', { failTasks: { type: 'qmstart', count: 2, message: 'start failed: QEMU exited with code 1' } });
    expect((await admin(sim, agent, 'GET', '/_sim/faults')).body.failTasks).toEqual({ type: 'qmstart', count: 2, message: 'start failed: QEMU exited with code 1' });
    const clone = await client.request('POST', '/nodes/pve1/qemu/9000/clone', { auth: TOKEN_AUTH, form: { newid: 102 } });
    expect((await client.waitTask('pve1', clone.json!.data as string)).exitstatus).toBe('OK');
    const results: string[] = [];
    for (let i = 0; i < 3; i++) {
      const start = await client.request('POST', '/nodes/pve1/qemu/102/status/start', { auth: TOKEN_AUTH });
      results.push((await client.waitTask('pve1', start.json!.data as string)).exitstatus!);
    }
    expect(results).toEqual(['start failed: QEMU exited with code 1', 'start failed: QEMU exited with code 1', 'OK']);
  });

  test('warnTasks: the task ends with WARNINGS: 1 and a warning in its log', async () => {
    sim.faults.set({ warnTasks: { type: 'qmstop', message: 'guest did not release its memory balloon' } });
    const stop = await client.request('POST', '/nodes/pve1/qemu/102/status/stop', { auth: TOKEN_AUTH });
    expect((await client.waitTask('pve1', stop.json!.data as string)).exitstatus).toBe('WARNINGS: 1');
    expect((await client.taskLog('pve1', stop.json!.data as string)).slice(-2)).toEqual(['WARN: guest did not release its memory balloon', 'TASK WARNINGS: 1']);
    expect(sim.faults.current().warnTasks).toBeUndefined();
  });

  test('the admin endpoint rejects unknown faults and reports state and requests', async () => {
    const bad = await admin(sim, agent, 'PUT', '/_sim/faults', { errorRate: 2 });
    expect(bad).toEqual({ status: 400, body: { error: 'errorRate must be a number between 0 and 1' } });
    const state = await admin(sim, agent, 'GET', '/_sim/state');
    expect((state.body.vms as Array<{ vmid: number }>).map((v) => v.vmid).sort()).toEqual([102, 811, 9000]);
    const requests = await admin(sim, agent, 'GET', '/_sim/requests?limit=5');
    expect(requests.body.count).toBe(sim.requestCount());
    expect((requests.body.recent as unknown[]).length).toBe(5);
  });
});
