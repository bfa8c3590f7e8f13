/**
 * The machine-page pool: every byte of guest RAM (and ROM) of every VM on a
 * host lives in one SharedArrayBuffer, handed out a 4 KiB machine page at a
 * time. Pages are reference counted so copy-on-write sharing can point
 * several guest pages (of one VM or of many) at one machine page.
 *
 * @module
 */

import { PAGE_SHIFT, PAGE_SIZE } from './constants.js';
import { PageHasher } from './page-hash.js';

/** The largest pool: byte offsets must stay below 2^31 so they are small integers. */
export const MAX_POOL_BYTES = 0x80000000 - PAGE_SIZE;

/** Machine page 0: always zero, shared by every untouched guest page, never written. */
export const ZERO_PAGE = 0;

/** Thrown when a page is needed and the pool (after the reclaim hook) has none. */
export class PoolExhaustedError extends Error {
  /** @param message what could not be allocated */
  constructor(message: string) {
    super(message);
    this.name = 'PoolExhaustedError';
  }
}

/** Options for {@link MachinePagePool}. */
export interface MachinePagePoolOptions {
  /** Pool size in bytes (rounded up to whole pages; at most {@link MAX_POOL_BYTES}). */
  readonly bytes: number;
  /**
   * Called when the free list is empty, before allocation fails: the host's
   * memory scheduler swaps or balloons pages out here. Return true if it
   * freed something.
   */
  readonly reclaim?: (pool: MachinePagePool) => boolean;
}

/**
 * A pool of machine pages in shared memory with a free list and per-page
 * reference counts. Allocation zero-fills. The pool's bookkeeping is driven
 * from one thread (the host's control thread or a single VM's worker); the
 * page contents in {@link ram} may be read and written from any thread.
 */
export class MachinePagePool {
  /** All machine pages; machine page `m` is bytes `m * 4096 .. m * 4096 + 4095`. */
  declare readonly ram: Uint8Array;
  /** Number of machine pages, including the zero page. */
  declare readonly pageCount: number;
  /** Reference count per machine page (0 = free). In shared memory for future cross-thread use. */
  declare readonly refCounts: Int32Array;
  /** Hashes pages of {@link ram} (see {@link PageHasher}). */
  declare readonly hasher: PageHasher;
  private declare readonly freeList: Int32Array;
  private declare freeTop: number;
  private readonly reclaim: ((pool: MachinePagePool) => boolean) | null;

  /** @param options pool size and reclaim hook */
  constructor(options: MachinePagePoolOptions) {
    const bytes = Math.ceil(options.bytes / PAGE_SIZE) * PAGE_SIZE;
    if (!(bytes >= 2 * PAGE_SIZE) || bytes > MAX_POOL_BYTES) {
      throw new RangeError(`machine page pool size ${options.bytes} must be 8 KiB .. ${MAX_POOL_BYTES} bytes`);
    }
    this.pageCount = bytes >>> PAGE_SHIFT;
    this.ram = new Uint8Array(new SharedArrayBuffer(bytes));
    this.refCounts = new Int32Array(new SharedArrayBuffer(this.pageCount * 4));
    this.hasher = new PageHasher(this.ram);
    this.freeList = new Int32Array(this.pageCount);
    this.reclaim = options.reclaim ?? null;
    // Lowest pages on top of the stack, so a fresh pool hands out ascending pages.
    let top = 0;
    for (let m = this.pageCount - 1; m > ZERO_PAGE; m--) this.freeList[top++] = m;
    this.freeTop = top;
    this.refCounts[ZERO_PAGE] = 1;
  }

  /** Free machine pages. */
  get freePages(): number {
    return this.freeTop;
  }

  /** Machine pages in use (excluding the zero page). */
  get usedPages(): number {
    return this.pageCount - 1 - this.freeTop;
  }

  /**
   * Take a free page, zero-filled, with reference count 1, or -1 if none is
   * free even after the reclaim hook ran.
   */
  tryAllocate(): number {
    if (this.freeTop === 0 && (this.reclaim === null || !this.reclaim(this) || this.freeTop === 0)) return -1;
    const m = this.freeList[--this.freeTop]!;
    this.refCounts[m] = 1;
    const off = m << PAGE_SHIFT;
    this.ram.fill(0, off, off + PAGE_SIZE);
    return m;
  }

  /** Like {@link tryAllocate} but throws {@link PoolExhaustedError} when the pool is empty. */
  allocate(): number {
    const m = this.tryAllocate();
    if (m < 0) throw new PoolExhaustedError(`machine page pool exhausted (${this.pageCount} pages)`);
    return m;
  }

  /** Add a reference to allocated page `m`. */
  ref(m: number): void {
    this.check(m);
    this.refCounts[m]!++;
  }

  /** Drop a reference to page `m`; the page returns to the free list at zero. */
  unref(m: number): void {
    this.check(m);
    if (m === ZERO_PAGE) return;
    if (--this.refCounts[m]! === 0) this.freeList[this.freeTop++] = m;
  }

  /** Current reference count of page `m` (0 = free). */
  refCount(m: number): number {
    return this.refCounts[m] ?? 0;
  }

  /** Byte offset in {@link ram} of machine page `m`. */
  offsetOf(m: number): number {
    return m << PAGE_SHIFT;
  }

  private check(m: number): void {
    if (!(m >= 0 && m < this.pageCount) || this.refCounts[m]! <= 0) {
      throw new RangeError(`machine page ${m} is not allocated`);
    }
  }
}
