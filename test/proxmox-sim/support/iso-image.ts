// Real ISO9660 images for the upload and guest tests, made the way clients make a NoCloud seed (cloud-localds runs
// genisoimage, other tools xorriso as mkisofs): Rock Ridge and Joliet names unless asked otherwise, with the volume
// label given. Both tools are Debian packages that scripts/tools/debian.sh installs (`npm run tools -- debian`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPath } from '../../../src/tools/tool-paths';

export const ISO_MAKERS = ['genisoimage', 'xorriso'] as const;
export type IsoMaker = (typeof ISO_MAKERS)[number];

/** What the image carries beside the plain ISO9660 names (the names Linux, and the simulated guest, then read). */
export type IsoNames = 'rockridge' | 'joliet' | 'iso9660';
const NAME_FLAGS: Record<IsoNames, string[]> = { rockridge: ['-J', '-R'], joliet: ['-J'], iso9660: [] };

export function makeIso(files: Record<string, string | Buffer>, label: string, maker: IsoMaker = 'genisoimage', names: IsoNames = 'rockridge'): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'seed-iso-'));
  try {
    const root = join(dir, 'root');
    mkdirSync(root);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), content);
    const out = join(dir, 'seed.iso');
    const args = ['-quiet', '-o', out, '-V', label, ...NAME_FLAGS[names], root];
    // xorriso writes Rock Ridge unless told not to.
    if (maker === 'xorriso') execFileSync(toolPath('XORRISO', 'debian'), ['-as', 'mkisofs', ...(names === 'rockridge' ? [] : ['--norock']), ...args], { stdio: 'pipe' });
    else execFileSync(toolPath('GENISOIMAGE', 'debian'), args, { stdio: 'pipe' });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
