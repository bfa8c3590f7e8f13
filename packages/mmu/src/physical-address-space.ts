/**
 * A machine's guest-physical address space: a list of RAM, ROM, MMIO and
 * alias regions with priorities (QEMU MemoryRegion rules: the higher
 * priority wins where regions overlap; at equal priority the one added
 * later wins), flattened at every topology change into a per-page table.
 *
 * @module
 */

import { DmaStatus } from '@vm/bus';
import type {
  GuestMemory,
  MappingListener,
  MmioHandler,
  MmioMapping,
  MmioOptions,
  MmioRegistry,
  ShadowMemoryControl,
  WriteWatcher,
} from '@vm/bus';
import { GUEST_PAGES, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, PageKind } from './constants.js';
import { FlatView, SHADOW_END_PAGE, SHADOW_FIRST_PAGE, ShadowMode } from './flat-view.js';
import { MmioRegionHandle, RegionHandle, RomHandle } from './handles.js';
import type { RegionOwner } from './handles.js';
import type { MachinePagePool } from './page-pool.js';
import type { Pmap, PmapListener } from './pmap.js';
import { buildPieces, Region, RegionKind } from './region.js';
import type { Piece } from './region.js';

/** Options for {@link PhysicalAddressSpace}. */
export interface PhysicalAddressSpaceOptions {
  /** The pmap backing guest RAM regions. */
  readonly pmap: Pmap;
  /** The machine-page pool (must be the pmap's; optional). */
  readonly pool?: MachinePagePool;
}

/** Options for {@link PhysicalAddressSpace.addRam}. */
export interface RamOptions {
  /** Overlap priority (default 0). */
  readonly priority?: number;
  /** First pmap page backing the region (default `base >>> 12`: guest page = pmap page). */
  readonly pmapPage?: number;
}

/** Options for {@link PhysicalAddressSpace.addRom}. */
export interface RomOptions {
  /** Overlap priority (default 1, above RAM). */
  readonly priority?: number;
}

/** One region as {@link PhysicalAddressSpace.describeRegions} lists it. */
export interface RegionInfo {
  /** Diagnostic name. */
  readonly name: string;
  /** What the region is. */
  readonly kind: RegionKind;
  /** Guest-physical base (-1 while unmapped). */
  readonly base: number;
  /** Size in bytes. */
  readonly size: number;
  /** Overlap priority. */
  readonly priority: number;
  /** Whether it takes part in the address space. */
  readonly enabled: boolean;
}

/** Flush everything rather than page by page above this many changed pages. */
const NOTIFY_PAGES_MAX = 256;
const CAP_R16 = 1;
const CAP_R32 = 2;
const CAP_W16 = 4;
const CAP_W32 = 8;
const LIMIT = 0x100000000;

/** The handler of a free MMIO slot. */
const UNUSED_MMIO: MmioHandler = {
  read8: () => 0xff,
  write8: () => undefined,
};

/**
 * Guest-physical memory of one VM: implements the bus's {@link GuestMemory}
 * (CPU fast-path translation plus slow accessors, DMA), {@link MmioRegistry}
 * and {@link ShadowMemoryControl} (i440FX PAM).
 *
 * Every topology change (a region added, moved, enabled, removed; a PAM
 * change) repaints the affected pages of a flat table with one entry per
 * 4 KiB page (kind + argument in typed arrays) and tells the mapping
 * listeners. RAM pages resolve through the {@link Pmap}, so guest RAM may be
 * untouched, shared, swapped or private without the guest noticing.
 */
export class PhysicalAddressSpace implements GuestMemory, MmioRegistry, ShadowMemoryControl, PmapListener, RegionOwner {
  /** @inheritDoc */
  declare readonly ram: Uint8Array;
  /** The machine-page pool. */
  declare readonly pool: MachinePagePool;
  /** The pmap backing RAM regions. */
  declare readonly pmap: Pmap;
  private declare readonly view: FlatView;
  private declare readonly kind: Uint8Array;
  private declare readonly arg: Int32Array;
  private declare readonly off: Int32Array;
  private declare mmio: MmioHandler[];
  private declare mmioCaps: Uint8Array;
  private declare readonly freeSlots: number[];
  private declare readonly regions: Region[];
  private declare order: number;
  private declare ramPieces: Piece[];
  private declare readonly listeners: MappingListener[];
  private declare watcher: WriteWatcher | null;
  private declare readonly watchBits: Int32Array;
  private declare logging: boolean;
  private declare readonly dirtyBits: Int32Array;
  /** Scratch results of {@link resolve} (no allocation per access). */
  private declare rArg: number;
  private declare rOff: number;
  private declare rAvail: number;

