import type { BlockBackend } from '@vm/bus';
import { BlockError } from '@vm/bus';
import { VdiskError } from '../errors.js';
import type { FileLike } from '../storage/file-like.js';
import type { AllocationKind, AllocationRun, Extent } from '../disk/extent.js';
import {
  FLAG_NL_DETECT,
  FLAG_RGD,
  FLAG_ZERO_GRAIN,
  GTE_ZEROED,
  MAX_SECTORS,
  formatSparseHeader,
  gdEntryCount,
  gdSectorCount,
  gtSectorCount,
  parseSparseHeader,
} from './header.js';
import type { SparseHeader } from './header.js';

/** Options for {@link SparseExtent.create}. */
export interface SparseCreateOptions {
  /** Capacity in sectors. */
  capacity: number;
  /** Sectors per grain (default 128 = 64 KiB). */
  grainSize?: number;
  /** Embedded descriptor text (monolithicSparse), or none for a twoGbMaxExtent part. */
  descriptor?: string;
  /** Sectors reserved for the embedded descriptor (default 20 with a descriptor, else 0). */
  descriptorSectors?: number;
  /** Enable zeroed-grain markers (grain table entry 1). */
  zeroedGrains?: boolean;
}

/** Grains of an extent by kind ({@link SparseExtent.countGrains}). */
export interface GrainCounts {
  /** Grains holding data. */
  data: number;
  /** Grains marked zeroed (grain table entry 1). */
  zero: number;
}

/** Dirty grain tables that force a metadata flush during writes. */
const DIRTY_LIMIT = 1024;

function isLittleEndianHost(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}
const LE = isLittleEndianHost();

function decodeU32(bytes: Uint8Array, out: Uint32Array): void {
  if (LE) {
    new Uint8Array(out.buffer, out.byteOffset, out.length * 4).set(bytes.subarray(0, out.length * 4));
    return;
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < out.length; i++) out[i] = v.getUint32(i * 4, true);
}

function encodeU32(src: Uint32Array, bytes: Uint8Array): void {
  if (LE) {
    bytes.set(new Uint8Array(src.buffer, src.byteOffset, src.length * 4));
    return;
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < src.length; i++) v.setUint32(i * 4, src[i]!, true);
}

