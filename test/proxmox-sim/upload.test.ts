// POST /nodes/{node}/storage/{storage}/upload as clients use it (multipart/form-data, the file in the "filename"
// part): the imgcopy task, the volume in the content list, checksums, the refusals pveproxy and pve-storage give,
// deleting the ISO again; the multipart body read with pveproxy's rules; and path parameters repeated in a body (same
// value accepted, another refused).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { readUpload } from '../../packages/sandbox/src/proxmox-sim/upload-body';
import { SimClient, TOKEN_AUTH, type Credentials } from './helpers';
import { makeIso } from './support/iso-image';
import { multipartBody, postBody, upload } from './support/upload-client';

let sim: RunningSimulator;
let client: SimClient;
let root: Credentials;
const iso = makeIso({ 'user-data': '#cloud-config\n', 'meta-data': 'instance-id: i-1\n' }, 'cidata');

/** A token that may read the storage `local` and nothing else. */
const READER: Credentials = { token: 'root@pam!reader=11111111-2222-4333-8444-555555555555' };

beforeAll(async () => {
  sim = await startProxmoxSimulator({ taskSpeed: 0.02 });
  client = new SimClient(sim);
  root = await client.login();
  sim.state.users.get('root@pam')!.tokens.set('reader', { tokenid: 'reader', secret: '11111111-2222-4333-8444-555555555555', privsep: true, expire: 0 });
  sim.state.acl.push({ path: '/storage/local', ugid: 'root@pam!reader', type: 'token', roleid: 'PVEDatastoreUser', propagate: true });
});

afterAll(async () => {
  await client.close();
  await sim.stop();
});

type Volume = { volid: string; size: number; format: string; content: string };
const isoVolumes = async () => (await client.get<Volume[]>('/nodes/pve1/storage/local/content?content=iso')).filter((v) => v.volid !== 'local:iso/ubuntu-22.04.4-live-server-amd64.iso');

test('an ISO upload returns an imgcopy UPID; the file is then listed with its size and can be read back', async () => {
  const res = await upload(client, 'pve1', 'local', TOKEN_AUTH, { content: 'iso' }, { filename: 'user-data-100.iso', data: iso });
  expect(res.status).toBe(200);
  const upid = res.json!.data as string;
  expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:imgcopy::root@pam!cozy:$/);
  expect((await client.waitTask('pve1', upid)).exitstatus).toBe('OK');
  const log = await client.taskLog('pve1', upid);
  expect(log[0]).toMatch(/^starting file import from: \/var\/tmp\/pveupload-[0-9a-f]{32}$/);
  expect(log.slice(1)).toEqual([
    'target node: pve1',
    'target file: /var/lib/vz/template/iso/user-data-100.iso',
    `file size is: ${iso.length}`,
    expect.stringMatching(/^command: cp -- \/var\/tmp\/pveupload-[0-9a-f]{32} \/var\/lib\/vz\/template\/iso\/user-data-100\.iso$/),
    'finished file import successfully',
    'TASK OK',
  ]);
  expect(await isoVolumes()).toEqual([expect.objectContaining({ volid: 'local:iso/user-data-100.iso', size: iso.length, format: 'iso', content: 'iso' })]);
  // go-proxmox's Storage.ISO reads the volume with the volid in the path, its slash unescaped.
  expect(await client.get('/nodes/pve1/storage/local/content/local:iso/user-data-100.iso')).toEqual({ path: '/var/lib/vz/template/iso/user-data-100.iso', size: iso.length, used: iso.length, format: 'iso' });
  expect(sim.state.nodes.get('pve1')!.storages.get('local')!.files.get('iso/user-data-100.iso')!.equals(iso)).toBe(true);
});

test('a checksum is verified in the task; a mismatch fails it and no file appears', async () => {
  const sha256 = createHash('sha256').update(iso).digest('hex');
  const ok = await upload(client, 'pve1', 'local', TOKEN_AUTH, { content: 'iso', checksum: sha256.toUpperCase(), 'checksum-algorithm': 'sha256' }, { filename: 'checked.iso', data: iso });
  const okUpid = ok.json!.data as string;
  expect((await client.waitTask('pve1', okUpid)).exitstatus).toBe('OK');
  expect(await client.taskLog('pve1', okUpid)).toContain('calculating checksum...OK, checksum verified');
  const bad = await upload(client, 'pve1', 'local', TOKEN_AUTH, { content: 'iso', checksum: 'abc', 'checksum-algorithm': 'md5' }, { filename: 'bad.iso', data: iso });
  const md5 = createHash('md5').update(iso).digest('hex');
  expect((await client.waitTask('pve1', bad.json!.data as string)).exitstatus).toBe(`checksum mismatch: got '${md5}' != expect 'abc'`);
  expect((await isoVolumes()).map((v) => v.volid)).not.toContain('local:iso/bad.iso');
  const half = await upload(client, 'pve1', 'local', TOKEN_AUTH, { content: 'iso', checksum: 'abc' }, { filename: 'half.iso', data: iso });
  expect([half.status, half.json!.errors]).toEqual([400, { 'checksum-algorithm': "missing property - 'checksum' requires this property" }]);
});