  /** @param options the pmap (and its pool) */
  constructor(options: PhysicalAddressSpaceOptions) {
    const pmap = options.pmap;
    if (options.pool !== undefined && options.pool !== pmap.pool) {
      throw new RangeError('PhysicalAddressSpace: pool is not the pmap\'s pool');
    }
    this.pmap = pmap;
    this.pool = pmap.pool;
    this.ram = pmap.pool.ram;
    this.view = new FlatView();
    this.kind = this.view.kind;
    this.arg = this.view.arg;
    this.off = this.view.off;
    this.mmio = [];
    this.mmioCaps = new Uint8Array(64);
    this.freeSlots = [];
    this.regions = [];
    this.order = 0;
    this.ramPieces = [];
    this.listeners = [];
    this.watcher = null;
    this.watchBits = new Int32Array(GUEST_PAGES >>> 5);
    this.logging = false;
    this.dirtyBits = new Int32Array((pmap.pages + 31) >>> 5);
    this.rArg = 0;
    this.rOff = 0;
    this.rAvail = 0;
    pmap.addListener(this);
  }

  // ---------------------------------------------------------------- topology

  /**
   * Add guest RAM at `base` (page-aligned) of `size` bytes (whole pages),
   * backed by pmap pages from `options.pmapPage` (default `base >>> 12`).
   */
  addRam(base: number, size: number, name: string, options: RamOptions = {}): RegionHandle {
    checkPageRange(base, size, name);
    const pmapPage = options.pmapPage ?? base / PAGE_SIZE;
    if (!Number.isInteger(pmapPage) || pmapPage < 0 || pmapPage + size / PAGE_SIZE > this.pmap.pages) {
      throw new RangeError(`${name}: pmap pages ${pmapPage}+${size / PAGE_SIZE} exceed the pmap (${this.pmap.pages} pages)`);
    }
    const r = new Region(RegionKind.Ram, name, base, size, options.priority ?? 0, this.order++, pmapPage, null, -1, 0);
    return this.insert(r, new RegionHandle(r, this));
  }

  /**
   * Add a ROM at `base` (page-aligned) holding `bytes` (rounded up to whole
   * pages, padded with 0xff). Reads come from its own machine pages; writes
   * are ignored. The handle reads the content back.
   */
  addRom(base: number, bytes: Uint8Array, name: string, options: RomOptions = {}): RomHandle {
    const size = Math.max(PAGE_SIZE, Math.ceil(bytes.length / PAGE_SIZE) * PAGE_SIZE);
    checkPageRange(base, size, name);
    const frames = new Int32Array(size / PAGE_SIZE);
    for (let i = 0; i < frames.length; i++) {
      const m = this.pool.allocate();
      frames[i] = m;
      const o = m << PAGE_SHIFT;
      this.ram.fill(0xff, o, o + PAGE_SIZE);
      this.ram.set(bytes.subarray(i * PAGE_SIZE, Math.min(bytes.length, (i + 1) * PAGE_SIZE)), o);
    }
    const r = new Region(RegionKind.Rom, name, base, size, options.priority ?? 1, this.order++, 0, frames, -1, 0);
    return this.insert(r, new RomHandle(r, this)) as RomHandle;
  }

  /**
   * Show at `base` what the address space shows at `targetBase` (its RAM,
   * ROM and MMIO regions; aliases are not followed), `size` bytes, all
   * page-aligned. Holes in the target are transparent.
   */
  addAlias(base: number, size: number, targetBase: number, name: string, priority = 0): RegionHandle {
    checkPageRange(base, size, name);
    checkPageRange(targetBase, size, name);
    const r = new Region(RegionKind.Alias, name, base, size, priority, this.order++, 0, null, -1, targetBase);
    return this.insert(r, new RegionHandle(r, this));
  }