function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * A hosted sparse extent (`KDMV`, Virtual Disk Format 1.1 "Hosted Sparse
 * Extents"): a header, an optional embedded descriptor, a grain directory
 * and its redundant copy pointing to grain tables, and grains allocated on
 * first write at the end of the file.
 *
 * Crash safety: grain table and directory updates stay in memory until
 * {@link flush}, which first makes the data durable, then writes both
 * copies of the metadata and makes that durable, so no table on disk ever
 * points at data that was not written.
 */
export class SparseExtent implements Extent {
  /**
   * Grain tables each extent keeps cached before dropping the clean ones
   * (8192 tables of 512 entries: 16 MiB, covering 256 GiB at 64 KiB grains).
   */
  static gtCacheLimit = 8192;
  /** @inheritDoc */
  readonly kind = 'sparse';
  /** @inheritDoc */
  readonly sectors: number;
  /** @inheritDoc */
  parent: BlockBackend | null = null;
  /** @inheritDoc */
  base = 0;
  /** Sectors per grain. */
  readonly grainSectors: number;
  private readonly gtEntries: number;
  private readonly gtBytes: number;
  private readonly gd: Uint32Array;
  private readonly rgd: Uint32Array | null;
  private readonly gts: (Uint32Array | null)[];
  private readonly dirty: Uint8Array;
  private readonly dirtyList: number[] = [];
  private cached = 0;
  private gdDirty = false;
  private dataDirty = false;
  private nextFree: number;
  private readonly zeroGrains: boolean;
  private readonly minData: number;
  private readonly grainBuf: Uint8Array;
  private readonly gtBuf: Uint8Array;
  private inUse = false;

  private constructor(
    /** The extent file. */
    readonly file: FileLike,
    /** The parsed header. */
    readonly header: SparseHeader,
    gd: Uint32Array,
    rgd: Uint32Array | null,
    fileSectors: number,
    /** @inheritDoc */
    readonly readOnly: boolean,
  ) {
    this.sectors = header.capacity;
    this.grainSectors = header.grainSize;
    this.gtEntries = header.numGTEsPerGT;
    this.gtBytes = gtSectorCount(header) * 512;
    this.gd = gd;
    this.rgd = rgd;
    this.gts = new Array<Uint32Array | null>(gd.length).fill(null);
    this.dirty = new Uint8Array(gd.length);
    // New grains go after the last whole grain: a file ending inside a grain (a
    // torn extension, another tool's short last grain) must not be overlapped.
    const gs = header.grainSize;
    this.nextFree =
      fileSectors > header.overHead ? header.overHead + Math.ceil((fileSectors - header.overHead) / gs) * gs : header.overHead;
    this.zeroGrains = (header.flags & FLAG_ZERO_GRAIN) !== 0;
    // Grains live after the header and embedded descriptor, and after the whole metadata area when one is declared.
    this.minData = Math.max(header.overHead, 1 + header.descriptorOffset + header.descriptorSize);
    this.grainBuf = new Uint8Array(header.grainSize * 512);
    this.gtBuf = new Uint8Array(this.gtBytes);
  }

  /**
   * Open and validate an extent file.
   * @throws VdiskError `bad-magic`, `bad-header`, `truncated`, `grain-directory-out-of-range`, `unsupported`
   */
  static async open(file: FileLike, readOnly: boolean): Promise<SparseExtent> {
    const size = await file.size();
    const hb = new Uint8Array(512);
    if ((await file.read(0, hb)) < 512) throw new VdiskError('truncated', `file of ${size} bytes is shorter than a sparse extent header`);
    const h = parseSparseHeader(hb);
    const fileSectors = Math.ceil(size / 512);
    const n = gdEntryCount(h);
    const gdBytes = n * 4;
    const gtSectors = gtSectorCount(h);
    const need = (what: string, sector: number, sectors: number): void => {
      if ((sector + sectors) * 512 > size)
        throw new VdiskError('truncated', `${what} (sectors ${sector}..${sector + sectors - 1}) lies past the end of the ${size}-byte file`);
    };
    if (h.descriptorOffset > 0) need('embedded descriptor', h.descriptorOffset, h.descriptorSize);
    need('grain directory', h.gdOffset, gdSectorCount(h));
    const rgdOn = (h.flags & FLAG_RGD) !== 0;
    if (rgdOn) need('redundant grain directory', h.rgdOffset, gdSectorCount(h));
    if (h.overHead > fileSectors) need('metadata area (overHead)', 0, h.overHead);
    const raw = new Uint8Array(gdBytes);
    const readGd = async (at: number, label: string): Promise<Uint32Array> => {
      await file.read(at * 512, raw);
      const gd = new Uint32Array(n);
      decodeU32(raw, gd);
      for (let i = 0; i < n; i++) {
        const e = gd[i]!;
        if (e !== 0 && (e + gtSectors) * 512 > size)
          throw new VdiskError('grain-directory-out-of-range', `${label} entry ${i} points at sector ${e}, past the end of the ${size}-byte file`);
        if (e !== 0 && e < at + gdSectorCount(h) && e + gtSectors > at)
          throw new VdiskError('grain-directory-out-of-range', `${label} entry ${i} points at sector ${e}, inside the directory itself`);
      }
      return gd;
    };
    const gd = await readGd(h.gdOffset, 'grain directory');
    const rgd = rgdOn ? await readGd(h.rgdOffset, 'redundant grain directory') : null;
    return new SparseExtent(file, h, gd, rgd, fileSectors, readOnly);
  }

  /**
   * Lay out a new, empty extent in `file` (which should be empty) as QEMU
   * and VMware do: header, descriptor, redundant directory and tables,
   * directory and tables, padded to a whole grain.
   */
  static async create(file: FileLike, opts: SparseCreateOptions): Promise<SparseExtent> {
    const grainSize = opts.grainSize ?? 128;
    const cap = opts.capacity;
    if (!Number.isSafeInteger(cap) || cap <= 0 || cap > MAX_SECTORS)
      throw new VdiskError('invalid-argument', `capacity ${cap} sectors is out of range`);
    const descSectors = opts.descriptorSectors ?? (opts.descriptor !== undefined ? 20 : 0);
    const descBytes = opts.descriptor !== undefined ? new TextEncoder().encode(opts.descriptor) : null;
    if (descBytes && descBytes.length > descSectors * 512)
      throw new VdiskError('invalid-argument', `descriptor of ${descBytes.length} bytes does not fit in ${descSectors} sectors`);
    const h: SparseHeader = {
      version: opts.zeroedGrains ? 2 : 1,
      flags: FLAG_NL_DETECT | FLAG_RGD | (opts.zeroedGrains ? FLAG_ZERO_GRAIN : 0),
      capacity: cap,
      grainSize,
      descriptorOffset: descSectors > 0 ? 1 : 0,
      descriptorSize: descSectors,
      numGTEsPerGT: 512,
      rgdOffset: 0,
      gdOffset: 0,
      overHead: 0,
      uncleanShutdown: false,
      compressAlgorithm: 0,
    };
    const n = gdEntryCount(h);
    const gdSectors = gdSectorCount(h);
    const gtSectors = gtSectorCount(h);
    h.rgdOffset = 1 + descSectors;
    const rgtStart = h.rgdOffset + gdSectors;
    h.gdOffset = rgtStart + n * gtSectors;
    const gtStart = h.gdOffset + gdSectors;
    h.overHead = Math.ceil((gtStart + n * gtSectors) / grainSize) * grainSize;
    parseSparseHeader(formatSparseHeader(h));
    await file.truncate(h.overHead * 512);
    const gd = new Uint32Array(n);
    const bytes = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) gd[i] = rgtStart + i * gtSectors;
    encodeU32(gd, bytes);
    await file.write(h.rgdOffset * 512, bytes);
    for (let i = 0; i < n; i++) gd[i] = gtStart + i * gtSectors;
    encodeU32(gd, bytes);
    await file.write(h.gdOffset * 512, bytes);
    if (descBytes) await file.write(512, descBytes);
    await file.write(0, formatSparseHeader(h));
    await file.flush();
    return SparseExtent.open(file, false);
  }

  /** Grain table entry for grain `g` when its table is cached (or absent: 0), else -1. */
  private cachedEntry(g: number): number {
    const gi = Math.floor(g / this.gtEntries);
    const gt = this.gts[gi];
    if (gt) return gt[g - gi * this.gtEntries]!;
    return this.gd[gi] === 0 ? 0 : -1;
  }

  /** Grain table entry for grain `g` (loads its table). */
  private async entry(g: number): Promise<number> {
    const gi = Math.floor(g / this.gtEntries);
    const gt = this.gts[gi] ?? (await this.loadGt(gi));
    return gt === null ? 0 : gt[g - gi * this.gtEntries]!;
  }

  private async loadGt(gi: number): Promise<Uint32Array | null> {
    const at = this.gd[gi]!;
    if (at === 0) return null;
    const bytes = new Uint8Array(this.gtBytes);
    await this.file.read(at * 512, bytes);
    // A concurrent load (or a write) may have filled the slot meanwhile: keep that one.
    const existing = this.gts[gi];
    if (existing) return existing;
    const gt = new Uint32Array(this.gtEntries);
    decodeU32(bytes, gt);
    if (this.cached >= SparseExtent.gtCacheLimit) this.evictClean();
    this.gts[gi] = gt;
    this.cached++;
    return gt;
  }

  private evictClean(): void {
    for (let i = 0; i < this.gts.length; i++) {
      if (this.gts[i] && this.dirty[i] === 0) {
        this.gts[i] = null;
        this.cached--;
      }
    }
  }

  /** Validate a data grain's sector (entry >= 2, or 1 without zeroed-grain support). */
  private checkGrain(g: number, e: number): void {
    if (e < this.minData || e >= this.nextFree)
      throw new VdiskError(
        'grain-table-out-of-range',
        `grain ${g} points at sector ${e}, outside the data area (sectors ${this.minData}..${this.nextFree - 1}; file truncated or corrupt)`,
      );
  }

  /** How grain `g`'s table entry reads: 0 unallocated, 1 zeroed, else the data sector. */
  private classify(e: number): AllocationKind {
    if (e === 0) return 'unallocated';
    if (e === GTE_ZEROED && this.zeroGrains) return 'zero';
    return 'data';
  }

  /** Read `dst.length` bytes through to the parent at extent sector `s`, clamped to the parent's size. */
  private async readParent(s: number, dst: Uint8Array): Promise<void> {
    const p = this.parent;
    if (p === null) {
      dst.fill(0);
      return;
    }
    const at = this.base + s;
    const avail = Math.max(0, Math.min(dst.length / 512, p.sectorCount - at));
    if (avail > 0) await p.read(at, dst.subarray(0, avail * 512));
    if (avail * 512 < dst.length) dst.fill(0, avail * 512);
  }

  /** @inheritDoc */
  async read(sector: number, dst: Uint8Array): Promise<void> {
    const gs = this.grainSectors;
    let done = 0;
    let s = sector;
    let left = dst.length >>> 9;
    while (left > 0) {
      const g = Math.floor(s / gs);
      const inG = s - g * gs;
      const n = Math.min(left, gs - inG);
      const c = this.cachedEntry(g);
      const e = c >= 0 ? c : await this.entry(g);
      const k = this.classify(e);
      if (k === 'data') {
        this.checkGrain(g, e);
        // Grains allocated one after another are read in one request.
        let len = n;
        let gg = g + 1;
        let next = e + gs;
        while (len < left && this.cachedEntry(gg) === next) {
          this.checkGrain(gg, next);
          len += Math.min(gs, left - len);
          gg++;
          next += gs;
        }
        await this.file.read((e + inG) * 512, dst.subarray(done, done + len * 512));
        done += len * 512;
        s += len;
        left -= len;
        continue;
      }
      const part = dst.subarray(done, done + n * 512);
      if (k === 'unallocated') await this.readParent(s, part);
      else part.fill(0);
      done += n * 512;
      s += n;
      left -= n;
    }
  }

  /** @inheritDoc */
  async write(sector: number, src: Uint8Array): Promise<void> {
    if (this.readOnly) throw new BlockError('read-only', 'extent is read-only');
    if (!this.inUse) await this.markInUse(true);
    const gs = this.grainSectors;
    let done = 0;
    let s = sector;
    let left = src.length >>> 9;
    while (left > 0) {
      const g = Math.floor(s / gs);
      const inG = s - g * gs;
      const n = Math.min(left, gs - inG);
      const part = src.subarray(done, done + n * 512);
      const c = this.cachedEntry(g);
      const e = c >= 0 ? c : await this.entry(g);
      const k = this.classify(e);
      if (k === 'data') {
        this.checkGrain(g, e);
        await this.file.write((e + inG) * 512, part);
        this.dataDirty = true;
      } else {
        await this.allocate(g, k, s - inG, inG, part);
      }
      done += n * 512;
      s += n;
      left -= n;
    }
    if (this.dirtyList.length >= DIRTY_LIMIT) await this.flush();
  }

  /** Copy-on-write of grain `g` (unallocated or zeroed): build the whole grain, write it to new space, point the table at it. */
  private async allocate(g: number, k: AllocationKind, grainStart: number, inG: number, part: Uint8Array): Promise<void> {
    const gs = this.grainSectors;
    const full = part.length === gs * 512;
    const buf = this.grainBuf;
    if (full) buf.set(part);
    else {
      if (k === 'unallocated') await this.readParent(grainStart, buf);
      else buf.fill(0);
      buf.set(part, inG * 512);
    }
    if (allZero(buf)) {
      // No space needed when the grain already reads as zeros, or a marker can say so.
      if (k === 'zero' || (k === 'unallocated' && this.parent === null)) return;
      if (this.zeroGrains) {
        await this.setEntry(g, GTE_ZEROED);
        return;
      }
    }
    const at = this.nextFree;
    if (at + gs > 0xffffffff) throw new BlockError('io', 'extent file is full (grain offsets are 32-bit sectors)');
    this.nextFree = at + gs;
    await this.file.write(at * 512, buf);
    this.dataDirty = true;
    await this.setEntry(g, at);
  }

  /** Change a grain table entry in the cache; it reaches the file at the next flush. */
  private async setEntry(g: number, value: number): Promise<void> {
    const gi = Math.floor(g / this.gtEntries);
    let gt = this.gts[gi] ?? (await this.loadGt(gi));
    if (gt === null) gt = await this.newTable(gi);
    // A cache eviction may have dropped the (then clean) table while we awaited: put it back.
    if (this.gts[gi] !== gt) {
      if (this.gts[gi] === null) this.cached++;
      this.gts[gi] = gt;
    }
    gt[g - gi * this.gtEntries] = value;
    if (this.dirty[gi] === 0) {
      this.dirty[gi] = 1;
      this.dirtyList.push(gi);
    }
  }

  /** Allocate a zeroed grain table (and its redundant copy) for directory entry `gi`. */
  private async newTable(gi: number): Promise<Uint32Array> {
    const gtSectors = this.gtBytes >>> 9;
    const zero = new Uint8Array(this.gtBytes);
    const at = this.nextFree;
    this.nextFree += gtSectors;
    await this.file.write(at * 512, zero);
    this.gd[gi] = at;
    if (this.rgd) {
      const rat = this.nextFree;
      this.nextFree += gtSectors;
      await this.file.write(rat * 512, zero);
      this.rgd[gi] = rat;
    }
    this.dataDirty = true;
    this.gdDirty = true;
    const gt = new Uint32Array(this.gtEntries);
    if (this.cached >= SparseExtent.gtCacheLimit) this.evictClean();
    this.gts[gi] = gt;
    this.cached++;
    return gt;
  }

  /**
   * Make every earlier write durable: flush the data, then write the dirty
   * grain tables and directories (primary and redundant), then flush again.
   */
  async flush(): Promise<void> {
    if (this.readOnly) return;
    if (this.dataDirty) {
      await this.file.flush();
      this.dataDirty = false;
    }
    if (this.dirtyList.length === 0 && !this.gdDirty) return;
    const buf = this.gtBuf;
    for (const gi of this.dirtyList) {
      const gt = this.gts[gi]!;
      buf.fill(0);
      encodeU32(gt, buf);
      await this.file.write(this.gd[gi]! * 512, buf);
      if (this.rgd) await this.file.write(this.rgd[gi]! * 512, buf);
      this.dirty[gi] = 0;
    }
    this.dirtyList.length = 0;
    if (this.gdDirty) {
      const bytes = new Uint8Array(this.gd.length * 4);
      encodeU32(this.gd, bytes);
      await this.file.write(this.header.gdOffset * 512, bytes);
      if (this.rgd) {
        encodeU32(this.rgd, bytes);
        await this.file.write(this.header.rgdOffset * 512, bytes);
      }
      this.gdDirty = false;
    }
    await this.file.flush();
  }

  /** @inheritDoc */
  async status(sector: number, max: number): Promise<AllocationRun> {
    const gs = this.grainSectors;
    const limit = Math.min(max, this.sectors - sector);
    let g = Math.floor(sector / gs);
    const kind = this.classify(await this.entry(g));
    let run = Math.min(limit, (g + 1) * gs - sector);
    while (run < limit) {
      g++;
      if (this.classify(await this.entry(g)) !== kind) break;
      run = Math.min(limit, run + gs);
    }
    return { kind, sectors: run };
  }

  /** Count grains by kind (loads every grain table). */
  async countGrains(): Promise<GrainCounts> {
    let data = 0;
    let zero = 0;
    const total = Math.ceil(this.sectors / this.grainSectors);
    for (let gi = 0; gi < this.gd.length; gi++) {
      const gt = this.gts[gi] ?? (await this.loadGt(gi));
      if (gt === null) continue;
      const end = Math.min(this.gtEntries, total - gi * this.gtEntries);
      for (let i = 0; i < end; i++) {
        const k = this.classify(gt[i]!);
        if (k === 'data') data++;
        else if (k === 'zero') zero++;
      }
    }
    return { data, zero };
  }

  /**
   * Check the extent's metadata (like `qemu-img check`): directory and
   * redundant directory agree, every grain table matches its redundant copy,
   * every grain lies in the data area and no two entries share a grain.
   * Reports at most `limit` problems.
   */
  async check(limit = 100): Promise<string[]> {
    const issues: string[] = [];
    const note = (s: string): void => {
      if (issues.length < limit) issues.push(s);
    };
    const n = this.gtEntries;
    const total = Math.ceil(this.sectors / this.grainSectors);
    const seen = new Map<number, number>();
    const bytes = new Uint8Array(this.gtBytes);
    const red = new Uint32Array(n);
    for (let gi = 0; gi < this.gd.length; gi++) {
      const p = this.gd[gi]!;
      const r = this.rgd ? this.rgd[gi]! : 0;
      if (this.rgd && (p === 0) !== (r === 0)) note(`directory entry ${gi}: primary ${p}, redundant ${r}`);
      if (p === 0) continue;
      const gt = this.gts[gi] ?? (await this.loadGt(gi));
      if (gt === null) continue;
      const hasRed = this.rgd !== null && r !== 0;
      if (hasRed) {
        await this.file.read(r * 512, bytes);
        decodeU32(bytes, red);
      }
      const end = Math.min(n, total - gi * n);
      for (let i = 0; i < end; i++) {
        const e = gt[i]!;
        const g = gi * n + i;
        if (hasRed && red[i] !== e) note(`grain ${g}: table says ${e}, redundant table says ${red[i]}`);
        if (this.classify(e) !== 'data') continue;
        if (e < this.minData || e >= this.nextFree) note(`grain ${g}: sector ${e} is outside the data area`);
        const other = seen.get(e);
        if (other !== undefined) note(`grains ${other} and ${g} share sector ${e}`);
        else seen.set(e, g);
      }
    }
    return issues;
  }

  /** Read a copy of the embedded descriptor text ('' when there is none). */
  async readDescriptor(): Promise<string> {
    const h = this.header;
    if (h.descriptorOffset === 0 || h.descriptorSize === 0) return '';
    // VMware reserves 20 sectors; more than 1 MiB of descriptor text is not a descriptor.
    const b = new Uint8Array(Math.min(h.descriptorSize, 2048) * 512);
    await this.file.read(h.descriptorOffset * 512, b);
    const end = b.indexOf(0);
    return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
  }

  /** Replace the embedded descriptor (must fit in its reserved sectors). */
  async writeDescriptor(text: string): Promise<void> {
    const h = this.header;
    const b = new Uint8Array(h.descriptorSize * 512);
    const enc = new TextEncoder().encode(text);
    if (enc.length > b.length) throw new VdiskError('invalid-argument', `descriptor of ${enc.length} bytes does not fit in ${h.descriptorSize} sectors`);
    b.set(enc);
    await this.file.write(h.descriptorOffset * 512, b);
    this.dataDirty = true;
  }

  /**
   * Set or clear the header's uncleanShutdown byte: VMware sets it while a
   * writer has the extent open, so a crash is visible at the next open.
   */
  private async markInUse(on: boolean): Promise<void> {
    this.inUse = on;
    this.header.uncleanShutdown = on;
    const b = new Uint8Array([on ? 1 : 0]);
    await this.file.write(72, b);
    this.dataDirty = true;
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    if (this.inUse) {
      await this.flush();
      await this.markInUse(false);
      await this.file.flush();
    }
    await this.file.close();
  }
}
