// The npm package `proxmox-api`, unchanged, against the simulator: it accepts only Content-Type exactly
// "application/json;charset=UTF-8", wants token secrets as lowercase UUIDs and logs in again only on the 401 reason
// of an invalid ticket. Its `fetch` option is given an undici dispatcher that trusts the simulator's CA.
import proxmoxApi from 'proxmox-api';
import { Agent, fetch, type RequestInit } from 'undici';
import { DEFAULT_ROOT_PASSWORD, DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';

let sim: RunningSimulator;
let agent: Agent;

const trustingFetch = (url: string | URL, init?: RequestInit) => fetch(url, { ...init, dispatcher: agent });

beforeAll(async () => {
  sim = await startProxmoxSimulator({ taskSpeed: 0.02 });
  agent = new Agent({ connect: { ca: sim.caPem } });
});

afterAll(async () => {
  await agent.close();
  await sim.stop();
});

async function waitForTask(api: ReturnType<typeof proxmoxApi>, node: string, upid: string): Promise<{ status: string; exitstatus?: string }> {
  for (;;) {
    const status = await api.nodes.$(node).tasks.$(upid).status.$get();
    if (status.status === 'stopped') return status;
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('ticket login, list nodes, clone a template and wait for the task', async () => {
  const api = proxmoxApi({ host: '127.0.0.1', port: sim.port, username: 'root@pam', password: DEFAULT_ROOT_PASSWORD, fetch: trustingFetch });
  const nodes = await api.nodes.$get();
  expect(nodes.map((n) => n.node)).toEqual(['pve1']);
  const version = await api.version.$get();
  expect(version.version).toBe('8.2.4');

  const upid = await api.nodes.$('pve1').qemu.$(9000).clone.$post({ newid: 201, name: 'capi-worker-1', full: true, storage: 'local-lvm' });
  expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmclone:9000:root@pam:$/);
  const status = await waitForTask(api, 'pve1', upid);
  expect(status.exitstatus).toBe('OK');

  const config = await api.nodes.$('pve1').qemu.$(201).config.$get();
  expect(config.name).toBe('capi-worker-1');
  expect(config.scsi0).toMatch(/^local-lvm:vm-201-disk-0,size=32G$/);
  await api.nodes.$('pve1').qemu.$(201).config.$put({ cores: 4, memory: '8192' });
  const started = await api.nodes.$('pve1').qemu.$(201).status.start.$post();
  expect((await waitForTask(api, 'pve1', started)).exitstatus).toBe('OK');
  expect((await api.nodes.$('pve1').qemu.$(201).status.current.$get()).status).toBe('running');
});

test('token authentication with privilege separation', async () => {
  const api = proxmoxApi({ host: '127.0.0.1', port: sim.port, tokenID: DEFAULT_TOKEN_ID, tokenSecret: DEFAULT_TOKEN_SECRET, fetch: trustingFetch });
  const perms = await api.access.permissions.$get({ path: '/vms' });
  expect(Object.keys(perms['/vms'])).toEqual(expect.arrayContaining(['VM.Clone', 'VM.Allocate', 'VM.PowerMgmt']));
  const storages = await api.nodes.$('pve1').storage.$get({ content: 'images' });
  expect(storages.map((s) => s.storage)).toEqual(['local-lvm']);
});

test('an expired ticket makes the client log in again by itself', async () => {
  const api = proxmoxApi({ host: '127.0.0.1', port: sim.port, username: 'root@pam', password: DEFAULT_ROOT_PASSWORD, fetch: trustingFetch });
  await api.version.$get();
  const loginsBefore = (await (await fetch(`${sim.url}/_sim/requests?limit=2000`, { dispatcher: agent })).json() as { recent: Array<{ path: string }> }).recent.filter((r) => r.path.endsWith('/access/ticket')).length;
  sim.faults.set({ expireTickets: true });
  const nodes = await api.nodes.$get();
  expect(nodes).toHaveLength(1);
  const recent = (await (await fetch(`${sim.url}/_sim/requests?limit=2000`, { dispatcher: agent })).json() as { recent: Array<{ path: string; status: number }> }).recent;
  expect(recent.filter((r) => r.path.endsWith('/access/ticket')).length).toBe(loginsBefore + 1);
  expect(recent.some((r) => r.status === 401)).toBe(true);
  sim.faults.clear();
});

test('the guest agent of the VM started above: get-osinfo, exec and exec-status, network-get-interfaces', async () => {
  const api = proxmoxApi({ host: '127.0.0.1', port: sim.port, username: 'root@pam', password: DEFAULT_ROOT_PASSWORD, fetch: trustingFetch });
  const vm = api.nodes.$('pve1').qemu.$(201);
  let osinfo: { result?: Record<string, string> } | undefined;
  for (let i = 0; i < 100 && !osinfo; i++) {
    osinfo = await vm.agent['get-osinfo'].$get().catch(async (err: Error) => {
      expect(err.message).toContain('500 QEMU guest agent is not running');
      await new Promise((r) => setTimeout(r, 20));
      return undefined;
    });
  }
  expect(osinfo!.result).toMatchObject({ id: 'ubuntu', 'version-id': '24.04' });
  // proxmox-api sends an array as repeated form fields: a one-element command is what arrives intact.
  const { pid } = await vm.agent.exec.$post({ command: ['hostname'] });
  let status: { exited: boolean | number; exitcode?: number; 'out-data'?: string };
  do status = await vm.agent['exec-status'].$get({ pid });
  while (!status.exited);
  expect([status.exitcode, status['out-data']]).toEqual([0, 'capi-worker-1\n']);
  const ifaces = await vm.agent['network-get-interfaces'].$get();
  expect((ifaces as { result: Array<{ name: string }> }).result.map((i) => i.name)).toEqual(['lo', 'eth0']);
  // Resuming a running VM that nothing paused is a task that changes nothing.
  const resumed = await vm.status.resume.$post();
  expect((await waitForTask(api, 'pve1', resumed)).exitstatus).toBe('OK');
});