  /** @inheritDoc */
  mapMmio(base: number, size: number, handler: MmioHandler, options: MmioOptions): MmioMapping {
    const name = options.name;
    if (!Number.isInteger(size) || size <= 0 || size > LIMIT) throw new RangeError(`${name}: bad MMIO size ${size}`);
    if (base !== -1 && !(Number.isInteger(base) && base >= 0 && base < LIMIT)) {
      throw new RangeError(`${name}: bad MMIO base ${base}`);
    }
    const slot = this.allocSlot(handler);
    const r = new Region(RegionKind.Mmio, name, base, size, options.priority ?? 1, this.order++, 0, null, slot, 0);
    return this.insert(r, new MmioRegionHandle(r, this)) as MmioRegionHandle;
  }

  /**
   * @inheritDoc
   *
   * The i440FX decodes PAM per 16 KiB (0xC0000-0xEFFFF) and 64 KiB
   * (0xF0000-0xFFFFF) segment, registers 59h-5Fh; pages whose read and write
   * targets differ become Shadow pages: reads and writes are translated (and
   * cached) separately, so a RAM side stays on the fast path.
   */
  setShadow(base: number, size: number, readFromRam: boolean, writeToRam: boolean): void {
    const first = SHADOW_FIRST_PAGE * PAGE_SIZE;
    const end = SHADOW_END_PAGE * PAGE_SIZE;
    if (base % 0x4000 !== 0 || size % 0x4000 !== 0 || base < first || base + size > end || size <= 0) {
      throw new RangeError(`setShadow(0x${base.toString(16)}, 0x${size.toString(16)}): outside 0xC0000..0xFFFFF or not 16 KiB granular`);
    }
    const mode = ShadowMode.Explicit | (readFromRam ? ShadowMode.ReadRam : 0) | (writeToRam ? ShadowMode.WriteRam : 0);
    const p0 = base >>> PAGE_SHIFT;
    const p1 = (base + size) >>> PAGE_SHIFT;
    let changed = false;
    for (let p = p0; p < p1; p++) {
      const i = p - SHADOW_FIRST_PAGE;
      if (this.view.shadowMode[i] !== mode) changed = true;
      this.view.shadowMode[i] = mode;
    }
    if (!changed) return;
    this.view.repaint(p0, p1);
    for (let p = p0; p < p1; p++) this.notifyPage(p);
  }

  /** The {@link PageKind} of the page holding `addr` (diagnostics and tests). */
  pageKind(addr: number): PageKind {
    return this.kind[(addr >>> 0) >>> PAGE_SHIFT] as PageKind;
  }

  /** Name of the region that wins at `addr` by priority ("unassigned" if none; PAM not applied). */
  regionNameAt(addr: number): string {
    addr >>>= 0;
    let name = 'unassigned';
    for (const pc of this.view.pieces) if (pc.start <= addr && addr < pc.end) name = pc.region.name;
    return name;
  }

  /** The regions' names, kinds, bases and sizes (diagnostics). */
  describeRegions(): RegionInfo[] {
    return this.regions.map((r) => ({ name: r.name, kind: r.kind, base: r.base, size: r.size, priority: r.priority, enabled: r.enabled }));
  }

  /**
   * Remove every region (ROM pages go back to the pool) and detach from the
   * pmap. The pmap itself (guest RAM) is left to its owner.
   */
  destroy(): void {
    for (const r of [...this.regions]) this.removeRegion(r);
    this.pmap.removeListener(this);
  }

  private insert<H extends RegionHandle>(r: Region, handle: H): H {
    this.regions.push(r);
    if (r.active) this.topologyChanged([r.base, r.base + r.size]);
    return handle;
  }

  /** @internal */
  moveRegion(region: Region, base: number): void {
    if (!region.live) return;
    if (base !== -1) {
      if (region.kind === RegionKind.Mmio) {
        if (!(Number.isInteger(base) && base >= 0 && base < LIMIT)) base = -1;
      } else {
        checkPageRange(base, region.size, region.name);
      }
    }
    if (base === region.base) return;
    const ranges: number[] = [];
    if (region.active) ranges.push(region.base, region.base + region.size);
    region.base = base;
    if (region.active) ranges.push(region.base, region.base + region.size);
    this.topologyChanged(ranges);
  }

  /** @internal */
  enableRegion(region: Region, on: boolean): void {
    if (!region.live || region.enabled === on) return;
    region.enabled = on;
    if (region.base >= 0) this.topologyChanged([region.base, region.base + region.size]);
  }

