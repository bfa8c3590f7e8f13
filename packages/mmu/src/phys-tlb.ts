/**
 * A guest-physical translation cache for the fast path: the pattern a CPU
 * (or a DMA-heavy device) uses to reach guest RAM without calling a
 * function on a hit.
 *
 * @module
 */

import type { GuestMemory, MappingListener } from '@vm/bus';
import { GUEST_PAGES, PAGE_SHIFT } from './constants.js';

// The accessors use the literals 12 and 0xfff: V8 does not constant-fold imported
// bindings, and a module-cell load per access costs measurably on the hot path.

/** How many filled pages are remembered for a cheap flush before a full wipe. */
const VALID_LIST = 4096;

/**
 * Page -> machine offset caches for reads and for writes, one `Int32Array`
 * entry per guest-physical page (-1: not cached), filled on a miss from
 * {@link GuestMemory.translateRead} / {@link GuestMemory.translateWrite}
 * and dropped when the memory reports a mapping change.
 *
 * A hit is `ram[readOffset[addr >>> 12] + (addr & 0xfff)]`; aligned 16- and
 * 32-bit accesses use the `ram16` / `ram32` views (little-endian host
 * assumed), unaligned ones compose bytes, and an access crossing a page
 * goes through the memory's slow accessors. Pages whose translation is -1
 * (MMIO, ROM on write, copy-on-write shared, dirty-logged, watched) are not
 * cached and take the slow path every time.
 */
export class PhysTlb implements MappingListener {
  /** The machine-page bytes. */
  declare readonly ram: Uint8Array;
  /** 16-bit view of {@link ram}. */
  declare readonly ram16: Uint16Array;
  /** 32-bit view of {@link ram}. */
  declare readonly ram32: Int32Array;
  /** Read translation per guest page: machine byte offset, or -1. */
  declare readonly readOffset: Int32Array;
  /** Write translation per guest page: machine byte offset, or -1. */
  declare readonly writeOffset: Int32Array;
  /** The memory translated. */
  declare readonly memory: GuestMemory;
  private declare readonly valid: Int32Array;
  private declare validCount: number;
  /** Misses taken (fills plus uncached slow accesses). */
  declare misses: number;

  /** @param memory the guest memory to cache translations of (the TLB subscribes to its changes) */
  constructor(memory: GuestMemory) {
    const ram = memory.ram;
    this.memory = memory;
    this.ram = ram;
    this.ram16 = new Uint16Array(ram.buffer, ram.byteOffset, ram.byteLength >>> 1);
    this.ram32 = new Int32Array(ram.buffer, ram.byteOffset, ram.byteLength >>> 2);
    this.readOffset = new Int32Array(GUEST_PAGES).fill(-1);
    this.writeOffset = new Int32Array(GUEST_PAGES).fill(-1);
    this.valid = new Int32Array(VALID_LIST);
    this.validCount = 0;
    this.misses = 0;
    memory.addMappingListener(this);
  }

  /** Stop listening to the memory (the TLB is not used afterwards). */
  dispose(): void {
    this.memory.removeMappingListener(this);
  }

  /** Drop every cached translation. */
  flush(): void {
    const n = this.validCount;
    if (n >= VALID_LIST) {
      this.readOffset.fill(-1);
      this.writeOffset.fill(-1);
    } else {
      for (let i = 0; i < n; i++) {
        const p = this.valid[i]!;
        this.readOffset[p] = -1;
        this.writeOffset[p] = -1;
      }
    }
    this.validCount = 0;
  }

  /** @inheritDoc */
  mappingChanged(page: number): void {
    if (page < 0) this.flush();
    else if (page < GUEST_PAGES) {
      this.readOffset[page] = -1;
      this.writeOffset[page] = -1;
    }
  }

  private remember(page: number): void {
    // On overflow the list stops growing and a flush wipes the whole table.
    if (this.validCount < VALID_LIST) this.valid[this.validCount] = page;
    this.validCount++;
  }

  /** Translate `addr`'s page for reading and cache it; -1 if it must use the slow path. */
  fillRead(addr: number): number {
    this.misses++;
    const page = (addr >>> 0) >>> PAGE_SHIFT;
    const off = this.memory.translateRead(addr);
    if (off >= 0) {
      this.readOffset[page] = off;
      this.remember(page);
    }
    return off;
  }

  /** Translate `addr`'s page for writing and cache it; -1 if it must use the slow path. */
  fillWrite(addr: number): number {
    this.misses++;
    const page = (addr >>> 0) >>> PAGE_SHIFT;
    const off = this.memory.translateWrite(addr);
    if (off >= 0) {
      this.writeOffset[page] = off;
      this.remember(page);
    }
    return off;
  }

