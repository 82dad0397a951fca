// The wire format every client depends on: envelope, content type, and each class of error as the real server
// words it (400 with per-parameter errors, 401 with the reason in the status line, 403 naming the privilege,
// 500 for ordinary failures, 501 for unknown methods).
import { startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { Authenticator } from '../../packages/sandbox/src/proxmox-sim/auth';
import { SimClient, TOKEN_AUTH, type Credentials } from './helpers';

let sim: RunningSimulator;
let client: SimClient;
let ticket: Credentials;

beforeAll(async () => {
  sim = await startProxmoxSimulator({ taskSpeed: 0.02 });
  client = new SimClient(sim);
  ticket = await client.login();
});

afterAll(async () => {
  await client.close();
  await sim.stop();
});

describe('envelope', () => {
  test('success is {"data": ...} with Content-Type exactly application/json;charset=UTF-8', async () => {
    const res = await client.request('GET', '/version', { auth: TOKEN_AUTH });
    expect(res.status).toBe(200);
    expect(res.reason).toBe('OK');
    expect(res.contentType).toBe('application/json;charset=UTF-8');
    expect(res.json).toEqual({ data: { version: '8.2.4', release: '8.2', repoid: 'faa83925c9641325' } });
  });

  test('booleans are 0/1 and the task log carries "total"', async () => {
    const vms = await client.get<Array<Record<string, unknown>>>('/nodes/pve1/qemu');
    expect(vms.find((v) => v.vmid === 9000)?.template).toBe(1);
    const upid = (await client.request('POST', '/nodes/pve1/qemu/9000/clone', { auth: TOKEN_AUTH, form: { newid: 150, full: 0 } })).json!.data as string;
    await client.waitTask('pve1', upid);
    const log = await client.request('GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`, { auth: TOKEN_AUTH });
    expect(log.json!.total).toBe((log.json!.data as unknown[]).length);
  });

  test('form-encoded and JSON bodies are both accepted', async () => {
    const form = await client.request('PUT', '/nodes/pve1/qemu/150/config', { auth: TOKEN_AUTH, form: { cores: 4, description: 'from form' } });
    expect(form.status).toBe(200);
    expect(form.json).toEqual({ data: null });
    const json = await client.request('PUT', '/nodes/pve1/qemu/150/config', { auth: TOKEN_AUTH, json: { memory: 4096, onboot: true } });
    expect(json.status).toBe(200);
    const config = await client.get<Record<string, unknown>>('/nodes/pve1/qemu/150/config');
    expect(config).toMatchObject({ cores: 4, memory: 4096, onboot: 1, description: 'from form' });
    expect(config.digest).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('400 parameter verification', () => {
  test('wrong type, missing required and unknown parameters each get their own error', async () => {
    const res = await client.request('POST', '/nodes/pve1/qemu/9000/clone', { auth: TOKEN_AUTH, form: { full: 'yes', bogus: 1 } });
    expect(res.status).toBe(400);
    expect(res.reason).toBe('Parameter verification failed.');
    expect(res.contentType).toBe('application/json;charset=UTF-8');
    expect(res.json).toEqual({
      data: null,
      message: 'Parameter verification failed.\n',
      errors: {
        newid: 'property is missing and it is not optional',
        full: "type check ('boolean') failed - got 'yes'",
        bogus: 'property is not defined in schema and the schema does not allow additional properties',
      },
    });
  });

  test('formats, ranges and enumerations are checked as the schema says', async () => {
    const res = await client.request('POST', '/nodes/pve1/qemu/9000/clone', { auth: TOKEN_AUTH, form: { newid: 42, format: 'vhd', name: 'bad_name' } });
    expect(res.status).toBe(400);
    expect(res.json!.errors).toEqual({
      newid: 'invalid format - value does not look like a valid VM ID\n',
      format: "value 'vhd' does not have a value in the enumeration 'raw, qcow2, vmdk'",
      name: 'invalid format - value does not look like a valid DNS name\n',
    });
  });

  test('a path parameter of the wrong type fails the same way', async () => {
    const res = await client.request('GET', '/nodes/pve1/qemu/abc/status/current', { auth: TOKEN_AUTH });
    expect(res.status).toBe(400);
    expect(res.json!.errors).toEqual({ vmid: "type check ('integer') failed - got 'abc'" });
  });

  test('a query parameter repeating a path parameter is accepted with the same value and refused with another', async () => {
    const same = await client.request('GET', '/nodes/pve1/qemu/9000/config?vmid=9000', { auth: TOKEN_AUTH });
    expect(same.status).toBe(200);
    const res = await client.request('GET', '/nodes/pve1/qemu/9000/config?vmid=9001', { auth: TOKEN_AUTH });
    expect(res.status).toBe(400);
    expect(res.json!.errors).toEqual({ vmid: 'duplicate parameter (already defined in URI) with conflicting values!' });
  });
});

describe('401 authentication', () => {
  test('no credentials: empty body, reason "No ticket"', async () => {
    const res = await client.request('GET', '/nodes');
    expect(res.status).toBe(401);
    expect(res.reason).toBe('No ticket');
    expect(res.text).toBe('');
  });

  test('a forged ticket: "permission denied - invalid PVE ticket"', async () => {
    const res = await client.request('GET', '/nodes', { auth: { cookie: 'PVE:root@pam:6B0A5AD3::c2lnbmF0dXJl' } });
    expect(res.status).toBe(401);
    expect(res.reason).toBe('permission denied - invalid PVE ticket');
  });

  test('a write with a ticket but without CSRFPreventionToken is refused', async () => {
    const res = await client.request('PUT', '/nodes/pve1/qemu/150/config', { auth: { cookie: ticket.cookie }, form: { cores: 2 } });
    expect(res.status).toBe(401);
    expect(res.reason).toBe('Permission denied - invalid csrf token');
    const ok = await client.request('PUT', '/nodes/pve1/qemu/150/config', { auth: ticket, form: { cores: 2 } });
    expect(ok.status).toBe(200);
  });

  test('a wrong token secret and an unknown token are refused with the real reasons', async () => {
    const wrong = await client.request('GET', '/version', { auth: { token: 'root@pam!cozy=00000000-0000-0000-0000-000000000000' } });
    expect([wrong.status, wrong.reason]).toEqual([401, 'invalid token value!']);
    const unknown = await client.request('GET', '/version', { auth: { token: 'root@pam!nope=00000000-0000-0000-0000-000000000000' } });
    expect([unknown.status, unknown.reason]).toEqual([401, "no such token 'nope' for user 'root@pam'"]);
  });

  test('a wrong password: 401 "authentication failure" and no ticket', async () => {
    const res = await client.request('POST', '/access/ticket', { form: { username: 'root@pam', password: 'wrong' } });
    expect(res.status).toBe(401);
    expect(res.reason).toBe('authentication failure');
    expect(res.json).toEqual({ data: null, message: 'authentication failure\n' });
  });

  test('a ticket renews when posted as the password', async () => {
    const res = await client.request('POST', '/access/ticket', { form: { username: 'root@pam', password: ticket.cookie! } });
    expect(res.status).toBe(200);
    const data = res.json!.data as { ticket: string; CSRFPreventionToken: string; username: string };
    expect(data.username).toBe('root@pam');
    expect(data.ticket).toMatch(/^PVE:root@pam:[0-9A-F]{8}::\S+$/);
    expect(data.ticket).not.toBe(ticket.cookie);
    expect(data.CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:\S+$/);
  });
});

describe('403 permission checks', () => {
  beforeAll(() => {
    // An auditor token: may look, may not touch.
    const root = sim.state.users.get('root@pam')!;
    root.tokens.set('audit', { tokenid: 'audit', secret: '11111111-2222-4333-8444-555555555555', privsep: true, expire: 0 });
    sim.state.acl.push({ path: '/', ugid: 'root@pam!audit', type: 'token', roleid: 'PVEAuditor', propagate: true });
  });
  const auditor: Credentials = { token: 'root@pam!audit=11111111-2222-4333-8444-555555555555' };

  test('a missing privilege is named with its path', async () => {
    const res = await client.request('POST', '/nodes/pve1/qemu/150/status/start', { auth: auditor });
    expect(res.status).toBe(403);
    expect(res.reason).toBe('Permission check failed (/vms/150, VM.PowerMgmt)');
    expect(res.json).toEqual({ data: null, message: 'Permission check failed (/vms/150, VM.PowerMgmt)\n' });
  });

  test('"any" checks list the alternatives', async () => {
    const res = await client.request('PUT', '/nodes/pve1/qemu/150/config', { auth: auditor, form: { cores: 1 } });
    expect(res.status).toBe(403);
    expect(res.json!.message).toBe('Permission check failed (/vms/150, VM.Config.Disk|VM.Config.CDROM|VM.Config.CPU|VM.Config.Memory|VM.Config.Network|VM.Config.HWType|VM.Config.Options|VM.Config.Cloudinit)\n');
  });

  test('a config change names the privilege of each option, before any task starts', async () => {
    const root = sim.state.users.get('root@pam')!;
    root.tokens.set('csi', { tokenid: 'csi', secret: '22222222-3333-4444-8555-666666666666', privsep: true, expire: 0 });
    sim.state.acl.push({ path: '/', ugid: 'root@pam!csi', type: 'token', roleid: 'CozyCSI', propagate: true });
    const csi: Credentials = { token: 'root@pam!csi=22222222-3333-4444-8555-666666666666' };
    const res = await client.request('POST', '/nodes/pve1/qemu/150/config', { auth: csi, form: { cores: 2 } });
    expect([res.status, res.json!.message]).toEqual([403, 'Permission check failed (/vms/150, VM.Config.CPU)\n']);
    const disk = await client.request('POST', '/nodes/pve1/qemu/150/config', { auth: csi, form: { scsi1: 'local-lvm:1' } });
    expect(disk.status).toBe(200);
    expect((await client.waitTask('pve1', disk.json!.data as string, csi)).exitstatus).toBe('OK');
  });

  test('permissions are checked before parameters', async () => {
    const res = await client.request('POST', '/nodes/pve1/qemu/9000/clone', { auth: auditor, form: { newid: 151, bogus: 1 } });
    expect(res.status).toBe(403);
    expect(res.json!.message).toBe('Permission check failed (/vms/9000, VM.Clone)\n');
  });

  test('the auditor still reads', async () => {
    expect(await client.get<unknown[]>('/cluster/resources?type=vm', auditor)).toEqual(expect.arrayContaining([expect.objectContaining({ vmid: 9000, type: 'qemu' })]));
  });
});

describe('500 ordinary failures', () => {
  test('"does not exist"', async () => {
    const res = await client.request('GET', '/nodes/pve1/qemu/4242/config', { auth: TOKEN_AUTH });
    expect(res.status).toBe(500);
    expect(res.reason).toBe("Configuration file 'nodes/pve1/qemu-server/4242.conf' does not exist");
    expect(res.json).toEqual({ data: null, message: "Configuration file 'nodes/pve1/qemu-server/4242.conf' does not exist\n" });
    const storage = await client.request('GET', '/nodes/pve1/storage/nosuch/status', { auth: TOKEN_AUTH });
    expect([storage.status, storage.json!.message]).toEqual([500, "storage 'nosuch' does not exist\n"]);
  });

  test('"already exists"', async () => {
    const res = await client.request('POST', '/nodes/pve1/qemu/9000/clone', { auth: TOKEN_AUTH, form: { newid: 150 } });
    expect(res.status).toBe(500);
    expect(res.json!.message).toBe('unable to create VM 150: config file already exists\n');
    const pool = await client.request('POST', '/pools', { auth: ticket, form: { poolid: 'p1' } });
    expect(pool.status).toBe(200);
    const again = await client.request('POST', '/pools', { auth: ticket, form: { poolid: 'p1' } });
    expect([again.status, again.json!.message]).toEqual([500, "create pool failed: pool 'p1' already exists\n"]);
  });
});

describe('request bodies the HTTP layer refuses', () => {
  test('malformed JSON, an unsupported content type, a body on GET: status and reason, no JSON', async () => {
    const badJson = await client.request('PUT', '/nodes/pve1/qemu/150/config', { auth: TOKEN_AUTH, body: '{"cores":', contentType: 'application/json' });
    expect([badJson.status, badJson.text]).toEqual([501, '']);
    expect(badJson.reason).toMatch(/^malformed JSON string/);
    const xml = await client.request('PUT', '/nodes/pve1/qemu/150/config', { auth: TOKEN_AUTH, body: '<cores>2</cores>', contentType: 'text/xml' });
    expect([xml.status, xml.reason]).toEqual([506, "upload 'Content-Type 'text/xml' not implemented"]);
    const getBody = await client.request('DELETE', '/nodes/pve1/tasks/x', { auth: TOKEN_AUTH, body: 'a=1', contentType: 'application/x-www-form-urlencoded' });
    expect([getBody.status, getBody.reason]).toEqual([501, "Unexpected content for method 'DELETE'"]);
  });
});

describe('ticket lifetime', () => {
  test('a ticket is valid from 5 minutes before to 2 hours after its time stamp', () => {
    const auth = new Authenticator(sim.state);
    const issued = 1_800_000_000;
    const { ticket, csrf } = auth.issueTicket('root@pam', issued);
    expect(auth.verifyTicket(ticket, issued + 7200)?.userid).toBe('root@pam');
    expect(auth.verifyTicket(ticket, issued + 7201)).toBeUndefined();
    expect(auth.verifyTicket(ticket, issued - 300)?.userid).toBe('root@pam');
    expect(auth.verifyTicket(ticket, issued - 301)).toBeUndefined();
    expect(auth.verifyCsrf('root@pam', csrf, issued + 60)).toBe(true);
    expect(auth.verifyCsrf('other@pve', csrf, issued + 60)).toBe(false);
  });
});

describe('501 not implemented', () => {
  test('an unknown path and a known path with an unsupported method get the same answer', async () => {
    const unknown = await client.request('GET', '/nodes/pve1/frobnicate', { auth: TOKEN_AUTH });
    expect(unknown.status).toBe(501);
    expect(unknown.reason).toBe("Method 'GET /nodes/pve1/frobnicate' not implemented");
    expect(unknown.json).toEqual({ data: null, message: "Method 'GET /nodes/pve1/frobnicate' not implemented\n" });
    const wrongMethod = await client.request('DELETE', '/version', { auth: TOKEN_AUTH });
    expect([wrongMethod.status, wrongMethod.json!.message]).toEqual([501, "Method 'DELETE /version' not implemented\n"]);
  });

  test('authentication is checked before the method is looked up', async () => {
    const res = await client.request('GET', '/nodes/pve1/frobnicate');
    expect([res.status, res.reason]).toEqual([401, 'No ticket']);
  });
});
