// POST /nodes/{node}/storage/{storage}/upload, as pve-storage's upload method does it: the HTTP layer has received the
// file (upload-body.ts) and passes its temporary name as `tmpfilename`; the method checks the storage (enabled, file
// based, allowing the content type), normalizes the file name and checks its extension, then forks an `imgcopy`
// worker on the node that answered (the method is not proxied: a file for another node is copied there with scp),
// which verifies the optional checksum and puts the file in place. An existing file of the same name is overwritten.
// The file's bytes stay with the storage, so that a VM that boots from it can read it (guest-seed.ts).
import type { Simulation } from '../core';
import { fail, paramError } from '../errors';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../upload-body';
import type { Router } from '../router';
import type { NodeState, StorageState } from '../state';

/** Storage types with a path in storage.cfg: the only ones files can be uploaded to. */
const FILE_STORAGE_TYPES = new Set(['dir', 'nfs', 'cifs', 'cephfs', 'btrfs', 'glusterfs']);
/** Realistic copy rates: cp on the node, scp to another node. */
const LOCAL_COPY_BYTES_PER_SECOND = 1024 ** 3;
const REMOTE_COPY_BYTES_PER_SECOND = 110 * 1024 ** 2;

/** PVE::Storage::normalize_content_filename: no directories, and only [a-zA-Z0-9_.-]. */
export function normalizeContentFilename(name: string): string {
  return name.replace(/\n$/, '').replace(/^.*[/\\]/, '').replace(/[^a-zA-Z0-9_.-]/g, '_');
}

interface Target {
  /** Volume name below the storage, e.g. "iso/seed.iso". */
  name: string;
  format: string;
  /** Directory below the storage's path. */
  dir: string;
}

function targetFor(content: string, filename: string): Target {
  if (content === 'iso') {
    if (!/[^/]+\.(?:iso|img)$/i.test(filename)) paramError({ filename: 'wrong file extension' });
    return { name: `iso/${filename}`, format: 'iso', dir: 'template/iso' };
  }
  if (content === 'vztmpl') {
    const m = /[^/]+\.tar\.(gz|xz|zst|bz2)$/i.exec(filename);
    if (!m) paramError({ filename: 'wrong file extension' });
    return { name: `vztmpl/${filename}`, format: `t${m[1].toLowerCase()}`, dir: 'template/cache' };
  }
  if (content === 'import') {
    const m = /[a-zA-Z0-9\-.+=_]+\.(ova|qcow2|raw|vmdk)$/.exec(filename);
    if (!m) paramError({ filename: 'invalid filename or wrong extension' });
    return { name: `import/${filename}`, format: m[1], dir: 'import' };
  }
  return paramError({ content: `upload content type '${content}' not allowed` });
}

/** PVE::Storage::storage_check_enabled. */
function enabledStorage(sim: Simulation, node: NodeState, id: string): StorageState {
  const s = node.storages.get(id);
  if (!s) {
    const elsewhere = [...sim.state.nodes.values()].some((n) => n.storages.has(id));
    fail(elsewhere ? `storage '${id}' is not available on node '${node.name}'` : `storage '${id}' does not exist`);
  }
  if (!s.enabled) fail(`storage '${id}' is disabled`);
  return s;
}

export function registerUpload(r: Router): void {
  r.add('POST /nodes/{node}/storage/{storage}/upload', ({ sim, authid, params }) => {
    const node = sim.node(params.node as string);
    const storage = enabledStorage(sim, node, params.storage as string);
    if (!FILE_STORAGE_TYPES.has(storage.type)) fail(`can't upload to storage type '${storage.type}'`);
    const content = String(params.content);
    const tmpfilename = params.tmpfilename as string | undefined;
    if (!tmpfilename) fail('missing temporary file name');
    const file = sim.uploads.get(tmpfilename);
    if (!file) fail(`temporary file '${tmpfilename}' does not exist`);
    const filename = normalizeContentFilename(String(params.filename));
    const target = targetFor(content, filename);
    if (!storage.content.includes(content)) fail(`storage '${storage.id}' does not support '${content}' content`);

    const local = sim.localNode();
    const remote = node.name !== local.name;
    const dest = `${storage.path ?? `/mnt/pve/${storage.id}`}/${target.dir}/${filename}`;
    const command = remote
      ? `/usr/bin/scp -o BatchMode=yes -o HostKeyAlias=${node.name} -o UserKnownHostsFile=/etc/pve/nodes/${node.name}/ssh_known_hosts -o GlobalKnownHostsFile=none -p -- ${tmpfilename} [${node.ip}]:${dest}`
      : `cp -- ${tmpfilename} ${dest}`;
    const algorithm = params['checksum-algorithm'] as ChecksumAlgorithm | undefined;
    const expected = params.checksum as string | undefined;

    return sim.tasks.start(local.name, 'imgcopy', '', authid, async (task) => {
      task.log(`starting file import from: ${tmpfilename}`);
      if (algorithm && CHECKSUM_ALGORITHMS.includes(algorithm)) {
        const got = file.checksums[algorithm];
        if (got.toLowerCase() !== String(expected).toLowerCase()) {
          task.log('calculating checksum...');
          throw new Error(`checksum mismatch: got '${got}' != expect '${expected}'`);
        }
        task.log('calculating checksum...OK, checksum verified');
      }
      task.log(`target node: ${node.name}`);
      task.log(`target file: ${dest}`);
      task.log(`file size is: ${file.size}`);
      task.log(`command: ${command}`);
      await task.sleep(0.2 + file.size / (remote ? REMOTE_COPY_BYTES_PER_SECOND : LOCAL_COPY_BYTES_PER_SECOND));
      // A shared storage is one file system for every node that has it.
      const stores = storage.shared ? [...sim.state.nodes.values()].map((n) => n.storages.get(storage.id)).filter((s): s is StorageState => !!s) : [storage];
      for (const s of stores) {
        s.volumes.set(target.name, { volid: `${s.id}:${target.name}`, storage: s.id, name: target.name, content, format: target.format, size: file.size, ctime: Math.floor(Date.now() / 1000) });
        if (file.data) s.files.set(target.name, file.data);
        else s.files.delete(target.name);
      }
      task.log('finished file import successfully');
    });
  });
}