  /** Read a byte at guest-physical `addr`. */
  read8(addr: number): number {
    const off = this.readOffset[addr >>> 12]!;
    if (off >= 0) return this.ram[off + (addr & 0xfff)]!;
    return this.read8Miss(addr) | 0;
  }

  /** Read a little-endian 16-bit value. */
  read16(addr: number): number {
    const off = this.readOffset[addr >>> 12]!;
    if ((addr & 1) === 0) {
      // aligned: never crosses a page
      if (off >= 0) return this.ram16[(off + (addr & 0xfff)) >>> 1]!;
    } else if (off >= 0 && (addr & 0xfff) !== 0xfff) {
      const p = off + (addr & 0xfff);
      return this.ram[p]! | (this.ram[p + 1]! << 8);
    }
    return this.read16Miss(addr) | 0;
  }

  /** Read a little-endian 32-bit value (unsigned). */
  read32(addr: number): number {
    const off = this.readOffset[addr >>> 12]!;
    if ((addr & 3) === 0) {
      if (off >= 0) return this.ram32[(off + (addr & 0xfff)) >>> 2]! >>> 0;
    } else if (off >= 0 && (addr & 0xfff) <= 0xffc) {
      const p = off + (addr & 0xfff);
      const ram = this.ram;
      return (ram[p]! | (ram[p + 1]! << 8) | (ram[p + 2]! << 16) | (ram[p + 3]! << 24)) >>> 0;
    }
    return this.read32Miss(addr) >>> 0;
  }

  /** Write a byte. */
  write8(addr: number, value: number): void {
    const off = this.writeOffset[addr >>> 12]!;
    if (off >= 0) this.ram[off + (addr & 0xfff)] = value;
    else this.write8Miss(addr, value);
  }

  /** Write a little-endian 16-bit value. */
  write16(addr: number, value: number): void {
    const off = this.writeOffset[addr >>> 12]!;
    if ((addr & 1) === 0) {
      if (off >= 0) {
        this.ram16[(off + (addr & 0xfff)) >>> 1] = value;
        return;
      }
    } else if (off >= 0 && (addr & 0xfff) !== 0xfff) {
      const p = off + (addr & 0xfff);
      this.ram[p] = value;
      this.ram[p + 1] = value >>> 8;
      return;
    }
    this.write16Miss(addr, value);
  }

  /** Write a little-endian 32-bit value. */
  write32(addr: number, value: number): void {
    const off = this.writeOffset[addr >>> 12]!;
    if ((addr & 3) === 0) {
      if (off >= 0) {
        this.ram32[(off + (addr & 0xfff)) >>> 2] = value;
        return;
      }
    } else if (off >= 0 && (addr & 0xfff) <= 0xffc) {
      const p = off + (addr & 0xfff);
      const ram = this.ram;
      ram[p] = value;
      ram[p + 1] = value >>> 8;
      ram[p + 2] = value >>> 16;
      ram[p + 3] = value >>> 24;
      return;
    }
    this.write32Miss(addr, value);
  }

  // The miss results are re-coerced above (`| 0`, `>>> 0`) so the optimizing
  // compiler sees one integer representation on both paths: otherwise a
  // 32-bit value >= 2^31 would be boxed as a heap number on every hit.
  // Misses: fill and retry when the page is cacheable and the access stays in
  // the page, otherwise the memory's slow accessor does it (and splits).
  private read8Miss(addr: number): number {
    if (this.fillRead(addr) >= 0) return this.read8(addr);
    return this.memory.read8(addr);
  }
  private read16Miss(addr: number): number {
    if ((addr & 0xfff) !== 0xfff && this.fillRead(addr) >= 0) return this.read16(addr);
    return this.memory.read16(addr);
  }
  private read32Miss(addr: number): number {
    if ((addr & 0xfff) <= 0xffc && this.fillRead(addr) >= 0) return this.read32(addr);
    return this.memory.read32(addr);
  }
  private write8Miss(addr: number, value: number): void {
    if (this.fillWrite(addr) >= 0) this.write8(addr, value);
    else this.memory.write8(addr, value);
  }
  private write16Miss(addr: number, value: number): void {
    if ((addr & 0xfff) !== 0xfff && this.fillWrite(addr) >= 0) this.write16(addr, value);
    else this.memory.write16(addr, value);
  }
  private write32Miss(addr: number, value: number): void {
    if ((addr & 0xfff) <= 0xffc && this.fillWrite(addr) >= 0) this.write32(addr, value);
    else this.memory.write32(addr, value);
  }
}
