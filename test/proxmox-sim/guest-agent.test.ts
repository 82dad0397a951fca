// The simulated guest as CAPMOX meets it: a NoCloud seed ISO uploaded and attached as ide0, the VM started, the
// guest agent answering after the (scaled) boot time, `cloud-init status` through agent exec / exec-status going from
// running to done, the address of the seed's network-config in network-get-interfaces; and the agent's refusals.
import { defaultSeedInput, startProxmoxSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { AGENT_START_SECONDS, CLOUD_INIT_SECONDS } from '../../packages/sandbox/src/proxmox-sim/guest';
import { SimClient, suiteSimulator, TOKEN_AUTH, type Credentials, type RawResponse } from './helpers';
import { makeIso } from './support/iso-image';
import { upload } from './support/upload-client';

const SPEED = 0.1;
let client: SimClient;
/** root@pam's ticket (the tests also make VMs the token could not). */
let root: Credentials;

suiteSimulator(SPEED, (f) => ({ client, root } = f));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ok(res: RawResponse): Promise<unknown> {
  if (res.status !== 200) throw new Error(`${res.status} ${res.reason}`);
  const data = res.json!.data;
  if (typeof data === 'string' && data.startsWith('UPID:')) expect((await client.waitTask('pve1', data, root)).exitstatus).toBe('OK');
  return data;
}

const macOf = (vmid: number) => `bc:24:11:00:01:${String(vmid % 100).padStart(2, '0')}`;

/** A clone of the template with a known MAC, its seed ISO uploaded and attached as CAPMOX attaches it (ide0). */
async function vmWithSeed(vmid: number, files: Record<string, string>): Promise<void> {
  await ok(await client.request('POST', '/nodes/pve1/qemu/9000/clone', { auth: root, form: { newid: vmid, name: `worker-${vmid}` } }));
  await ok(await client.request('POST', `/nodes/pve1/qemu/${vmid}/config`, { auth: root, form: { net0: `virtio=${macOf(vmid).toUpperCase()},bridge=vmbr0` } }));
  await ok(await upload(client, 'pve1', 'local', root, { content: 'iso' }, { filename: `user-data-${vmid}.iso`, data: makeIso(files, 'cidata') }));
  await ok(await client.request('POST', `/nodes/pve1/qemu/${vmid}/config`, { auth: root, json: { ide0: `local:iso/user-data-${vmid}.iso,media=cdrom`, boot: 'order=scsi0;net0;ide0' } }));
}

/** What CAPMOX renders: its bootstrap data as user-data, its metadata template, a netplan v2 network-config. */
function capmoxSeed(vmid: number, userData = '#cloud-config\nruncmd:\n  - kubeadm join\n'): Record<string, string> {
  const mac = macOf(vmid);
  return {
    'user-data': userData,
    'meta-data': `instance-id: 8c3b2a10-${vmid}\nlocal-hostname: worker-${vmid}\nhostname: worker-${vmid}\nprovider-id: proxmox://8c3b2a10-${vmid}\n`,
    'network-config': `network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth0:\n      match:\n        macaddress: ${mac}\n      dhcp4: false\n      dhcp6: false\n      addresses:\n        - 10.10.0.${vmid % 200}/24\n      routes:\n        - to: 0.0.0.0/0\n          via: 10.10.0.1\n      nameservers:\n        addresses:\n          - '10.10.0.1'\n`,
  };
}

const agent = (vmid: number, call: string, opts: { method?: string; json?: unknown; auth?: Credentials } = {}) =>
  client.request(opts.method ?? 'GET', `/nodes/pve1/qemu/${vmid}/agent/${call}`, { auth: opts.auth ?? root, json: opts.json });

/** go-proxmox's AgentExec + WaitForAgentExecExit: exec, then poll exec-status until exited. */
async function run(vmid: number, command: string[]): Promise<{ exitcode: number; out: string; err: string }> {
  const { pid } = (await ok(await agent(vmid, 'exec', { method: 'POST', json: { command, 'input-data': '' } }))) as { pid: number };
  for (;;) {
    const status = (await ok(await agent(vmid, `exec-status?pid=${pid}`))) as { exited: number; exitcode?: number; 'out-data'?: string; 'err-data'?: string };
    if (status.exited) {
      const again = await agent(vmid, `exec-status?pid=${pid}`);
      expect([again.status, again.json!.message]).toEqual([500, "Agent error: Invalid parameter 'pid'\n"]);
      return { exitcode: status.exitcode!, out: status['out-data'] ?? '', err: status['err-data'] ?? '' };
    }
    await sleep(20);
  }
}

async function untilAgent(vmid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await agent(vmid, 'get-osinfo');
    if (res.status === 200) return;
    expect([res.status, res.json!.message]).toEqual([500, 'QEMU guest agent is not running\n']);
    await sleep(20);
  }
  throw new Error('the agent never answered');
}