test('the file name is normalized, and an upload of the same name overwrites the file', async () => {
  const first = await upload(client, 'pve1', 'local', TOKEN_AUTH, { content: 'iso' }, { filename: 'my seed (1).iso', data: iso });
  await client.waitTask('pve1', first.json!.data as string);
  const bigger = Buffer.concat([iso, Buffer.alloc(2048)]);
  const second = await upload(client, 'pve1', 'local', TOKEN_AUTH, { content: 'iso' }, { filename: 'my seed (1).iso', data: bigger });
  await client.waitTask('pve1', second.json!.data as string);
  expect((await isoVolumes()).find((v) => v.volid === 'local:iso/my_seed__1_.iso')).toMatchObject({ size: bigger.length });
});

test('refusals of the method: storage type, content type, extension, temporary file', async () => {
  const lvm = await upload(client, 'pve1', 'local-lvm', TOKEN_AUTH, { content: 'iso' }, { filename: 'x.iso', data: iso });
  expect([lvm.status, lvm.json!.message]).toEqual([500, "can't upload to storage type 'lvmthin'\n"]);
  const imports = await upload(client, 'pve1', 'local', TOKEN_AUTH, { content: 'import' }, { filename: 'disk.qcow2', data: iso });
  expect([imports.status, imports.json!.message]).toEqual([500, "storage 'local' does not support 'import' content\n"]);
  const ext = await upload(client, 'pve1', 'local', TOKEN_AUTH, { content: 'iso' }, { filename: 'seed.txt', data: iso });
  expect([ext.status, ext.json!.errors]).toEqual([400, { filename: 'wrong file extension' }]);
  const content = await upload(client, 'pve1', 'local', TOKEN_AUTH, { content: 'images' }, { filename: 'x.iso', data: iso });
  expect([content.status, content.json!.errors]).toEqual([400, { content: "value 'images' does not have a value in the enumeration 'iso, vztmpl, import'" }]);
  const missing = await upload(client, 'pve1', 'nowhere', TOKEN_AUTH, { content: 'iso' }, { filename: 'x.iso', data: iso });
  expect([missing.status, missing.json!.message]).toEqual([500, "storage 'nowhere' does not exist\n"]);
  // Without a body the parameters may come in the query; the temporary file is then the client's to name.
  const noFile = await client.request('POST', '/nodes/pve1/storage/local/upload?content=iso&filename=x.iso', { auth: TOKEN_AUTH });
  expect([noFile.status, noFile.json!.message]).toEqual([500, 'missing temporary file name\n']);
  const unknown = await client.request('POST', '/nodes/pve1/storage/local/upload?content=iso&filename=x.iso&tmpfilename=/var/tmp/pveupload-abc', { auth: TOKEN_AUTH });
  expect([unknown.status, unknown.json!.message]).toEqual([500, "temporary file '/var/tmp/pveupload-abc' does not exist\n"]);
});

test('refusals of the HTTP layer: no file, a file under another name, a body that is not multipart', async () => {
  const none = multipartBody({ content: 'iso', filename: 'x.iso' });
  const noFile = await postBody(client, '/nodes/pve1/storage/local/upload', TOKEN_AUTH, none.body, none.contentType);
  expect([noFile.status, noFile.reason, noFile.text]).toEqual([501, 'upload failed', '']);
  const wrong = await upload(client, 'pve1', 'local', TOKEN_AUTH, { content: 'iso' }, { field: 'file', filename: 'x.iso', data: iso });
  expect([wrong.status, wrong.reason]).toEqual([501, 'upload failed']);
  // pveproxy dies in its header callback on such a body and never answers: the connection just closes.
  await expect(postBody(client, '/nodes/pve1/storage/local/upload', TOKEN_AUTH, 'content=iso&filename=x.iso', 'application/x-www-form-urlencoded')).rejects.toThrow();
  // A multipart Content-Type without a boundary is the same.
  await expect(postBody(client, '/nodes/pve1/storage/local/upload', TOKEN_AUTH, none.body, 'multipart/form-data')).rejects.toThrow();
  // Elsewhere a multipart body is a content type the API does not take.
  const elsewhere = await postBody(client, '/nodes/pve1/qemu/9000/config', TOKEN_AUTH, none.body, none.contentType);
  expect([elsewhere.status, elsewhere.reason]).toEqual([506, `upload 'Content-Type '${none.contentType}' not implemented`]);
  const noBoundary = await postBody(client, '/nodes/pve1/qemu/9000/config', TOKEN_AUTH, none.body, 'multipart/form-data');
  expect([noBoundary.status, noBoundary.reason]).toEqual([506, "upload 'Content-Type 'multipart/form-data' not implemented"]);
});

