// The parts of the client that are plain functions: URL normalisation, UPID parsing, permission messages, backoff,
// privilege comparison.
import { parsePermissionMessage } from '../../src/proxmox/error-mapping';
import { comparePrivileges, versionAtLeast } from '../../src/proxmox/required-privileges';
import { backoffDelay, DEFAULT_READ_RETRY } from '../../src/proxmox/retry';
import { parseUpid } from '../../src/proxmox/upid';
import { normaliseBaseUrl, ProxmoxUrlError } from '../../src/proxmox/url';

describe('normaliseBaseUrl', () => {
  it.each([
    ['https://pve.example:8006', false],
    ['https://pve.example:8006/', false],
    ['https://pve.example:8006/api2/json', true],
    ['https://pve.example:8006/api2/json/', true],
  ])('accepts %s', (input, suffix) => {
    const url = normaliseBaseUrl(input);
    expect(url.origin).toBe('https://pve.example:8006');
    expect(url.apiBase).toBe('https://pve.example:8006/api2/json');
    expect(url.urlHadApiSuffix).toBe(suffix);
  });

  it.each(['https://pve.example:8006/pve', 'https://pve.example:8006/api2/extjs', 'https://u:p@pve.example:8006', 'ftp://pve', 'pve.example'])(
    'rejects %s with a message naming the fix',
    (input) => {
      expect(() => normaliseBaseUrl(input)).toThrow(ProxmoxUrlError);
    },
  );

  it('names the root URL to use when the path is wrong', () => {
    expect(() => normaliseBaseUrl('https://pve.example:8006/ui')).toThrow(/use https:\/\/pve\.example:8006/);
  });
});

describe('parseUpid', () => {
  it('splits a UPID into its fields', () => {
    const u = parseUpid('UPID:pve1:0000A1B2:0012C3D4:6553F00D:qmclone:9000:root@pam!cozy:');
    expect(u).toMatchObject({ node: 'pve1', pid: 0xa1b2, pstart: 0x12c3d4, starttime: 0x6553f00d, type: 'qmclone', id: '9000', user: 'root@pam!cozy' });
  });

  it('accepts an empty ID (node-wide tasks)', () => {
    expect(parseUpid('UPID:pve1:00001234:00005678:6553F00D:srvreload:networking:root@pam:').id).toBe('networking');
    expect(parseUpid('UPID:pve1:00001234:00005678:6553F00D:aptupdate::root@pam:').id).toBe('');
  });

  it('rejects text that is not a UPID', () => {
    expect(() => parseUpid('UPID:pve1:xyz')).toThrow(/not a UPID/);
  });
});

describe('parsePermissionMessage', () => {
  it('reads path and privilege', () => {
    expect(parsePermissionMessage('Permission check failed (/vms/100, VM.Clone)')).toEqual({ aclPath: '/vms/100', privileges: ['VM.Clone'] });
  });
  it('reads alternatives', () => {
    expect(parsePermissionMessage('Permission check failed (/nodes/pve1, Sys.Audit|Sys.Modify)').privileges).toEqual(['Sys.Audit', 'Sys.Modify']);
  });
  it('leaves a message without path and privilege alone', () => {
    expect(parsePermissionMessage('Permission check failed (user != root@pam)')).toEqual({ privileges: [] });
    expect(parsePermissionMessage('Permission check failed')).toEqual({ privileges: [] });
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, jittered below the ceiling', () => {
    const max = () => 0.999999;
    expect(backoffDelay(DEFAULT_READ_RETRY, 1, max)).toBe(100);
    expect(backoffDelay(DEFAULT_READ_RETRY, 2, max)).toBe(200);
    expect(backoffDelay(DEFAULT_READ_RETRY, 10, max)).toBe(2000);
    expect(backoffDelay(DEFAULT_READ_RETRY, 3, () => 0.5)).toBe(200);
  });
});

describe('comparePrivileges', () => {
  const all = ['Sys.Audit', 'VM.Allocate', 'VM.Clone', 'VM.Audit', 'VM.Config.CDROM', 'VM.Config.CPU', 'VM.Config.Cloudinit',
    'VM.Config.Disk', 'VM.Config.HWType', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.Options', 'VM.PowerMgmt',
    'VM.Monitor', 'VM.GuestAgent.Audit', 'VM.GuestAgent.Unrestricted', 'Datastore.Allocate', 'Datastore.AllocateSpace', 'Datastore.AllocateTemplate', 'Datastore.Audit', 'SDN.Use'];
  const grant = (privs: string[]) => Object.fromEntries(privs.map((p) => [p, 1]));

  it('passes when every privilege is held somewhere', () => {
    const perms = { '/': grant(['Sys.Audit']), '/pool/capi': grant(all.filter((p) => p.startsWith('VM.'))), '/storage/local-lvm': grant(all.filter((p) => !p.startsWith('VM.'))) };
    expect(comparePrivileges(perms, '8.2.4').missing).toEqual([]);
  });

  it('names what is missing and who needs it', () => {
    const result = comparePrivileges({ '/': grant(all.filter((p) => p !== 'VM.Clone' && p !== 'VM.Config.Disk')) }, '8.2.4');
    expect(result.missing.map((m) => m.privilege).sort()).toEqual(['VM.Clone', 'VM.Config.Disk']);
    expect(result.missing.find((m) => m.privilege === 'VM.Config.Disk')?.neededBy).toHaveLength(2);
  });

  it('does not ask a 7.x server for SDN.Use, nor an 8.x one for the guest-agent privileges of 9.0', () => {
    const result = comparePrivileges({ '/': grant(all.filter((p) => p !== 'SDN.Use' && !p.startsWith('VM.GuestAgent.'))) }, '7.4-3');
    expect(result.missing).toEqual([]);
    expect(result.notApplicable.sort()).toEqual(['SDN.Use', 'VM.GuestAgent.Audit', 'VM.GuestAgent.Unrestricted']);
  });

  it('asks a 9.x server for VM.GuestAgent.* instead of VM.Monitor, which 9.0 removed', () => {
    const result = comparePrivileges({ '/': grant(all.filter((p) => p !== 'VM.Monitor' && p !== 'VM.GuestAgent.Unrestricted')) }, '9.0.3');
    expect(result.missing.map((m) => m.privilege)).toEqual(['VM.GuestAgent.Unrestricted']);
    expect(result.notApplicable).toEqual(['VM.Monitor']);
  });

  it('compares versions by major and minor', () => {
    expect(versionAtLeast('7.0', '7.0')).toBe(true);
    expect(versionAtLeast('6.4-13', '7.0')).toBe(false);
    expect(versionAtLeast('10.1', '9.4')).toBe(true);
  });
});