test('a VM booting from a CAPMOX seed: agent after boot, cloud-init running then done, the static address', async () => {
  await vmWithSeed(130, capmoxSeed(130));
  const mac = macOf(130);
  const started = Date.now();
  await ok(await client.request('POST', '/nodes/pve1/qemu/130/status/start', { auth: root }));
  const early = await agent(130, 'exec', { method: 'POST', json: { command: ['cloud-init', 'status'] } });
  expect([early.status, early.reason]).toEqual([500, 'QEMU guest agent is not running']);
  await untilAgent(130);
  expect(Date.now() - started).toBeGreaterThanOrEqual(AGENT_START_SECONDS * 1000 * SPEED - 50);
  expect(((await ok(await agent(130, 'get-osinfo'))) as { result: Record<string, string> }).result).toMatchObject({ id: 'ubuntu', 'pretty-name': 'Ubuntu 24.04.1 LTS', 'version-id': '24.04' });

  expect(await run(130, ['cloud-init', 'status'])).toEqual({ exitcode: 0, out: 'status: running\n', err: '' });
  await sleep(CLOUD_INIT_SECONDS * 1000 * SPEED + 50);
  expect(await run(130, ['cloud-init', 'status'])).toEqual({ exitcode: 0, out: 'status: done\n', err: '' });
  const json = JSON.parse((await run(130, ['/usr/bin/cloud-init', 'status', '--format', 'json'])).out);
  expect(json).toMatchObject({ status: 'done', extended_status: 'done', datasource: 'nocloud', detail: 'DataSourceNoCloud [seed=/dev/sr0]', errors: [], recoverable_errors: {}, stage: null });
  expect((await run(130, ['hostname'])).out).toBe('worker-130\n');

  const ifaces = ((await ok(await agent(130, 'network-get-interfaces'))) as { result: Array<{ name: string; 'hardware-address': string; 'ip-addresses': Array<{ 'ip-address': string; prefix: number }> }> }).result;
  expect(ifaces.map((i) => i.name)).toEqual(['lo', 'ens18']);
  expect(ifaces[1]['hardware-address']).toBe(mac);
  expect(ifaces[1]['ip-addresses'].map((a) => `${a['ip-address']}/${a.prefix}`)).toEqual(['10.10.0.130/24', expect.stringMatching(/^fe80::be24:11ff:fe00:1[0-9a-f]{2}\/64$/)]);
});

test('cloud-init status --wait exits when cloud-init is done; --long tells the stage detail', async () => {
  await vmWithSeed(131, capmoxSeed(131));
  await ok(await client.request('POST', '/nodes/pve1/qemu/131/status/start', { auth: root }));
  await untilAgent(131);
  const waited = await run(131, ['cloud-init', 'status', '--wait', '--long']);
  expect(waited.exitcode).toBe(0);
  expect(waited.out).toMatch(/^\.+\nstatus: done\nextended_status: done\nboot_status_code: enabled-by-generator\nlast_update: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000\ndetail: DataSourceNoCloud \[seed=\/dev\/sr0\]\nerrors: \[\]\nrecoverable_errors: \{\}\n$/);
});

test('user-data cloud-init cannot handle ends in "degraded done", exit code 2 (CAPMOX: cloud-init failed)', async () => {
  await vmWithSeed(132, capmoxSeed(132, '{"ignition":{"version":"3.4.0"}}'));
  await ok(await client.request('POST', '/nodes/pve1/qemu/132/status/start', { auth: root }));
  await untilAgent(132);
  await sleep(CLOUD_INIT_SECONDS * 1000 * SPEED + 50);
  expect(await run(132, ['cloud-init', 'status'])).toEqual({ exitcode: 2, out: 'status: done\n', err: '' });
  const long = await run(132, ['cloud-init', 'status', '-l']);
  expect(long.out).toContain('extended_status: degraded done\n');
  expect(long.out).toContain("recoverable_errors:\nWARNING:\n\t- Unhandled non-multipart (text/x-not-multipart) userdata: 'b'{\\\"ignition\\\":{\\\"version\\\":\\\"...'\n");
});