describe('the multipart body, read as pveproxy reads it', () => {
  const B = 'sim1234';
  const part = (disposition: string, body: string | Buffer, type?: string) =>
    Buffer.concat([Buffer.from(`--${B}\r\nContent-Disposition: ${disposition}\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`), Buffer.from(body), Buffer.from('\r\n')]);
  const form = (...parts: Buffer[]) => Buffer.concat([...parts, Buffer.from(`--${B}--\r\n`)]);
  const post = (body: Buffer) => postBody(client, '/nodes/pve1/storage/local/upload', TOKEN_AUTH, body, `multipart/form-data; boundary=${B}`);
  const read = (body: Buffer, chunk = body.length, keep?: number) => {
    const chunks: Buffer[] = [];
    for (let at = 0; at < body.length; at += chunk) chunks.push(body.subarray(at, at + chunk));
    return readUpload({ 'content-type': `multipart/form-data; boundary=${B}` }, Readable.from(chunks), keep)!;
  };
  const file = `data with \r\n--${B.slice(0, 5)} inside\r\n`;
  const seed = form(part('form-data; name="content"', 'iso'), part('form-data; name="filename"; filename="seed.iso"', file, 'application/octet-stream'));

  test('fields and file are the same however the body arrives in chunks; checksums and size are taken on the way', async () => {
    for (const chunk of [1, 2, 7, 64, seed.length]) {
      const out = await read(seed, chunk);
      expect([out.error, out.fields, out.file!.filename, out.file!.size, out.file!.data!.toString()]).toEqual([undefined, { content: 'iso' }, 'seed.iso', Buffer.byteLength(file), file]);
      expect(out.file!.checksums).toEqual(Object.fromEntries(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'].map((a) => [a, createHash(a).update(file).digest('hex')])));
    }
  });

  test('bytes beyond the keep limit are counted and hashed but not kept', async () => {
    const out = await read(form(part('form-data; name="filename"; filename="a.iso"', '0123456789')), 3, 4);
    expect([out.file!.size, out.file!.data, out.file!.checksums.md5]).toEqual([10, undefined, '781e5e245d69b566979b86e28d23f2c7']);
  });

  test('the filename attribute is kept as sent (the method normalizes it), and decides alone what the file is', async () => {
    const out = await read(form(
      part('form-data; name="filename"; filename="C:\\isos\\my seed.iso"', 'x'),
      // After the file, and typed as a file but without a filename attribute: still a plain field.
      part('form-data; name="content"', 'iso', 'application/octet-stream'),
    ));
    expect([out.error, out.fields, out.file!.filename]).toEqual([undefined, { content: 'iso' }, 'C:\\isos\\my seed.iso']);
  });

  test('what aborts the upload: a file under another name, a part without a name, too many fields, a body cut short', async () => {
    expect((await read(form(part('form-data; name="file"; filename="a.iso"', 'x')))).error).toBe('wrong field name for file upload');
    expect((await read(form(part('form-data', 'iso'), part('form-data; name="filename"; filename="a.iso"', 'x')))).error).toBe('wrong content disposition in multipart');
    const big = 'a'.repeat(40 * 1024);
    expect((await read(form(part('form-data; name="a"', big), part('form-data; name="b"', big), part('form-data; name="filename"; filename="a.iso"', 'x')), 4096)).error).toBe('form data too large');
    expect((await read(seed.subarray(0, seed.length - 12))).error).toBe('Unexpected end of form');
    expect((await read(form(part('form-data; name="content"', 'iso')))).error).toBe('no file in the upload');
    expect(readUpload({ 'content-type': 'multipart/form-data' }, Readable.from([seed]))).toBeUndefined();
  });

  test('over HTTP each of those is 501 upload failed; fields after the file are taken', async () => {
    const nameless = await post(form(part('form-data', 'iso'), part('form-data; name="filename"; filename="a.iso"', 'x')));
    const tooMany = await post(form(part('form-data; name="a"', 'a'.repeat(65 * 1024)), part('form-data; name="filename"; filename="a.iso"', 'x')));
    const cut = await post(seed.subarray(0, seed.length - 12));
    expect([nameless, tooMany, cut].map((r) => [r.status, r.reason, r.text])).toEqual(Array(3).fill([501, 'upload failed', '']));
    const after = await post(form(part('form-data; name="filename"; filename="after.iso"', iso, 'application/octet-stream'), part('form-data; name="content"', 'iso')));
    expect((await client.waitTask('pve1', after.json!.data as string)).exitstatus).toBe('OK');
    expect((await isoVolumes()).find((v) => v.volid === 'local:iso/after.iso')).toMatchObject({ size: iso.length });
  });
});

test('uploads need no CSRF token with a ticket, and Datastore.AllocateTemplate before the body is read', async () => {
  const withTicket = await upload(client, 'pve1', 'local', { cookie: root.cookie }, { content: 'iso' }, { filename: 'ticket.iso', data: iso });
  expect(withTicket.json!.data).toMatch(/:imgcopy::root@pam:$/);
  await client.waitTask('pve1', withTicket.json!.data as string, root);
  const denied = await upload(client, 'pve1', 'local', READER, { content: 'iso' }, { filename: 'x.iso', data: iso });
  expect([denied.status, denied.reason, denied.text]).toEqual([403, 'Permission check failed (/storage/local, Datastore.AllocateTemplate)', '']);
});

test('deleting the ISO is an imgdel task named after the storage; the file is gone afterwards', async () => {
  const res = await client.request('DELETE', '/nodes/pve1/storage/local/content/local:iso/user-data-100.iso', { auth: TOKEN_AUTH });
  const upid = res.json!.data as string;
  expect(upid).toMatch(/:imgdel:local:root@pam!cozy:$/);
  expect((await client.waitTask('pve1', upid)).exitstatus).toBe('OK');
  expect(await client.taskLog('pve1', upid)).toEqual(["Removed volume 'local:iso/user-data-100.iso'", 'TASK OK']);
  expect((await isoVolumes()).map((v) => v.volid)).not.toContain('local:iso/user-data-100.iso');
  expect(sim.state.nodes.get('pve1')!.storages.get('local')!.files.has('iso/user-data-100.iso')).toBe(false);
  const again = await client.request('GET', '/nodes/pve1/storage/local/content/local:iso/user-data-100.iso', { auth: TOKEN_AUTH });
  expect([again.status, again.json!.message]).toEqual([500, "volume 'local:iso/user-data-100.iso' does not exist\n"]);
});

describe('a path parameter repeated in the body', () => {
  const allocate = { vmid: '9999', filename: 'vm-9999-pvc-1', size: '1048576' };

  test('is accepted with the same value, form-encoded or JSON (the CSI controller sends node this way)', async () => {
    const form = await client.request('POST', '/nodes/pve1/storage/local-lvm/content', { auth: TOKEN_AUTH, form: { ...allocate, node: 'pve1', storage: 'local-lvm' } });
    expect([form.status, form.json!.data]).toEqual([200, 'local-lvm:vm-9999-pvc-1']);
    const json = await client.request('POST', '/nodes/pve1/storage/local-lvm/content', { auth: TOKEN_AUTH, json: { ...allocate, filename: 'vm-9999-pvc-2', node: 'pve1' } });
    expect([json.status, json.json!.data]).toEqual([200, 'local-lvm:vm-9999-pvc-2']);
  });

  test('is refused with another value, before the permission check', async () => {
    const conflict = await client.request('POST', '/nodes/pve1/storage/local-lvm/content', { auth: READER, form: { ...allocate, node: 'pve2' } });
    expect([conflict.status, conflict.json!.message, conflict.json!.errors]).toEqual([400, 'Parameter verification failed.\n', { node: 'duplicate parameter (already defined in URI) with conflicting values!' }]);
    const same = await client.request('POST', '/nodes/pve1/storage/local-lvm/content', { auth: READER, form: { ...allocate, node: 'pve1' } });
    expect([same.status, same.json!.message]).toEqual([403, 'Permission check failed (/storage/local-lvm, Datastore.AllocateSpace)\n']);
  });
});
