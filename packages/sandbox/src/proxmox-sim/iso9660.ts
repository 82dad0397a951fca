// A small ISO9660 reader, so that the simulated guest can read an uploaded cloud-init seed the way Linux mounts it:
// the volume label from the primary volume descriptor (what blkid reports as LABEL), and file names from Rock Ridge
// (NM entries) when the image has them, else from Joliet, else the plain ISO9660 names mapped as Linux's isofs maps
// them ("USER_DATA.;1" becomes "user_data", which is why a NoCloud seed needs Rock Ridge or Joliet). go-diskfs, which
// CAPMOX's client library writes its seed with, produces Rock Ridge without Joliet; genisoimage -J -R both.
// Images are untrusted input: every offset is bounds-checked and directory walks are limited.

export class IsoError extends Error {}

export interface IsoVolume {
  /** The primary volume identifier, trailing blanks and NULs removed (e.g. "cidata"). */
  label: string;
  /** Which names the files carry: the same choice Linux makes when it mounts the image. */
  names: 'rockridge' | 'joliet' | 'iso9660';
  /** Regular files by path relative to the root, without a leading slash ("user-data", "openstack/latest/x"). */
  files: Map<string, Buffer>;
}

const SYSTEM_AREA_SECTORS = 16;
const MAX_DESCRIPTORS = 64;
const MAX_ENTRIES = 10_000;
const MAX_DEPTH = 16;

interface DirRecord {
  location: number;
  length: number;
  isDir: boolean;
  multiExtent: boolean;
  rawName: Buffer;
  /** The System Use area (SUSP entries), empty when there is none. */
  systemUse: Buffer;
}

class Reader {
  constructor(
    private readonly image: Buffer,
    readonly blockSize: number,
  ) {}

  slice(offset: number, length: number): Buffer {
    if (offset < 0 || length < 0 || offset + length > this.image.length) throw new IsoError(`read beyond the end of the image (${offset}+${length} of ${this.image.length})`);
    return this.image.subarray(offset, offset + length);
  }

  extent(block: number, length: number): Buffer {
    return this.slice(block * this.blockSize, length);
  }
}

function parseRecord(buf: Buffer, at: number): DirRecord | undefined {
  const len = buf[at];
  if (len === 0) return undefined;
  if (at + len > buf.length || len < 34) throw new IsoError('truncated directory record');
  const nameLen = buf[at + 32];
  if (33 + nameLen > len) throw new IsoError('directory record name exceeds the record');
  const flags = buf[at + 25];
  // The System Use area follows the name and a padding byte that keeps the record's fields even.
  const suStart = 33 + nameLen + (nameLen % 2 === 0 ? 1 : 0);
  return {
    location: buf.readUInt32LE(at + 2),
    length: buf.readUInt32LE(at + 10),
    isDir: (flags & 0x02) !== 0,
    multiExtent: (flags & 0x80) !== 0,
    rawName: buf.subarray(at + 33, at + 33 + nameLen),
    systemUse: suStart < len ? buf.subarray(at + suStart, at + len) : Buffer.alloc(0),
  };
}

/** The records of one directory extent; a zero length byte pads to the next sector. */
function readDirectory(reader: Reader, block: number, length: number): DirRecord[] {
  const data = reader.extent(block, length);
  const out: DirRecord[] = [];
  let at = 0;
  while (at < data.length) {
    const rec = parseRecord(data, at);
    if (!rec) {
      const next = (Math.floor(at / reader.blockSize) + 1) * reader.blockSize;
      if (next <= at) break;
      at = next;
      continue;
    }
    out.push(rec);
    at += data[at];
    if (out.length > MAX_ENTRIES) throw new IsoError('too many directory entries');
  }
  return out;
}

interface SuspInfo {
  /** SUSP "SP": the System Use area is in use; its skip count applies to every record's area. */
  sp?: { skip: number };
  /** Rock Ridge alternate name, when an NM entry is present. */
  name?: string;
  /** RE: a relocated directory's placeholder, which Linux hides. */
  relocated: boolean;
}

/** Walks the SUSP entries of a System Use area, following CE continuation areas. */
function readSusp(reader: Reader, area: Buffer, skip: number): SuspInfo {
  const info: SuspInfo = { relocated: false };
  let name: string | undefined;
  let pending: Buffer | undefined = area.subarray(Math.min(skip, area.length));
  let hops = 0;
  while (pending) {
    const buf: Buffer = pending;
    pending = undefined;
    let at = 0;
    while (at + 4 <= buf.length) {
      const sig = buf.toString('latin1', at, at + 2);
      const len = buf[at + 2];
      if (len < 4 || at + len > buf.length) break;
      const body = buf.subarray(at + 4, at + len);
      if (sig === 'SP' && body.length >= 3 && body[0] === 0xbe && body[1] === 0xef) info.sp = { skip: body[2] };
      else if (sig === 'NM' && body.length >= 1) {
        const flags = body[0];
        // CURRENT (2) and PARENT (4) name "." and ".."; CONTINUE (1) means the name goes on in the next NM.
        if ((flags & 0x06) === 0) name = (name ?? '') + body.subarray(1).toString('utf8');
      } else if (sig === 'RE') info.relocated = true;
      else if (sig === 'CE' && body.length >= 24 && hops < 8) {
        const block = body.readUInt32LE(0);
        const offset = body.readUInt32LE(8);
        const length = body.readUInt32LE(16);
        pending = reader.slice(block * reader.blockSize + offset, length);
        hops++;
      } else if (sig === 'ST') break;
      at += len;
    }
  }
  if (name !== undefined) info.name = name;
  return info;
}

