// The simulator's ISO9660 reader against images made by the tools NoCloud seeds are made with, genisoimage and
// xorriso (CAPMOX writes its seed with go-diskfs: the real CAPMOX uploads it to the simulator in test/capi).
import { readIso9660, IsoError } from '../../packages/sandbox/src/proxmox-sim/iso9660';
import { ISO_MAKERS, makeIso } from './support/iso-image';

const seedFiles = {
  'user-data': '#cloud-config\nhostname: worker-1\n',
  'meta-data': 'instance-id: 5e9c\nlocal-hostname: worker-1\n',
  'network-config': 'network:\n  version: 2\n  ethernets:\n    eth0:\n      match:\n        macaddress: bc:24:11:00:00:01\n      addresses:\n        - 10.0.0.5/24\n',
  'big.bin': Buffer.alloc(300_000, 7),
};

describe.each(ISO_MAKERS)('an image made by %s', (maker) => {
  test('gives the cidata label and the files under their long names', () => {
    const volume = readIso9660(makeIso(seedFiles, 'cidata', maker));
    expect(volume.label).toBe('cidata');
    expect(volume.names).toBe('rockridge');
    expect([...volume.files.keys()].sort()).toEqual(['big.bin', 'meta-data', 'network-config', 'user-data']);
    expect(volume.files.get('user-data')!.toString()).toBe(seedFiles['user-data']);
    expect(volume.files.get('network-config')!.toString()).toBe(seedFiles['network-config']);
    expect(volume.files.get('big.bin')!.equals(seedFiles['big.bin'])).toBe(true);
  });

  test('with Joliet alone the long names come from Joliet', () => {
    const volume = readIso9660(makeIso(seedFiles, 'cidata', maker, 'joliet'));
    expect([volume.label, volume.names]).toEqual(['cidata', 'joliet']);
    expect([...volume.files.keys()].sort()).toEqual(['big.bin', 'meta-data', 'network-config', 'user-data']);
    expect(volume.files.get('meta-data')!.toString()).toBe(seedFiles['meta-data']);
  });

  test('without Rock Ridge or Joliet, names are mapped as Linux maps them, so a NoCloud seed is not found', () => {
    const volume = readIso9660(makeIso({ 'user-data': 'x' }, 'CIDATA', maker, 'iso9660'));
    expect([volume.label, volume.names, [...volume.files.keys()]]).toEqual(['CIDATA', 'iso9660', ['user_dat']]);
  });
});

test('a file that is not an ISO9660 image is refused', () => {
  expect(() => readIso9660(Buffer.alloc(40_000))).toThrow(IsoError);
  expect(() => readIso9660(Buffer.from('#cloud-config\n'))).toThrow(IsoError);
});
