import { VdiskError } from '../errors.js';

/** `KDMV` read as a little-endian uint32 (Virtual Disk Format 1.1, "Header"). */
export const SPARSE_MAGIC = 0x564d444b;
/** Header flag: the newline-detection characters are valid. */
export const FLAG_NL_DETECT = 1 << 0;
/** Header flag: a redundant grain directory exists. */
export const FLAG_RGD = 1 << 1;
/** Header flag: a grain table entry of 1 marks a zeroed grain. */
export const FLAG_ZERO_GRAIN = 1 << 2;
/** Header flag: grains are deflate-compressed (streamOptimized). */
export const FLAG_COMPRESSED = 1 << 16;
/** Header flag: the extent contains markers (streamOptimized). */
export const FLAG_MARKERS = 1 << 17;
/** Grain table entry value meaning "this grain reads as zeros" (with {@link FLAG_ZERO_GRAIN}). */
export const GTE_ZEROED = 1;
/** Largest sector count a disk may have here: offsets stay exact in doubles. */
export const MAX_SECTORS = 2 ** 42;

/** The fields of a hosted sparse extent header (512 bytes at offset 0, little-endian). */
export interface SparseHeader {
  /** Format version: 1, or 2/3 for later features. */
  version: number;
  /** Flag bits ({@link FLAG_RGD}, {@link FLAG_ZERO_GRAIN}, ...). */
  flags: number;
  /** Capacity of this extent in sectors. */
  capacity: number;
  /** Sectors per grain (a power of two). */
  grainSize: number;
  /** Sector of the embedded descriptor (0: none). */
  descriptorOffset: number;
  /** Sectors reserved for the embedded descriptor. */
  descriptorSize: number;
  /** Entries per grain table (512 in every image VMware writes). */
  numGTEsPerGT: number;
  /** Sector of the redundant grain directory (0: none). */
  rgdOffset: number;
  /** Sector of the grain directory. */
  gdOffset: number;
  /** Sectors of metadata before the first grain. */
  overHead: number;
  /** Set while a writer has the extent open. */
  uncleanShutdown: boolean;
  /** Compression algorithm (0: none, 1: deflate). */
  compressAlgorithm: number;
}

/** Read a little-endian uint64 as a Number; values above 2^53 become Infinity (cold code only). */
function u64(v: DataView, at: number): number {
  const lo = v.getUint32(at, true);
  const hi = v.getUint32(at + 4, true);
  return hi >= 0x200000 ? Infinity : hi * 0x100000000 + lo;
}
function setU64(v: DataView, at: number, n: number): void {
  v.setUint32(at, n >>> 0, true);
  v.setUint32(at + 4, Math.floor(n / 0x100000000) >>> 0, true);
}

/** True when `b` starts with the sparse extent magic. */
export function hasSparseMagic(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x4b && b[1] === 0x44 && b[2] === 0x4d && b[3] === 0x56;
}

/**
 * Parse and validate a 512-byte sparse extent header.
 * @throws VdiskError `bad-magic`, `bad-header` or `unsupported`
 */
export function parseSparseHeader(b: Uint8Array): SparseHeader {
  if (b.length < 512) throw new VdiskError('truncated', 'sparse extent header is shorter than 512 bytes');
  const v = new DataView(b.buffer, b.byteOffset, 512);
  if (v.getUint32(0, true) !== SPARSE_MAGIC) {
    if (b[0] === 0x43 && b[1] === 0x4f && b[2] === 0x57 && b[3] === 0x44)
      throw new VdiskError('unsupported', 'COWD (ESX vmfsSparse) extents are not supported');
    throw new VdiskError('bad-magic', 'not a VMDK sparse extent (no KDMV magic)');
  }
  const h: SparseHeader = {
    version: v.getUint32(4, true),
    flags: v.getUint32(8, true),
    capacity: u64(v, 12),
    grainSize: u64(v, 20),
    descriptorOffset: u64(v, 28),
    descriptorSize: u64(v, 36),
    numGTEsPerGT: v.getUint32(44, true),
    rgdOffset: u64(v, 48),
    gdOffset: u64(v, 56),
    overHead: u64(v, 64),
    uncleanShutdown: b[72] !== 0,
    compressAlgorithm: v.getUint16(77, true),
  };
  if (h.version < 1 || h.version > 3) throw new VdiskError('unsupported', `sparse extent version ${h.version}`);
  if (h.flags & (FLAG_COMPRESSED | FLAG_MARKERS) || h.compressAlgorithm !== 0)
    throw new VdiskError('unsupported', 'compressed (streamOptimized) extents are not supported');
  if (h.gdOffset === Infinity) throw new VdiskError('unsupported', 'grain directory at end of stream (streamOptimized)');
  if (h.capacity > MAX_SECTORS) throw new VdiskError('bad-header', `capacity ${h.capacity} sectors is too large`);
  const g = h.grainSize;
  if (!(g >= 1 && g <= 65536 && (g & (g - 1)) === 0))
    throw new VdiskError('bad-header', `grain size ${g} sectors is not a power of two in 1..65536`);
  const n = h.numGTEsPerGT;
  if (!(n >= 1 && n <= 65536 && (n & (n - 1)) === 0))
    throw new VdiskError('bad-header', `${n} entries per grain table is not a power of two in 1..65536`);
  if (h.gdOffset === 0) throw new VdiskError('bad-header', 'grain directory offset is 0');
  if (h.flags & FLAG_RGD && h.rgdOffset === 0) throw new VdiskError('bad-header', 'redundant grain directory flag set but offset is 0');
  for (const [name, val] of [
    ['descriptorOffset', h.descriptorOffset],
    ['descriptorSize', h.descriptorSize],
    ['rgdOffset', h.rgdOffset],
    ['overHead', h.overHead],
  ] as const)
    if (val > MAX_SECTORS) throw new VdiskError('bad-header', `${name} ${val} is out of range`);
  return h;
}

/** Encode a header into 512 bytes (newline-detection characters included). */
export function formatSparseHeader(h: SparseHeader): Uint8Array {
  const b = new Uint8Array(512);
  const v = new DataView(b.buffer);
  v.setUint32(0, SPARSE_MAGIC, true);
  v.setUint32(4, h.version, true);
  v.setUint32(8, h.flags >>> 0, true);
  setU64(v, 12, h.capacity);
  setU64(v, 20, h.grainSize);
  setU64(v, 28, h.descriptorOffset);
  setU64(v, 36, h.descriptorSize);
  v.setUint32(44, h.numGTEsPerGT, true);
  setU64(v, 48, h.rgdOffset);
  setU64(v, 56, h.gdOffset);
  setU64(v, 64, h.overHead);
  b[72] = h.uncleanShutdown ? 1 : 0;
  // The newline-detection characters let a reader spot FTP text-mode damage.
  b[73] = 0x0a;
  b[74] = 0x20;
  b[75] = 0x0d;
  b[76] = 0x0a;
  v.setUint16(77, h.compressAlgorithm, true);
  return b;
}

/** Grain directory entries an extent of `h` needs. */
export function gdEntryCount(h: SparseHeader): number {
  return Math.ceil(h.capacity / (h.grainSize * h.numGTEsPerGT));
}

/** Sectors one grain table occupies. */
export function gtSectorCount(h: SparseHeader): number {
  return Math.ceil((h.numGTEsPerGT * 4) / 512);
}

/** Sectors the grain directory occupies. */
export function gdSectorCount(h: SparseHeader): number {
  return Math.ceil((gdEntryCount(h) * 4) / 512);
}