test('what the agent refuses: no agent, a stopped VM, a program the image lacks, a bad cloud-init option', async () => {
  await ok(await client.request('POST', '/nodes/pve1/qemu', { auth: root, form: { vmid: 140, name: 'no-agent', net0: 'virtio,bridge=vmbr0' } }));
  const none = await agent(140, 'get-osinfo');
  expect([none.status, none.json!.message]).toEqual([500, 'No QEMU guest agent configured\n']);
  const stopped = await agent(130, 'get-osinfo');
  expect(stopped.status).toBe(200);
  await ok(await client.request('POST', '/nodes/pve1/qemu/130/status/stop', { auth: root }));
  const down = await agent(130, 'network-get-interfaces');
  expect([down.status, down.json!.message]).toEqual([500, 'VM 130 is not running\n']);

  const missing = await agent(131, 'exec', { method: 'POST', json: { command: ['kubeadm', 'version'] } });
  expect([missing.status, missing.json!.message]).toEqual([500, "Agent error: Guest agent command failed, error was 'Failed to execute child process \u201ckubeadm\u201d (No such file or directory)'\n"]);
  const unknownPid = await agent(131, 'exec-status?pid=99999');
  expect([unknownPid.status, unknownPid.json!.message]).toEqual([500, "Agent error: Invalid parameter 'pid'\n"]);
  const noCommand = await agent(131, 'exec', { method: 'POST', json: {} });
  expect([noCommand.status, noCommand.json!.errors]).toEqual([400, { command: 'property is missing and it is not optional' }]);
  const bad = await run(131, ['cloud-init', 'status', '--format', 'xml']);
  expect(bad.exitcode).toBe(2);
  expect(bad.err).toContain("error: argument --format: invalid choice: 'xml' (choose from 'json', 'tabular', 'yaml')");
});

test('PVE 8 checks VM.Monitor for the agent calls: the default token (CAPMOX\'s privileges) has it, one without is refused', async () => {
  const res = await agent(131, 'exec', { method: 'POST', json: { command: ['cloud-init', 'status'] }, auth: TOKEN_AUTH });
  expect(res.status).toBe(200);
  const seed = defaultSeedInput();
  seed.roles = seed.roles?.map((r) => ({ ...r, privs: r.privs.filter((p) => p !== 'VM.Monitor') }));
  const limited = await startProxmoxSimulator({ taskSpeed: SPEED, seed });
  const limitedClient = new SimClient(limited);
  try {
    const refused = await limitedClient.request('POST', '/nodes/pve1/qemu/811/agent/exec', { auth: TOKEN_AUTH, json: { command: ['cloud-init', 'status'] } });
    expect([refused.status, refused.json!.message]).toEqual([403, 'Permission check failed (/vms/811, VM.Monitor)\n']);
  } finally {
    await limitedClient.close();
    await limited.stop();
  }
});

test('an ISO deleted while attached stops the next start; a VM on Proxmox\'s own cloud-init drive boots too', async () => {
  await ok(await client.request('DELETE', '/nodes/pve1/storage/local/content/local:iso/user-data-130.iso', { auth: root }));
  const start = await client.request('POST', '/nodes/pve1/qemu/130/status/start', { auth: root });
  expect((await client.waitTask('pve1', start.json!.data as string, root)).exitstatus).toBe("volume 'local:iso/user-data-130.iso' does not exist");
  // CAPMOX unmounts its seed this way once the machine is ready.
  await ok(await client.request('POST', '/nodes/pve1/qemu/130/config', { auth: root, json: { ide0: 'none,media=cdrom' } }));
  await ok(await client.request('POST', '/nodes/pve1/qemu/130/config', { auth: root, form: { ipconfig0: 'ip=10.20.0.130/24,gw=10.20.0.1' } }));
  await ok(await client.request('POST', '/nodes/pve1/qemu/130/status/start', { auth: root }));
  await untilAgent(130);
  const ifaces = ((await ok(await agent(130, 'network-get-interfaces'))) as { result: Array<{ name: string; 'ip-addresses': Array<{ 'ip-address': string }> }> }).result;
  expect([ifaces[1].name, ifaces[1]['ip-addresses'][0]['ip-address']]).toEqual(['eth0', '10.20.0.130']);
  expect(JSON.parse((await run(130, ['cloud-init', 'status', '--format=json'])).out)).toMatchObject({ datasource: 'nocloud', detail: 'DataSourceNoCloud [seed=/dev/sr1]' });
});
