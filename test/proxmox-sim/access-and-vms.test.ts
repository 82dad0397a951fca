// Users, tokens and ACLs as an administrator sets them up for the integration, privilege separation, pools, and a
// VM's life from `qm create` to a template.
import { startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { SimClient, type Credentials } from './helpers';

let sim: RunningSimulator;
let client: SimClient;
let root: Credentials;

beforeAll(async () => {
  sim = await startProxmoxSimulator({ taskSpeed: 0.02 });
  client = new SimClient(sim);
  root = await client.login();
});

afterAll(async () => {
  await client.close();
  await sim.stop();
});

const call = (method: string, path: string, form?: Record<string, string | number>, auth: Credentials = root) => client.request(method, path, { auth, form });

test('a user, a privilege-separated token and ACLs: the token gets the intersection', async () => {
  expect((await call('POST', '/access/users', { userid: 'capmox@pve', password: 'capmox-pass', comment: 'Cluster API' })).status).toBe(200);
  expect((await call('POST', '/access/users', { userid: 'capmox@pve' })).json!.message).toBe("create user failed: user 'capmox@pve' already exists\n");
  const created = await call('POST', '/access/users/capmox@pve/token/capi', { privsep: 1, comment: 'provider' });
  const token = created.json!.data as { 'full-tokenid': string; value: string; info: { privsep: number } };
  expect(token['full-tokenid']).toBe('capmox@pve!capi');
  expect(token.value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(token.info.privsep).toBe(1);
  const tokenAuth: Credentials = { token: `capmox@pve!capi=${token.value}` };

  // The token alone has PVEVMAdmin on /, the user nothing yet: the intersection is empty.
  expect((await call('PUT', '/access/acl', { path: '/', tokens: 'capmox@pve!capi', roles: 'PVEVMAdmin' })).status).toBe(200);
  expect(await client.get('/access/permissions?path=/vms/9000', tokenAuth)).toEqual({});
  const refused = await call('POST', '/nodes/pve1/qemu/9000/clone', { newid: 300 }, tokenAuth);
  expect([refused.status, refused.json!.message]).toEqual([403, 'Permission check failed (/vms/9000, VM.Clone)\n']);

  // The user gets PVEVMAdmin on /vms and PVEDatastoreUser on /storage: now the token may clone.
  expect((await call('PUT', '/access/acl', { path: '/vms', users: 'capmox@pve', roles: 'PVEVMAdmin' })).status).toBe(200);
  expect((await call('PUT', '/access/acl', { path: '/storage', users: 'capmox@pve', roles: 'PVEDatastoreUser' })).status).toBe(200);
  expect((await call('PUT', '/access/acl', { path: '/storage', tokens: 'capmox@pve!capi', roles: 'PVEDatastoreUser' })).status).toBe(200);
  expect((await call('PUT', '/access/acl', { path: '/sdn/zones/localnetwork', users: 'capmox@pve', tokens: 'capmox@pve!capi', roles: 'PVESDNUser' })).status).toBe(200);
  const perms = await client.get<Record<string, Record<string, number>>>('/access/permissions?path=/vms/9000', tokenAuth);
  expect(perms['/vms/9000']).toMatchObject({ 'VM.Clone': 1, 'VM.Allocate': 1, 'VM.PowerMgmt': 1 });
  expect(perms['/vms/9000']['Sys.Audit']).toBeUndefined();
  const clone = await call('POST', '/nodes/pve1/qemu/9000/clone', { newid: 300, full: 1 }, tokenAuth);
  expect(clone.status).toBe(200);
  expect((await client.waitTask('pve1', clone.json!.data as string, tokenAuth)).exitstatus).toBe('OK');

  const acl = await client.get<Array<Record<string, unknown>>>('/access/acl', root);
  expect(acl).toEqual(expect.arrayContaining([{ path: '/vms', type: 'user', ugid: 'capmox@pve', roleid: 'PVEVMAdmin', propagate: 1 }]));
  const users = await client.get<Array<Record<string, unknown>>>('/access/users?full=1', root);
  expect(users.find((u) => u.userid === 'capmox@pve')?.tokens).toEqual([{ tokenid: 'capi', expire: 0, privsep: 1, comment: 'provider' }]);
  const roles = await client.get<Array<{ roleid: string; privs: string }>>('/access/roles', root);
  expect(roles.find((r) => r.roleid === 'PVEDatastoreUser')?.privs).toBe('Datastore.AllocateSpace,Datastore.Audit');

  expect((await call('DELETE', '/access/users/capmox@pve/token/capi')).status).toBe(200);
  const gone = await client.request('GET', '/version', { auth: tokenAuth });
  expect([gone.status, gone.reason]).toEqual([401, "no such token 'capi' for user 'capmox@pve'"]);
});

test('a VM from qm create to a running guest, then a template', async () => {
  const create = await call('POST', '/nodes/pve1/qemu', {
    vmid: 400, name: 'worker-400', cores: 2, memory: 4096, scsihw: 'virtio-scsi-pci', scsi0: 'local-lvm:16', ide2: 'local-lvm:cloudinit',
    net0: 'virtio,bridge=vmbr0', ipconfig0: 'ip=10.20.0.40/24,gw=10.20.0.1', agent: '1', tags: 'k8s;worker',
  });
  expect(create.status).toBe(200);
  expect((await client.waitTask('pve1', create.json!.data as string, root)).exitstatus).toBe('OK');
  const config = await client.get<Record<string, string | number>>('/nodes/pve1/qemu/400/config', root);
  expect(config).toMatchObject({ name: 'worker-400', cores: 2, memory: 4096, scsi0: 'local-lvm:vm-400-disk-0,size=16G', ide2: 'local-lvm:vm-400-cloudinit,media=cdrom', tags: 'k8s;worker' });
  expect(config.net0).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0$/);
  const exists = await call('POST', '/nodes/pve1/qemu', { vmid: 400 });
  expect([exists.status, exists.json!.message]).toEqual([500, "VM 400 already exists on node 'pve1'\n"]);

  expect((await client.waitTask('pve1', (await call('POST', '/nodes/pve1/qemu/400/status/start')).json!.data as string, root)).exitstatus).toBe('OK');
  const again = await call('POST', '/nodes/pve1/qemu/400/status/start');
  expect((await client.waitTask('pve1', again.json!.data as string, root)).exitstatus).toBe('VM 400 already running');
  await new Promise((r) => setTimeout(r, 8000 * 0.02 + 50));
  const agent = await client.get<{ result: Array<{ name: string; 'ip-addresses': Array<{ 'ip-address': string }> }> }>('/nodes/pve1/qemu/400/agent/network-get-interfaces', root);
  expect(agent.result[1]['ip-addresses'][0]['ip-address']).toBe('10.20.0.40');
  const resources = await client.get<Array<Record<string, unknown>>>('/cluster/resources?type=vm', root);
  expect(resources.find((r) => r.vmid === 400)).toMatchObject({ id: 'qemu/400', status: 'running', node: 'pve1', maxmem: 4096 * 1024 ** 2, template: 0 });
  const node = await client.get<{ memory: { used: number } }>('/nodes/pve1/status', root);
  expect(node.memory.used).toBeGreaterThan(2.5 * 1024 ** 3);

  const refuse = await call('POST', '/nodes/pve1/qemu/400/template');
  expect([refuse.status, refuse.json!.message]).toEqual([500, "you can't convert a VM to template if VM is running\n"]);
  expect((await client.waitTask('pve1', (await call('POST', '/nodes/pve1/qemu/400/status/shutdown')).json!.data as string, root)).exitstatus).toBe('OK');
  expect((await client.waitTask('pve1', (await call('POST', '/nodes/pve1/qemu/400/template')).json!.data as string, root)).exitstatus).toBe('OK');
  const template = await client.get<Record<string, string | number>>('/nodes/pve1/qemu/400/config', root);
  expect([template.template, template.scsi0]).toEqual([1, 'local-lvm:base-400-disk-0,size=16G']);
});

test('pools group VMs and extend their ACLs to members', async () => {
  expect((await call('POST', '/pools', { poolid: 'k8s', comment: 'kubernetes' })).status).toBe(200);
  expect((await call('PUT', '/pools/k8s', { vms: '300' })).status).toBe(200);
  expect(await client.get('/pools/k8s', root)).toMatchObject({ comment: 'kubernetes', members: [expect.objectContaining({ id: 'qemu/300', vmid: 300 })] });
  const busy = await call('DELETE', '/pools/k8s');
  expect([busy.status, busy.json!.message]).toEqual([500, 'pool is not empty\n']);

  expect((await call('POST', '/access/users', { userid: 'ops@pve', password: 'ops-pass' })).status).toBe(200);
  expect((await call('PUT', '/access/acl', { path: '/pool/k8s', users: 'ops@pve', roles: 'PVEVMUser' })).status).toBe(200);
  const ops = await client.login('ops@pve', 'ops-pass');
  const perms = await client.get<Record<string, Record<string, number>>>('/access/permissions?path=/vms/300', ops);
  expect(perms['/vms/300']).toMatchObject({ 'VM.PowerMgmt': 1, 'VM.Audit': 1 });
  expect(await client.get('/access/permissions?path=/vms/9000', ops)).toEqual({});
  const visible = await client.get<Array<{ vmid: number }>>('/nodes/pve1/qemu', ops);
  expect(visible.map((v) => v.vmid)).toEqual([300]);
  const other = await call('GET', '/access/permissions?userid=root@pam', undefined, ops);
  expect([other.status, other.json!.message]).toEqual([403, 'Permission check failed (/access, Sys.Audit)\n']);
});

test('the cluster views the metrics exporter reads', async () => {
  const status = await client.get<Array<Record<string, unknown>>>('/cluster/status', root);
  expect(status).toEqual([{ type: 'node', id: 'node/pve1', name: 'pve1', ip: '127.0.0.1', level: '', local: 1, nodeid: 0, online: 1 }]);
  const notBackedUp = await client.get<Array<Record<string, unknown>>>('/cluster/backup-info/not-backed-up', root);
  expect(notBackedUp).toEqual(expect.arrayContaining([{ vmid: 9000, name: 'ubuntu-2204-cloudinit', type: 'qemu' }]));
  expect(await client.get('/nodes/pve1/lxc', root)).toEqual([]);
  expect(await client.get('/nodes/pve1/replication', root)).toEqual([]);
  expect(await client.get('/nodes/pve1/subscription', root)).toMatchObject({ status: 'notfound' });
  const storage = await client.get<Array<Record<string, unknown>>>('/cluster/resources?type=storage', root);
  expect(storage.map((s) => s.id).sort()).toEqual(['storage/pve1/local', 'storage/pve1/local-lvm']);
  expect(storage.every((s) => s.status === 'available')).toBe(true);
});