/** Linux isofs_name_translate: lower case, drop a trailing ".;1" or ";1", other ';' become '.'. */
function mapPlainName(raw: Buffer): string {
  let out = '';
  const len = raw.length;
  for (let i = 0; i < len; i++) {
    let c = raw[i];
    if (c === 0) break;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c === 0x2e && i === len - 3 && raw[i + 1] === 0x3b && raw[i + 2] === 0x31) break;
    if (c === 0x3b && i === len - 2 && raw[i + 1] === 0x31) break;
    if (c === 0x3b || c === 0x2f) c = 0x2e;
    out += String.fromCharCode(c);
  }
  return out;
}

/** Joliet names are UCS-2 big-endian, with the same ";1" version suffix. */
function mapJolietName(raw: Buffer): string {
  let out = '';
  for (let i = 0; i + 1 < raw.length; i += 2) out += String.fromCharCode(raw.readUInt16BE(i));
  return out.replace(/;1$/, '').replace(/\.$/, '');
}

function trimIdentifier(buf: Buffer): string {
  return buf.toString('latin1').replace(/[\s\0]+$/, '');
}

const isSelfOrParent = (raw: Buffer) => raw.length === 1 && (raw[0] === 0 || raw[0] === 1);

export function readIso9660(image: Buffer): IsoVolume {
  const probe = new Reader(image, 2048);
  let label: string | undefined;
  let primaryRoot: DirRecord | undefined;
  let jolietRoot: DirRecord | undefined;
  let blockSize = 2048;
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const desc = probe.slice((SYSTEM_AREA_SECTORS + i) * 2048, 2048);
    if (desc.toString('latin1', 1, 6) !== 'CD001') throw new IsoError('not an ISO9660 image (no CD001 volume descriptor)');
    const type = desc[0];
    if (type === 255) break;
    if (type === 1 && !primaryRoot) {
      label = trimIdentifier(desc.subarray(40, 72));
      blockSize = desc.readUInt16LE(128) || 2048;
      primaryRoot = parseRecord(desc, 156);
    } else if (type === 2 && !jolietRoot) {
      const escapes = desc.toString('latin1', 88, 91);
      if (escapes === '%/@' || escapes === '%/C' || escapes === '%/E') jolietRoot = parseRecord(desc, 156);
    }
  }
  if (!primaryRoot || label === undefined) throw new IsoError('no primary volume descriptor');
  if (blockSize !== 2048 && blockSize !== 1024 && blockSize !== 512) throw new IsoError(`unsupported logical block size ${blockSize}`);
  const reader = new Reader(image, blockSize);

  // Rock Ridge is announced by an SP entry in the root directory's own "." record.
  const rootSelf = readDirectory(reader, primaryRoot.location, primaryRoot.length)[0];
  const sp = rootSelf ? readSusp(reader, rootSelf.systemUse, 0).sp : undefined;
  const names: IsoVolume['names'] = sp ? 'rockridge' : jolietRoot ? 'joliet' : 'iso9660';
  const root = names === 'joliet' ? jolietRoot! : primaryRoot;
  const skip = sp?.skip ?? 0;

  const files = new Map<string, Buffer>();
  const visited = new Set<number>();
  let count = 0;
  const walk = (dir: DirRecord, prefix: string, depth: number) => {
    if (depth > MAX_DEPTH || visited.has(dir.location)) return;
    visited.add(dir.location);
    let pendingName: string | undefined;
    let pendingParts: Buffer[] = [];
    for (const rec of readDirectory(reader, dir.location, dir.length)) {
      if (++count > MAX_ENTRIES) throw new IsoError('too many directory entries');
      if (isSelfOrParent(rec.rawName)) continue;
      let name: string;
      if (names === 'rockridge') {
        const susp = readSusp(reader, rec.systemUse, skip);
        if (susp.relocated) continue;
        name = susp.name ?? mapPlainName(rec.rawName);
      } else {
        name = names === 'joliet' ? mapJolietName(rec.rawName) : mapPlainName(rec.rawName);
      }
      if (!name || name.includes('/')) continue;
      if (rec.isDir) {
        walk(rec, `${prefix}${name}/`, depth + 1);
        continue;
      }
      // A file larger than one extent is written as several records with the multi-extent flag on all but the last.
      pendingParts.push(reader.extent(rec.location, rec.length));
      pendingName ??= name;
      if (rec.multiExtent) continue;
      files.set(`${prefix}${pendingName}`, pendingParts.length === 1 ? pendingParts[0] : Buffer.concat(pendingParts));
      pendingName = undefined;
      pendingParts = [];
    }
  };
  walk(root, '', 0);
  return { label, names, files };
}
