// Worker tasks and locks: UPIDs, running -> stopped with exit status and log, realistic (scaled) durations, the
// `lock: clone` on a VM being cloned, shared source locks for templates and exclusive ones for running VMs.
import type { RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { suiteSimulator, TOKEN_AUTH, type Credentials, type SimClient } from './helpers';

let sim: RunningSimulator;
let client: SimClient;
/** root@pam's ticket, for what the integration's token may not do (network, guest agent). */
let root: Credentials;

const SPEED = 0.05;

suiteSimulator(SPEED, (f) => ({ sim, client, root } = f));

async function post(path: string, form: Record<string, string | number> = {}) {
  return client.request('POST', path, { auth: TOKEN_AUTH, form });
}

async function startTask(path: string, form: Record<string, string | number> = {}): Promise<string> {
  const res = await post(path, form);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.reason}`);
  return res.json!.data as string;
}

test('a clone task: UPID, running then stopped with OK, log ending in TASK OK, duration scaled from realistic', async () => {
  const began = Date.now();
  const upid = await startTask('/nodes/pve1/qemu/9000/clone', { newid: 110, name: 'lifecycle', full: 1 });
  const parts = upid.split(':');
  expect(parts).toHaveLength(9);
  expect(parts[0]).toBe('UPID');
  expect(parts[1]).toBe('pve1');
  expect(parts.slice(2, 5).every((p) => /^[0-9A-F]{8}$/.test(p))).toBe(true);
  expect(parts.slice(5)).toEqual(['qmclone', '9000', 'root@pam!cozy', '']);

  const running = await client.get<Record<string, unknown>>(`/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`);
  expect(running).toMatchObject({ upid, node: 'pve1', type: 'qmclone', id: '9000', user: 'root@pam!cozy', status: 'running' });
  expect(running.exitstatus).toBeUndefined();

  const done = await client.waitTask('pve1', upid);
  const elapsed = Date.now() - began;
  expect(done.exitstatus).toBe('OK');
  // A full copy of 32 GiB takes about 8.5 s on a real thin pool; scaled by 0.05 that is about 425 ms.
  expect(elapsed).toBeGreaterThanOrEqual(8.5 * 1000 * SPEED * 0.8);
  const log = await client.taskLog('pve1', upid);
  expect(log[0]).toBe('create full clone of drive ide2 (local-lvm:vm-9000-cloudinit)');
  expect(log).toContain('transferred 32.0 GiB of 32.0 GiB (100.00%)');
  expect(log[log.length - 1]).toBe('TASK OK');

  const list = await client.get<Array<Record<string, unknown>>>('/nodes/pve1/tasks?typefilter=qmclone');
  expect(list[0]).toMatchObject({ upid, status: 'OK', type: 'qmclone' });
  expect(typeof list[0].endtime).toBe('number');
});

test('a VM being cloned carries lock "clone"; calls on it wait for the config lock as on a real node', async () => {
  sim.setTaskSpeed(0.2);
  try {
    const began = Date.now();
    const upid = await startTask('/nodes/pve1/qemu/9000/clone', { newid: 111, full: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect((await client.get<Record<string, unknown>>('/nodes/pve1/qemu/111/config')).lock).toBe('clone');
    const listed = await client.get<Array<Record<string, unknown>>>('/nodes/pve1/qemu');
    expect(listed.find((v) => v.vmid === 111)?.lock).toBe('clone');
    // The copy (8.5 s realistic) ends before the 10 s lock timeout: the change waits, then applies.
    const put = await client.request('PUT', '/nodes/pve1/qemu/111/config', { auth: TOKEN_AUTH, form: { cores: 8 } });
    expect(put.status).toBe(200);
    expect(Date.now() - began).toBeGreaterThanOrEqual(8.5 * 1000 * 0.2 * 0.8);
    expect((await client.waitTask('pve1', upid)).exitstatus).toBe('OK');
    const config = await client.get<Record<string, unknown>>('/nodes/pve1/qemu/111/config');
    expect(config.lock).toBeUndefined();
    expect(config.cores).toBe(8);
  } finally {
    sim.setTaskSpeed(SPEED);
  }
});

test('a start while a long clone holds the lock times out; a leftover config lock refuses with "VM is locked"', async () => {
  expect((await client.waitTask('pve1', await startTask('/nodes/pve1/qemu/9000/clone', { newid: 170, full: 1 }))).exitstatus).toBe('OK');
  const grow = await client.request('PUT', '/nodes/pve1/qemu/170/resize', { auth: TOKEN_AUTH, form: { disk: 'scsi0', size: '100G' } });
  expect((await client.waitTask('pve1', grow.json!.data as string)).exitstatus).toBe('OK');
  // Copying 100 GiB takes about 25 s realistic, longer than the 10 s a start waits for the lock.
  const clone = await startTask('/nodes/pve1/qemu/170/clone', { newid: 171, full: 1 });
  await new Promise((r) => setTimeout(r, 100));
  const start = await startTask('/nodes/pve1/qemu/171/status/start');
  expect((await client.waitTask('pve1', start)).exitstatus).toBe("can't lock file '/var/lock/qemu-server/lock-171.conf' - got timeout");
  expect((await client.waitTask('pve1', clone)).exitstatus).toBe('OK');

  sim.state.vms.get(171)!.config.lock = 'clone';
  const locked = await startTask('/nodes/pve1/qemu/171/status/start');
  expect((await client.waitTask('pve1', locked)).exitstatus).toBe('VM is locked (clone)');
  expect((await client.taskLog('pve1', locked)).pop()).toBe('TASK ERROR: VM is locked (clone)');
  const put = await client.request('PUT', '/nodes/pve1/qemu/171/config', { auth: TOKEN_AUTH, form: { cores: 2 } });
  expect([put.status, put.reason, put.json!.message]).toEqual([500, 'VM is locked (clone)', 'VM is locked (clone)\n']);
  delete sim.state.vms.get(171)!.config.lock;
});

test('two clones of one template run side by side (shared lock on a template)', async () => {
  sim.setTaskSpeed(0.2);
  try {
    const a = await startTask('/nodes/pve1/qemu/9000/clone', { newid: 120, full: 1 });
    const b = await startTask('/nodes/pve1/qemu/9000/clone', { newid: 121, full: 1 });
    await new Promise((r) => setTimeout(r, 300));
    const both = await Promise.all([a, b].map((u) => client.get<{ status: string }>(`/nodes/pve1/tasks/${encodeURIComponent(u)}/status`)));
    expect(both.map((s) => s.status)).toEqual(['running', 'running']);
    const results = await Promise.all([a, b].map((u) => client.waitTask('pve1', u)));
    expect(results.map((r) => r.exitstatus)).toEqual(['OK', 'OK']);
    const content = await client.get<Array<{ volid: string }>>('/nodes/pve1/storage/local-lvm/content?vmid=120');
    expect(content.map((c) => c.volid).sort()).toEqual(['local-lvm:vm-120-cloudinit', 'local-lvm:vm-120-disk-0']);
  } finally {
    sim.setTaskSpeed(SPEED);
  }
});

test('two clones of a running VM: the second cannot get the exclusive lock within 1 s', async () => {
  await client.waitTask('pve1', await startTask('/nodes/pve1/qemu/9000/clone', { newid: 130, full: 1 }));
  await client.waitTask('pve1', await startTask('/nodes/pve1/qemu/130/status/start'));
  sim.setTaskSpeed(0.4); // the copy now takes about 3.4 s, longer than the 1 s lock timeout
  try {
    const first = await startTask('/nodes/pve1/qemu/130/clone', { newid: 131 });
    const second = await startTask('/nodes/pve1/qemu/130/clone', { newid: 132 });
    const [r1, r2] = await Promise.all([client.waitTask('pve1', first), client.waitTask('pve1', second)]);
    expect(r1.exitstatus).toBe('OK');
    expect(r2.exitstatus).toBe("can't lock file '/var/lock/qemu-server/lock-130.conf' - got timeout");
    const missing = await client.request('GET', '/nodes/pve1/qemu/132/config', { auth: TOKEN_AUTH });
    expect(missing.status).toBe(500);
  } finally {
    sim.setTaskSpeed(SPEED);
  }
});

test('a linked clone of a template refuses a target storage, and a running VM refuses destruction', async () => {
  const linkedWithStorage = await post('/nodes/pve1/qemu/9000/clone', { newid: 140, full: 0, storage: 'local-lvm' });
  expect([linkedWithStorage.status, linkedWithStorage.json!.message]).toEqual([500, "parameter 'storage' not allowed for linked clones\n"]);
  const linked = await startTask('/nodes/pve1/qemu/9000/clone', { newid: 140 });
  expect((await client.waitTask('pve1', linked)).exitstatus).toBe('OK');
  expect((await client.get<Record<string, string>>('/nodes/pve1/qemu/140/config')).scsi0).toBe('local-lvm:base-9000-disk-0/vm-140-disk-0,size=32G');

  const destroyRunning = await client.request('DELETE', '/nodes/pve1/qemu/130', { auth: TOKEN_AUTH });
  expect([destroyRunning.status, destroyRunning.json!.message]).toEqual([500, 'VM 130 is running - destroy failed\n']);
  const templateStart = await startTask('/nodes/pve1/qemu/9000/status/start');
  expect((await client.waitTask('pve1', templateStart)).exitstatus).toBe("you can't start a vm if it's a template");
});

test('stop, then destroy: volumes are freed and the VMID is free again', async () => {
  expect((await client.waitTask('pve1', await startTask('/nodes/pve1/qemu/130/status/stop'))).exitstatus).toBe('OK');
  expect((await client.get<{ status: string }>('/nodes/pve1/qemu/130/status/current')).status).toBe('stopped');
  const del = await client.request('DELETE', '/nodes/pve1/qemu/130', { auth: TOKEN_AUTH });
  expect((await client.waitTask('pve1', del.json!.data as string)).exitstatus).toBe('OK');
  expect(await client.get<unknown[]>('/nodes/pve1/storage/local-lvm/content?vmid=130')).toEqual([]);
  const next = await client.get<string>('/cluster/nextid?vmid=130');
  expect(next).toBe('130');
});

test('stopping a running task ends it with "interrupted by signal" and removes the half-made clone', async () => {
  sim.setTaskSpeed(0.5);
  try {
    const upid = await startTask('/nodes/pve1/qemu/9000/clone', { newid: 160, full: 1 });
    await new Promise((r) => setTimeout(r, 200));
    const del = await client.request('DELETE', `/nodes/pve1/tasks/${encodeURIComponent(upid)}`, { auth: TOKEN_AUTH });
    expect(del.status).toBe(200);
    expect((await client.waitTask('pve1', upid)).exitstatus).toBe('clone failed: interrupted by signal');
    expect((await client.request('GET', '/nodes/pve1/qemu/160/config', { auth: TOKEN_AUTH })).status).toBe(500);
  } finally {
    sim.setTaskSpeed(SPEED);
  }
});

test('network changes are pending until a reload task applies them', async () => {
  const create = await client.request('POST', '/nodes/pve1/network', { auth: root, form: { iface: 'vmbr1', type: 'bridge', autostart: 1, cidr: '10.10.0.1/24' } });
  expect(create.status).toBe(200);
  const dup = await client.request('POST', '/nodes/pve1/network', { auth: root, form: { iface: 'vmbr1', type: 'bridge' } });
  expect([dup.status, dup.json!.errors]).toEqual([400, { iface: 'interface already exists' }]);
  const before = await client.request('GET', '/nodes/pve1/network?type=bridge', { auth: root });
  expect(before.json!.changes).toContain('+iface vmbr1');
  expect((before.json!.data as Array<Record<string, unknown>>).find((i) => i.iface === 'vmbr1')?.active).toBe(0);
  const reload = await client.request('PUT', '/nodes/pve1/network', { auth: root });
  expect(reload.json!.data).toMatch(/:srvreload:networking:/);
  expect((await client.waitTask('pve1', reload.json!.data as string, root)).exitstatus).toBe('OK');
  const after = await client.request('GET', '/nodes/pve1/network/vmbr1', { auth: root });
  expect(after.json!.data).toMatchObject({ iface: 'vmbr1', type: 'bridge', active: 1, cidr: '10.10.0.1/24', address: '10.10.0.1', netmask: '255.255.255.0' });
});

test('disks: allocate, inspect, resize through a VM, delete', async () => {
  const alloc = await post('/nodes/pve1/storage/local-lvm/content', { vmid: 9999, filename: 'vm-9999-disk-0', size: '10G' });
  expect(alloc.json!.data).toBe('local-lvm:vm-9999-disk-0');
  const again = await post('/nodes/pve1/storage/local-lvm/content', { vmid: 9999, filename: 'vm-9999-disk-0', size: '10G' });
  expect([again.status, again.json!.message]).toEqual([500, "volume 'local-lvm:vm-9999-disk-0' already exists\n"]);
  expect(await client.get('/nodes/pve1/storage/local-lvm/content/local-lvm:vm-9999-disk-0')).toMatchObject({ size: 10 * 1024 ** 3, format: 'raw', path: '/dev/pve/vm-9999-disk-0' });
  const resize = await client.request('PUT', '/nodes/pve1/qemu/110/resize', { auth: TOKEN_AUTH, form: { disk: 'scsi0', size: '+8G' } });
  expect((await client.waitTask('pve1', resize.json!.data as string)).exitstatus).toBe('OK');
  expect((await client.get<Record<string, string>>('/nodes/pve1/qemu/110/config')).scsi0).toBe('local-lvm:vm-110-disk-0,size=40G');
  const shrink = await client.request('PUT', '/nodes/pve1/qemu/110/resize', { auth: TOKEN_AUTH, form: { disk: 'scsi0', size: '20G' } });
  expect((await client.waitTask('pve1', shrink.json!.data as string)).exitstatus).toBe('shrinking disks is not supported');
  const del = await client.request('DELETE', '/nodes/pve1/storage/local-lvm/content/local-lvm:vm-9999-disk-0', { auth: TOKEN_AUTH });
  expect((await client.waitTask('pve1', del.json!.data as string)).exitstatus).toBe('OK');
  expect((await client.request('GET', '/nodes/pve1/storage/local-lvm/content/vm-9999-disk-0', { auth: TOKEN_AUTH })).status).toBe(500);
});

test('the guest agent answers some (scaled) seconds after boot', async () => {
  await client.waitTask('pve1', await startTask('/nodes/pve1/qemu/110/status/start'));
  const early = await client.request('GET', '/nodes/pve1/qemu/110/agent/network-get-interfaces', { auth: root });
  expect([early.status, early.json!.message]).toEqual([500, 'QEMU guest agent is not running\n']);
  await new Promise((r) => setTimeout(r, 8000 * SPEED + 100));
  const ifaces = await client.get<{ result: Array<{ name: string; 'ip-addresses': Array<{ 'ip-address': string }> }> }>('/nodes/pve1/qemu/110/agent/network-get-interfaces', root);
  expect(ifaces.result.map((i) => i.name)).toEqual(['lo', 'eth0']);
  expect(ifaces.result[1]['ip-addresses'][0]['ip-address']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
});