  /** @internal */
  removeRegion(region: Region): void {
    if (!region.live) return;
    const wasActive = region.active;
    region.live = false;
    this.regions.splice(this.regions.indexOf(region), 1);
    if (wasActive) this.topologyChanged([region.base, region.base + region.size]);
    if (region.frames !== null) for (const m of region.frames) this.pool.unref(m);
    if (region.slot >= 0) {
      this.mmio[region.slot] = UNUSED_MMIO;
      this.mmioCaps[region.slot] = 0;
      this.freeSlots.push(region.slot);
    }
  }

  private allocSlot(h: MmioHandler): number {
    const caps =
      (h.read16 ? CAP_R16 : 0) | (h.read32 ? CAP_R32 : 0) | (h.write16 ? CAP_W16 : 0) | (h.write32 ? CAP_W32 : 0);
    let slot: number;
    if (this.freeSlots.length > 0) slot = this.freeSlots.pop()!;
    else {
      slot = this.mmio.length;
      this.mmio.push(UNUSED_MMIO);
      if (slot >= this.mmioCaps.length) {
        const bigger = new Uint8Array(this.mmioCaps.length * 2);
        bigger.set(this.mmioCaps);
        this.mmioCaps = bigger;
      }
    }
    this.mmio[slot] = h;
    this.mmioCaps[slot] = caps;
    return slot;
  }

  /** Re-flatten the byte ranges `[s0, e0, s1, e1, ...]` (and aliases of them), then notify. */
  private topologyChanged(ranges: number[]): void {
    const pieces = buildPieces(this.regions);
    this.view.pieces = pieces;
    this.ramPieces = pieces.filter((pc) => pc.kind === PageKind.Ram);
    const pages: number[] = [];
    const n = ranges.length;
    for (let i = 0; i < n; i += 2) {
      const s = ranges[i]!;
      const e = Math.min(ranges[i + 1]!, LIMIT);
      pages.push(Math.floor(s / PAGE_SIZE), Math.ceil(e / PAGE_SIZE));
      for (const a of this.regions) {
        if (a.kind !== RegionKind.Alias || !a.active) continue;
        if (a.target < e && s < a.target + a.size) {
          pages.push(a.base / PAGE_SIZE, Math.ceil(Math.min(a.base + a.size, LIMIT) / PAGE_SIZE));
        }
      }
    }
    let total = 0;
    for (let i = 0; i < pages.length; i += 2) {
      this.view.repaint(pages[i]!, pages[i + 1]!);
      total += pages[i + 1]! - pages[i]!;
    }
    if (total > NOTIFY_PAGES_MAX) this.notifyPage(-1);
    else for (let i = 0; i < pages.length; i += 2) for (let p = pages[i]!; p < pages[i + 1]!; p++) this.notifyPage(p);
  }

  // --------------------------------------------------------------- listeners

  /** @inheritDoc */
  addMappingListener(listener: MappingListener): void {
    this.listeners.push(listener);
  }

  /** @inheritDoc */
  removeMappingListener(listener: MappingListener): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  private notifyPage(page: number, sameContent = false): void {
    const l = this.listeners;
    for (let i = 0; i < l.length; i++) l[i]!.mappingChanged(page, sameContent);
  }

  /**
   * From the pmap: entry `pp` changed backing. Tells listeners about every
   * guest-physical page a RAM region (or alias) shows it at.
   * @internal
   */
  pmapPageChanged(pp: number, sameContent = false): void {
    const pcs = this.ramPieces;
    for (let i = 0; i < pcs.length; i++) {
      const pc = pcs[i]!;
      const count = (pc.end - pc.start) / PAGE_SIZE;
      if (pp >= pc.arg && pp < pc.arg + count) this.notifyPage(pc.start / PAGE_SIZE + (pp - pc.arg), sameContent);
    }
  }

  // ------------------------------------------------------- watch and dirty log

  /** @inheritDoc */
  watchWrites(page: number, on: boolean): void {
    if (!(page >= 0 && page < GUEST_PAGES)) return;
    page |= 0;
    const bit = 1 << (page & 31);
    const w = page >>> 5;
    const was = (this.watchBits[w]! & bit) !== 0;
    if (was === on) return;
    this.watchBits[w] = on ? this.watchBits[w]! | bit : this.watchBits[w]! & ~bit;
    this.notifyPage(page, true);
  }

