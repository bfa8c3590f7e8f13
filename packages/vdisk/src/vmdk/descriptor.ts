import { VdiskError } from '../errors.js';
import { MAX_SECTORS } from './header.js';

/** Access an extent line grants. */
export type ExtentAccess = 'RW' | 'RDONLY' | 'NOACCESS';

/** Extent types a descriptor may name (only SPARSE, FLAT, VMFS and ZERO are implemented). */
export type ExtentType = 'SPARSE' | 'FLAT' | 'ZERO' | 'VMFS' | 'VMFSSPARSE' | 'VMFSRDM' | 'VMFSRAW' | 'SESPARSE';

const EXTENT_TYPES: readonly string[] = ['SPARSE', 'FLAT', 'ZERO', 'VMFS', 'VMFSSPARSE', 'VMFSRDM', 'VMFSRAW', 'SESPARSE'];

/** `CID` value meaning "no parent". */
export const CID_NONE = 0xffffffff;

/** One extent line: `RW 2048 SPARSE "disk.vmdk"` or `RW 2048 FLAT "disk-flat.vmdk" 0`. */
export interface ExtentLine {
  /** Access granted. */
  access: ExtentAccess;
  /** Size of the extent in sectors. */
  sectors: number;
  /** Extent type. */
  type: ExtentType;
  /** File name relative to the descriptor (null for ZERO). */
  file: string | null;
  /** Sector offset inside the file (FLAT/VMFS only). */
  offset: number;
}

/** A parsed VMDK descriptor (Virtual Disk Format 1.1, "The Descriptor File"). */
export interface Descriptor {
  /** Descriptor version (1). */
  version: number;
  /** Content ID: changes whenever the disk is written. */
  cid: number;
  /** The parent's CID ({@link CID_NONE} when there is no parent). */
  parentCid: number;
  /** `monolithicSparse`, `monolithicFlat`, `twoGbMaxExtentSparse`, `twoGbMaxExtentFlat`, ... */
  createType: string;
  /** The parent's file name for delta disks and redo logs. */
  parentFileNameHint: string | null;
  /** Extents in disk order. */
  extents: ExtentLine[];
  /** `ddb.*` keys (disk database), in file order, values unquoted. */
  ddb: Map<string, string>;
  /** Other header keys kept for round trips (encoding, isNativeSnapshot, ...), values as written. */
  other: Map<string, string>;
}

function unquote(v: string, line: number): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1);
  if (v.includes('"')) throw new VdiskError('descriptor-syntax', `unbalanced quotes in ${v}`, line);
  return v;
}

function parseCid(v: string, line: number, key: string): number {
  if (!/^[0-9a-fA-F]{1,8}$/.test(v)) throw new VdiskError('descriptor-syntax', `${key} must be up to 8 hex digits, got "${v}"`, line);
  return parseInt(v, 16) >>> 0;
}

/** Drop a `#` comment that is not inside quotes. */
function stripComment(s: string): string {
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') q = !q;
    else if (c === '#' && !q) return s.slice(0, i);
  }
  return s;
}

