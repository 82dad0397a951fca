// Seeds: validation with paths in the errors, YAML files, and the fault scenarios the integration's checks meet.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { defaultSeed, parseSeed, SeedError, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { SimClient } from './helpers';

const seedFile = (name: string) => join(__dirname, 'seeds', name);

async function withSimulator<T>(seed: string, fn: (sim: RunningSimulator, client: SimClient) => Promise<T>): Promise<T> {
  const sim = await startProxmoxSimulator({ seed, taskSpeed: 0.02 });
  const client = new SimClient(sim);
  try {
    return await fn(sim, client);
  } finally {
    await client.close();
    await sim.stop();
  }
}

test('the default seed is valid and holds what the integration expects', () => {
  const seed = defaultSeed();
  expect(seed.nodes.map((n) => n.name)).toEqual(['pve1']);
  expect(seed.nodes[0].vms[0]).toMatchObject({ vmid: 9000, name: 'ubuntu-2204-cloudinit', template: true, agent: true, cloudinit: true });
  expect(seed.tokens[0]).toMatchObject({ id: 'root@pam!cozy', privsep: true });
});

test('errors name the path of each mistake', () => {
  const bad = {
    version: { version: 'eight' },
    nodes: [{ name: 'pve1', storages: [{ id: 'local', type: 'ceph', content: 'images', total: 10 }], vms: [{ vmid: 50, name: 'x', disks: [{ slot: 'scsi0', storage: 'missing', size: '1G' }] }] }],
    tokens: [{ id: 'ghost@pve!t', secret: 'NOT-A-UUID' }],
  };
  let message = '';
  try {
    parseSeed(bad);
  } catch (err) {
    expect(err).toBeInstanceOf(SeedError);
    message = (err as Error).message;
  }
  expect(message).toContain("version.version: a version such as '8.2.4'");
  expect(message).toContain('nodes.0.storages.0.type: Invalid enum value');
  expect(message).toContain('nodes.0.vms.0.vmid: Number must be greater than or equal to 100');
  expect(message).toContain('tokens.0.secret: a lowercase UUID');
});

test('a YAML file with a mistake is reported with the file name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seed-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'version: { version: 8.2.4 }\nnodes: []\n');
  await expect(startProxmoxSimulator({ seed: file })).rejects.toThrow(`invalid seed file ${file}:\n  nodes: Array must contain at least 1 element(s)`);
});

test('old version 6.4', () =>
  withSimulator(seedFile('old-pve-6.4.yaml'), async (_sim, client) => {
    const auth = await client.login('root@pam', 'old-root');
    expect(await client.get('/version', auth)).toEqual({ version: '6.4-13', release: '6.4', repoid: '9f411e79' });
    expect((await client.get<Array<{ node: string }>>('/nodes', auth)).map((n) => n.node)).toEqual(['pve-old']);
  }));

test('missing vmbr0: the bridge list lacks it and a clone wired to it cannot start', () =>
  withSimulator(seedFile('no-vmbr0.yaml'), async (_sim, client) => {
    const auth = await client.login('root@pam', 'secret');
    const bridges = await client.get<Array<{ iface: string }>>('/nodes/pve1/network?type=bridge', auth);
    expect(bridges.map((b) => b.iface)).toEqual(['vmbr1']);
    const clone = await client.request('POST', '/nodes/pve1/qemu/9000/clone', { auth, form: { newid: 100, full: 1 } });
    expect((await client.waitTask('pve1', clone.json!.data as string, auth)).exitstatus).toBe('OK');
    const start = await client.request('POST', '/nodes/pve1/qemu/100/status/start', { auth });
    expect((await client.waitTask('pve1', start.json!.data as string, auth)).exitstatus).toBe("bridge 'vmbr0' does not exist");
  }));