  /** @inheritDoc */
  setWriteWatcher(watcher: WriteWatcher | null): void {
    this.watcher = watcher;
  }

  /** Whether dirty logging is on. */
  get dirtyLogging(): boolean {
    return this.logging;
  }

  /**
   * Start or stop dirty logging. While on, a RAM page's write translation
   * is -1 until the slow path has logged a write to it, so every page
   * written after a {@link getAndClearDirty} is seen.
   */
  setDirtyLogging(on: boolean): void {
    if (this.logging === on) return;
    this.logging = on;
    this.dirtyBits.fill(0);
    this.notifyPage(-1, true);
  }

  /** Whether pmap page `pp` is logged dirty. */
  isDirty(pp: number): boolean {
    return (this.dirtyBits[pp >>> 5]! & (1 << (pp & 31))) !== 0;
  }

  /**
   * A copy of the dirty bitmap (bit `pp & 31` of word `pp >>> 5` per pmap
   * page), then clear it; the pages that were dirty are write-protected again
   * (listeners are told).
   */
  getAndClearDirty(): Uint32Array {
    const bits = this.dirtyBits;
    const out = new Uint32Array(bits.length);
    let count = 0;
    for (let w = 0; w < bits.length; w++) {
      const v = bits[w]!;
      if (v === 0) continue;
      out[w] = v;
      for (let b = v; b !== 0; b &= b - 1) count++;
    }
    bits.fill(0);
    // write protection only: translated code from these pages stays valid
    if (count > NOTIFY_PAGES_MAX) this.notifyPage(-1, true);
    else if (count > 0) {
      for (let w = 0; w < out.length; w++) {
        const v = out[w]!;
        for (let b = 0; b < 32; b++) if (v & (1 << b)) this.pmapPageChanged(w * 32 + b, true);
      }
    }
    return out;
  }

  private logDirty(pp: number): void {
    const w = pp >>> 5;
    const bit = 1 << (pp & 31);
    const v = this.dirtyBits[w]!;
    if ((v & bit) !== 0) return;
    this.dirtyBits[w] = v | bit;
    // The page's write translation may now be cached: drop the cached "slow".
    this.pmapPageChanged(pp);
  }

  private afterWrite(addr: number, len: number): void {
    const page = addr >>> PAGE_SHIFT;
    if ((this.watchBits[page >>> 5]! & (1 << (page & 31))) !== 0 && this.watcher !== null) {
      this.watcher.watchedWrite(addr, len);
    }
  }

  // ------------------------------------------------------------- translation

  /** @inheritDoc */
  translateRead(addr: number): number {
    const page = (addr >>> 0) >>> PAGE_SHIFT;
    let k = this.kind[page]!;
    let a = this.arg[page]!;
    if (k === PageKind.Shadow) {
      const i = page - SHADOW_FIRST_PAGE;
      k = this.view.shadowReadKind[i]!;
      a = this.view.shadowReadArg[i]!;
    }
    if (k === PageKind.Ram) return this.pmap.readOffset(a);
    if (k === PageKind.Rom) return a << PAGE_SHIFT;
    return -1;
  }

  /** @inheritDoc */
  translateWrite(addr: number): number {
    const page = (addr >>> 0) >>> PAGE_SHIFT;
    let k = this.kind[page]!;
    let a = this.arg[page]!;
    if (k === PageKind.Shadow) {
      const i = page - SHADOW_FIRST_PAGE;
      k = this.view.shadowWriteKind[i]!;
      a = this.view.shadowWriteArg[i]!;
    }
    if (k !== PageKind.Ram) return -1;
    if ((this.watchBits[page >>> 5]! & (1 << (page & 31))) !== 0) return -1;
    if (this.logging && (this.dirtyBits[a >>> 5]! & (1 << (a & 31))) === 0) return -1;
    return this.pmap.writableOffset(a);
  }