const EXTENT_RE = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+([A-Z]+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?$/;

/**
 * Parse descriptor text (an embedded descriptor's NULs and trailing bytes are ignored).
 * @throws VdiskError `descriptor-syntax` with the 1-based line number
 */
export function parseDescriptor(text: string): Descriptor {
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  const d: Descriptor = {
    version: 0,
    cid: 0,
    parentCid: CID_NONE,
    createType: '',
    parentFileNameHint: null,
    extents: [],
    ddb: new Map(),
    other: new Map(),
  };
  let sawVersion = false;
  let sawCid = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const s = stripComment(lines[i]!).trim();
    if (s === '') continue;
    const m = EXTENT_RE.exec(s);
    if (m) {
      const type = m[3]!;
      if (!EXTENT_TYPES.includes(type)) throw new VdiskError('descriptor-syntax', `unknown extent type ${type}`, n);
      const sectors = Number(m[2]);
      if (!Number.isSafeInteger(sectors) || sectors <= 0 || sectors > MAX_SECTORS)
        throw new VdiskError('descriptor-syntax', `bad extent size ${m[2]}`, n);
      if (m[5] !== undefined && Number(m[5]) > MAX_SECTORS) throw new VdiskError('descriptor-syntax', `bad extent offset ${m[5]}`, n);
      const file = m[4] ?? null;
      if (type !== 'ZERO' && file === null) throw new VdiskError('descriptor-syntax', `${type} extent needs a quoted file name`, n);
      if (m[5] !== undefined && type !== 'FLAT' && type !== 'VMFS' && type !== 'VMFSRAW' && type !== 'VMFSRDM')
        throw new VdiskError('descriptor-syntax', `${type} extent takes no offset`, n);
      d.extents.push({ access: m[1] as ExtentAccess, sectors, type: type as ExtentType, file, offset: m[5] ? Number(m[5]) : 0 });
      continue;
    }
    if (/^(RW|RDONLY|NOACCESS)\b/.test(s)) throw new VdiskError('descriptor-syntax', `malformed extent line: ${s}`, n);
    const eq = s.indexOf('=');
    if (eq <= 0) throw new VdiskError('descriptor-syntax', `expected key=value or an extent line, got: ${s}`, n);
    const key = s.slice(0, eq).trim();
    const raw = s.slice(eq + 1).trim();
    if (!/^[A-Za-z][\w.:-]*$/.test(key)) throw new VdiskError('descriptor-syntax', `bad key "${key}"`, n);
    const value = unquote(raw, n);
    if (key.startsWith('ddb.')) {
      d.ddb.set(key.slice(4), value);
      continue;
    }
    switch (key) {
      case 'version':
        if (!/^\d+$/.test(value)) throw new VdiskError('descriptor-syntax', `version must be a number, got "${value}"`, n);
        d.version = Number(value);
        sawVersion = true;
        break;
      case 'CID':
        d.cid = parseCid(value, n, key);
        sawCid = true;
        break;
      case 'parentCID':
        d.parentCid = parseCid(value, n, key);
        break;
      case 'createType':
        d.createType = value;
        break;
      case 'parentFileNameHint':
        d.parentFileNameHint = value;
        break;
      default:
        d.other.set(key, raw);
    }
  }
  const last = lines.length;
  if (!sawVersion) throw new VdiskError('descriptor-syntax', 'missing version', last);
  if (d.version < 1 || d.version > 3) throw new VdiskError('unsupported', `descriptor version ${d.version}`);
  if (!sawCid) throw new VdiskError('descriptor-syntax', 'missing CID', last);
  if (d.createType === '') throw new VdiskError('descriptor-syntax', 'missing createType', last);
  if (d.extents.length === 0) throw new VdiskError('descriptor-syntax', 'no extent lines', last);
  if (d.extents.reduce((a, e) => a + e.sectors, 0) > MAX_SECTORS)
    throw new VdiskError('descriptor-syntax', `extents add up to more than ${MAX_SECTORS} sectors`, last);
  return d;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** Encode a descriptor the way VMware writes one. */
export function formatDescriptor(d: Descriptor): string {
  const out: string[] = ['# Disk DescriptorFile', `version=${d.version}`];
  for (const [k, v] of d.other) if (k === 'encoding') out.push(`${k}=${v}`);
  out.push(`CID=${hex8(d.cid)}`, `parentCID=${hex8(d.parentCid)}`);
  for (const [k, v] of d.other) if (k !== 'encoding') out.push(`${k}=${v}`);
  out.push(`createType="${d.createType}"`);
  if (d.parentFileNameHint !== null) out.push(`parentFileNameHint="${d.parentFileNameHint}"`);
  out.push('', '# Extent description');
  for (const e of d.extents) {
    let line = `${e.access} ${e.sectors} ${e.type}`;
    if (e.file !== null) line += ` "${e.file}"`;
    if (e.type === 'FLAT' || e.type === 'VMFS') line += ` ${e.offset}`;
    out.push(line);
  }
  out.push('', '# The Disk Data Base', '#DDB', '');
  for (const [k, v] of d.ddb) out.push(`ddb.${k} = "${v}"`);
  return out.join('\n') + '\n';
}

/** A fresh random CID (never {@link CID_NONE}). */
export function newCid(): number {
  const a = new Uint32Array(1);
  globalThis.crypto.getRandomValues(a);
  const v = a[0]! >>> 0;
  return v === CID_NONE ? 0xfffffffe : v;
}