test('a certificate expiring in 5 days: reported by certificates/info and presented over TLS', () =>
  withSimulator(seedFile('cert-expiring.yaml'), async (sim, client) => {
    const auth = await client.login('root@pam', 'secret');
    const certs = await client.get<Array<Record<string, unknown>>>('/nodes/pve1/certificates/info', auth);
    expect(certs.map((c) => c.filename)).toEqual(['pve-root-ca.pem', 'pve-ssl.pem']);
    const ssl = certs[1];
    const days = ((ssl.notafter as number) - Date.now() / 1000) / 86_400;
    expect(days).toBeGreaterThan(4.9);
    expect(days).toBeLessThan(5.1);
    expect(ssl.subject).toBe('/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=pve1.example.test');
    expect(ssl.san).toEqual(expect.arrayContaining(['pve1.example.test', '127.0.0.1', 'localhost']));
    expect(ssl.fingerprint).toBe(sim.fingerprint);
    const agent = new Agent({ connect: { ca: sim.caPem } });
    try {
      const res = await fetch(`${sim.url}/api2/json/version`, { dispatcher: agent });
      expect(res.status).toBe(401);
    } finally {
      await agent.close();
    }
  }));

test('a token lacking VM.Clone: permissions show it, and a clone is refused with 403', () =>
  withSimulator(seedFile('token-without-clone.yaml'), async (_sim, client) => {
    const auth = { token: 'capi@pve!capmox=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' };
    const perms = await client.get<Record<string, Record<string, number>>>('/access/permissions?path=/vms/9000', auth);
    expect(perms['/vms/9000']['VM.Allocate']).toBe(1);
    expect(perms['/vms/9000']['VM.Clone']).toBeUndefined();
    const userPerms = await client.get<Record<string, Record<string, number>>>('/access/permissions?path=/vms/9000&userid=capi@pve', await client.login('capi@pve', 'capi-pass'));
    expect(userPerms['/vms/9000']['VM.Clone']).toBe(1);
    const clone = await client.request('POST', '/nodes/pve1/qemu/9000/clone', { auth, form: { newid: 100 } });
    expect([clone.status, clone.json!.message]).toEqual([403, 'Permission check failed (/vms/9000, VM.Clone)\n']);
    // PVE 8 checks VM.Monitor for the guest agent (PVE 9: VM.GuestAgent.*).
    const agent = await client.request('GET', '/nodes/pve1/qemu/9000/agent/network-get-interfaces', { auth });
    expect([agent.status, agent.json!.message]).toEqual([403, 'Permission check failed (/vms/9000, VM.Monitor)\n']);
  }));

test('a cluster of two nodes, one offline: status entries and 595 from the offline node', () =>
  withSimulator(seedFile('two-node-cluster.yaml'), async (_sim, client) => {
    const auth = await client.login('root@pam', 'secret');
    const status = await client.get<Array<Record<string, unknown>>>('/cluster/status', auth);
    expect(status).toEqual([
      { type: 'cluster', id: 'cluster', name: 'lab', nodes: 2, quorate: 0, version: 3 },
      { type: 'node', id: 'node/pve1', name: 'pve1', ip: '10.0.0.11', level: 'c', local: 1, nodeid: 1, online: 1 },
      { type: 'node', id: 'node/pve2', name: 'pve2', ip: '10.0.0.12', level: '', local: 0, nodeid: 2, online: 0 },
    ]);
    const offline = await client.request('GET', '/nodes/pve2/qemu', { auth });
    expect([offline.status, offline.reason]).toEqual([595, 'Connection refused']);
    const nodes = await client.get<Array<{ node: string; status: string }>>('/nodes', auth);
    expect(nodes.map((n) => [n.node, n.status])).toEqual([['pve1', 'online'], ['pve2', 'offline']]);
    const unknown = await client.request('GET', '/nodes/pve9/qemu', { auth });
    expect([unknown.status, unknown.json!.message]).toEqual([500, "hostname lookup 'pve9' failed - failed to get address info for: pve9: Name or service not known\n"]);
  }));