  /**
   * Find what `addr` reaches for a read or a write. Returns the effective
   * {@link PageKind} (never Subpage/Shadow) and leaves in rArg the pmap page
   * (RAM), machine page (ROM) or slot (MMIO); in rOff the in-page offset
   * (RAM/ROM) or region offset (MMIO); in rAvail the bytes from `addr` to
   * the end of that target within the page.
   */
  private resolve(addr: number, write: boolean): number {
    const page = addr >>> PAGE_SHIFT;
    const inPage = addr & PAGE_MASK;
    let k = this.kind[page]!;
    let a = this.arg[page]!;
    let o = this.off[page]!;
    let avail = PAGE_SIZE - inPage;
    if (k === PageKind.Shadow) {
      const v = this.view;
      const i = page - SHADOW_FIRST_PAGE;
      if (write) {
        k = v.shadowWriteKind[i]!;
        a = v.shadowWriteArg[i]!;
        o = v.shadowWriteOff[i]!;
      } else {
        k = v.shadowReadKind[i]!;
        a = v.shadowReadArg[i]!;
        o = v.shadowReadOff[i]!;
      }
    }
    if (k === PageKind.Subpage) {
      const sp = this.view.subpages[a]!;
      let s = 0;
      while (sp.end[s]! <= inPage) s++;
      k = sp.kind[s]!;
      a = sp.arg[s]!;
      o = sp.off[s]!;
      avail = sp.end[s]! - inPage;
    }
    this.rArg = a;
    this.rOff = k === PageKind.Mmio ? o + inPage : inPage;
    this.rAvail = avail;
    return k;
  }

  // ------------------------------------------------------------ slow accessors

  /** @inheritDoc */
  read8(addr: number): number {
    addr >>>= 0;
    const k = this.resolve(addr, false);
    if (k === PageKind.Ram) return this.ram[this.pmap.readOffset(this.rArg) + this.rOff]!;
    if (k === PageKind.Rom) return this.ram[(this.rArg << PAGE_SHIFT) + this.rOff]!;
    if (k === PageKind.Mmio) return this.mmio[this.rArg]!.read8(this.rOff) & 0xff;
    return 0xff;
  }

  /** @inheritDoc */
  read16(addr: number): number {
    addr >>>= 0;
    const k = this.resolve(addr, false);
    if (this.rAvail >= 2) {
      if (k === PageKind.Ram || k === PageKind.Rom) {
        const o = (k === PageKind.Ram ? this.pmap.readOffset(this.rArg) : this.rArg << PAGE_SHIFT) + this.rOff;
        const ram = this.ram;
        return ram[o]! | (ram[o + 1]! << 8);
      }
      if (k === PageKind.Mmio && (this.mmioCaps[this.rArg]! & CAP_R16) !== 0) {
        return this.mmio[this.rArg]!.read16!(this.rOff) & 0xffff;
      }
      if (k === PageKind.Unassigned) return 0xffff;
    }
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  /** @inheritDoc */
  read32(addr: number): number {
    addr >>>= 0;
    const k = this.resolve(addr, false);
    if (this.rAvail >= 4) {
      if (k === PageKind.Ram || k === PageKind.Rom) {
        const o = (k === PageKind.Ram ? this.pmap.readOffset(this.rArg) : this.rArg << PAGE_SHIFT) + this.rOff;
        const ram = this.ram;
        return (ram[o]! | (ram[o + 1]! << 8) | (ram[o + 2]! << 16) | (ram[o + 3]! << 24)) >>> 0;
      }
      if (k === PageKind.Mmio && (this.mmioCaps[this.rArg]! & CAP_R32) !== 0) {
        return this.mmio[this.rArg]!.read32!(this.rOff) >>> 0;
      }
      if (k === PageKind.Unassigned) return 0xffffffff;
    }
    return (this.read16(addr) | (this.read16(addr + 2) << 16)) >>> 0;
  }

  /** @inheritDoc */
  write8(addr: number, value: number): void {
    addr >>>= 0;
    const k = this.resolve(addr, true);
    if (k === PageKind.Ram) {
      this.ram[this.ramWritable(this.rArg) + this.rOff] = value;
      this.afterWrite(addr, 1);
    } else if (k === PageKind.Mmio) {
      this.mmio[this.rArg]!.write8(this.rOff, value & 0xff);
    }
  }

  /** @inheritDoc */
  write16(addr: number, value: number): void {
    addr >>>= 0;
    const k = this.resolve(addr, true);
    if (this.rAvail >= 2) {
      if (k === PageKind.Ram) {
        const o = this.ramWritable(this.rArg) + this.rOff;
        this.ram[o] = value;
        this.ram[o + 1] = value >>> 8;
        this.afterWrite(addr, 2);
        return;
      }
      if (k === PageKind.Mmio && (this.mmioCaps[this.rArg]! & CAP_W16) !== 0) {
        this.mmio[this.rArg]!.write16!(this.rOff, value & 0xffff);
        return;
      }
      if (k !== PageKind.Mmio) return; // ROM or unassigned: dropped
    }
    this.write8(addr, value & 0xff);
    this.write8(addr + 1, (value >>> 8) & 0xff);
  }

  /** @inheritDoc */
  write32(addr: number, value: number): void {
    addr >>>= 0;
    const k = this.resolve(addr, true);
    if (this.rAvail >= 4) {
      if (k === PageKind.Ram) {
        const o = this.ramWritable(this.rArg) + this.rOff;
        const ram = this.ram;
        ram[o] = value;
        ram[o + 1] = value >>> 8;
        ram[o + 2] = value >>> 16;
        ram[o + 3] = value >>> 24;
        this.afterWrite(addr, 4);
        return;
      }
      if (k === PageKind.Mmio && (this.mmioCaps[this.rArg]! & CAP_W32) !== 0) {
        this.mmio[this.rArg]!.write32!(this.rOff, value >>> 0);
        return;
      }
      if (k !== PageKind.Mmio) return;
    }
    this.write16(addr, value & 0xffff);
    this.write16(addr + 2, (value >>> 16) & 0xffff);
  }

  /** The writable machine offset of pmap page `pp`, logging it dirty. */
  private ramWritable(pp: number): number {
    const o = this.pmap.writableOffset(pp);
    if (this.logging) this.logDirty(pp);
    return o;
  }

  // --------------------------------------------------------------------- DMA

  /** @inheritDoc */
  read(addr: number, dst: Uint8Array): DmaStatus {
    addr >>>= 0;
    const n = dst.length;
    let status: DmaStatus = DmaStatus.Ok;
    let done = 0;
    while (done < n) {
      const a = addr + done;
      if (a >= LIMIT) {
        dst.fill(0xff, done);
        return DmaStatus.Unassigned;
      }
      const k = this.resolve(a, false);
      const chunk = Math.min(this.rAvail, n - done);
      if (k === PageKind.Ram || k === PageKind.Rom) {
        const o = (k === PageKind.Ram ? this.pmap.readOffset(this.rArg) : this.rArg << PAGE_SHIFT) + this.rOff;
        copyBytes(this.ram, o, dst, done, chunk);
      } else {
        dst.fill(0xff, done, done + chunk);
        status = DmaStatus.Unassigned;
      }
      done += chunk;
    }
    return status;
  }

  /** @inheritDoc */
  write(addr: number, src: Uint8Array): DmaStatus {
    addr >>>= 0;
    const n = src.length;
    let status: DmaStatus = DmaStatus.Ok;
    let done = 0;
    while (done < n) {
      const a = addr + done;
      if (a >= LIMIT) return DmaStatus.Unassigned;
      const k = this.resolve(a, true);
      const chunk = Math.min(this.rAvail, n - done);
      if (k === PageKind.Ram) {
        const o = this.ramWritable(this.rArg) + this.rOff;
        copyBytes(src, done, this.ram, o, chunk);
        this.afterWrite(a, chunk);
      } else if (k !== PageKind.Rom) {
        status = DmaStatus.Unassigned;
      }
      done += chunk;
    }
    return status;
  }
}

/** Copy `n` bytes; short copies avoid creating a subarray view. */
function copyBytes(src: Uint8Array, so: number, dst: Uint8Array, d: number, n: number): void {
  if (n < 64) {
    for (let i = 0; i < n; i++) dst[d + i] = src[so + i]!;
  } else {
    dst.set(src.subarray(so, so + n), d);
  }
}

function checkPageRange(base: number, size: number, name: string): void {
  if (!Number.isInteger(base) || !Number.isInteger(size) || base < 0 || size <= 0 || base + size > LIMIT ||
      (base & PAGE_MASK) !== 0 || (size & PAGE_MASK) !== 0) {
    throw new RangeError(`${name}: base 0x${base.toString(16)} size 0x${size.toString(16)} must be page-aligned within 4 GiB`);
  }
}
