/**
 * The machine-page pool: every byte of guest RAM (and ROM) of every VM on a
 * host lives in one SharedArrayBuffer, handed out a 4 KiB machine page at a
 * time. Pages are reference counted so copy-on-write sharing can point
 * several guest pages (of one VM or of many) at one machine page.
 *
 * The bookkeeping (free list, reference counts, the registry of shared
 * pages) is in shared memory too, behind one spin lock, so every VM's worker
 * thread can allocate and free pages of the same pool
 * ({@link MachinePagePool.attach}).
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
 * The shared-memory parts of a pool: post it to a worker and
 * {@link MachinePagePool.attach} it there.
 */
export interface SharedPoolHandle {
  /** Page contents. */
  readonly ram: SharedArrayBuffer;
  /** Int32 words: lock, free-stack top, shared-page count, hint hits. */
  readonly control: SharedArrayBuffer;
  /** Per page reference count (Int32). */
  readonly refCounts: SharedArrayBuffer;
  /** The free stack (Int32). */
  readonly freeList: SharedArrayBuffer;
  /** Registry: per page next link, hash, in-registry flag; bucket heads; hint table. */
  readonly registry: SharedArrayBuffer;
}

const C_LOCK = 0;
const C_TOP = 1;
const C_REGISTERED = 2;
const CONTROL_WORDS = 4;
const HINT_WORDS = 3; // hash, machine page, owner

/**
 * A pool of machine pages in shared memory with a free list, per-page
 * reference counts and a registry of pages shared by content. Allocation
 * zero-fills. Every method may be called from any thread attached to the
 * pool; each takes the pool's lock for the few words it changes.
 */
export class MachinePagePool {
  /** All machine pages; machine page `m` is bytes `m * 4096 .. m * 4096 + 4095`. */
  declare readonly ram: Uint8Array;
  /** Number of machine pages, including the zero page. */
  declare readonly pageCount: number;
  /** Reference count per machine page (0 = free), in shared memory. */
  declare readonly refCounts: Int32Array;
  /** Hashes pages of {@link ram} (see {@link PageHasher}). */
  declare readonly hasher: PageHasher;
  private declare readonly control: Int32Array;
  private declare readonly freeList: Int32Array;
  private declare readonly regNext: Int32Array;
  private declare readonly regHash: Int32Array;
  private declare readonly regIn: Int32Array;
  private declare readonly buckets: Int32Array;
  private declare readonly hints: Int32Array;
  private declare readonly bucketMask: number;
  private declare readonly hintMask: number;
  private declare readonly handle: SharedPoolHandle;
  private declare readonly reclaim: ((pool: MachinePagePool) => boolean) | null;
  private declare readonly lockTag: number;

  /** @param options pool size and reclaim hook */
  constructor(options: MachinePagePoolOptions);
  /** @internal attach form */
  constructor(options: MachinePagePoolOptions, handle: SharedPoolHandle, lockTag: number);
  constructor(options: MachinePagePoolOptions, attachTo?: SharedPoolHandle, lockTag = 1) {
    if (!(Number.isInteger(lockTag) && lockTag > 0)) throw new RangeError(`pool lock tag ${lockTag} must be a positive integer`);
    this.lockTag = lockTag;
    let handle = attachTo;
    if (handle === undefined) {
      const bytes = Math.ceil(options.bytes / PAGE_SIZE) * PAGE_SIZE;
      if (!(bytes >= 2 * PAGE_SIZE) || bytes > MAX_POOL_BYTES) {
        throw new RangeError(`machine page pool size ${options.bytes} must be 8 KiB .. ${MAX_POOL_BYTES} bytes`);
      }
      const pages = bytes >>> PAGE_SHIFT;
      const nb = bucketCount(pages);
      handle = {
        ram: new SharedArrayBuffer(bytes),
        control: new SharedArrayBuffer(CONTROL_WORDS * 4),
        refCounts: new SharedArrayBuffer(pages * 4),
        freeList: new SharedArrayBuffer(pages * 4),
        registry: new SharedArrayBuffer((pages * 3 + nb + nb * HINT_WORDS) * 4),
      };
    }
    this.handle = handle;
    this.pageCount = handle.ram.byteLength >>> PAGE_SHIFT;
    this.ram = new Uint8Array(handle.ram);
    this.control = new Int32Array(handle.control);
    this.refCounts = new Int32Array(handle.refCounts);
    this.freeList = new Int32Array(handle.freeList);
    const pages = this.pageCount;
    const nb = bucketCount(pages);
    this.bucketMask = nb - 1;
    this.hintMask = nb - 1;
    this.regNext = new Int32Array(handle.registry, 0, pages);
    this.regHash = new Int32Array(handle.registry, pages * 4, pages);
    this.regIn = new Int32Array(handle.registry, pages * 8, pages);
    this.buckets = new Int32Array(handle.registry, pages * 12, nb);
    this.hints = new Int32Array(handle.registry, (pages * 3 + nb) * 4, nb * HINT_WORDS);
    this.hasher = new PageHasher(this.ram);
    this.reclaim = options.reclaim ?? null;
    if (attachTo === undefined) {
      // Lowest pages on top of the stack, so a fresh pool hands out ascending pages.
      let top = 0;
      for (let m = pages - 1; m > ZERO_PAGE; m--) this.freeList[top++] = m;
      this.control[C_TOP] = top;
      this.refCounts[ZERO_PAGE] = 1;
      this.buckets.fill(-1);
      for (let i = 0; i < nb; i++) this.hints[i * HINT_WORDS + 1] = -1;
    }
  }

  /**
   * The same pool seen from another thread (a VM's worker): `handle` comes
   * from {@link shared} of the creating thread; `reclaim` is this thread's
   * own hook; `lockTag` (a positive number unique to the thread, 2 or more;
   * the creator is 1) marks the pool lock while this thread holds it, so a
   * thread that was killed holding it can be found ({@link breakLock}).
   */
  static attach(handle: SharedPoolHandle, reclaim?: (pool: MachinePagePool) => boolean, lockTag = 2): MachinePagePool {
    return new MachinePagePool({ bytes: handle.ram.byteLength, ...(reclaim ? { reclaim } : {}) }, handle, lockTag);
  }

  /**
   * Release the lock if the thread tagged `lockTag` holds it (it was
   * terminated in the middle of a pool operation). Returns true if it did.
   * The operation it was doing is lost; the pool stays usable.
   */
  breakLock(lockTag: number): boolean {
    if (Atomics.compareExchange(this.control, C_LOCK, lockTag, 0) !== lockTag) return false;
    Atomics.notify(this.control, C_LOCK);
    return true;
  }

  /** The shared buffers, to post to a worker (structured-clone safe). */
  get shared(): SharedPoolHandle {
    return this.handle;
  }

  /** Free machine pages. */
  get freePages(): number {
    return Atomics.load(this.control, C_TOP);
  }

  /** Machine pages in use (excluding the zero page). */
  get usedPages(): number {
    return this.pageCount - 1 - this.freePages;
  }

  /** Machine pages in the shared-page registry (backing copy-on-write shares by content). */
  get registeredPages(): number {
    return Atomics.load(this.control, C_REGISTERED);
  }

  /**
   * Take a free page, zero-filled, with reference count 1, or -1 if none is
   * free even after the reclaim hook ran.
   */
  tryAllocate(): number {
    let m = this.pop();
    if (m < 0) {
      if (this.reclaim === null || !this.reclaim(this)) return -1;
      m = this.pop();
      if (m < 0) return -1;
    }
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
    this.lock();
    try {
      this.check(m);
      this.refCounts[m]!++;
    } finally {
      this.unlock();
    }
  }

  /** Drop a reference to page `m`; the page returns to the free list at zero. */
  unref(m: number): void {
    this.lock();
    try {
      this.check(m);
      if (m === ZERO_PAGE) return;
      if (--this.refCounts[m]! === 0) {
        if (this.regIn[m] !== 0) this.unregister(m);
        this.freeList[this.control[C_TOP]!++] = m;
      }
    } finally {
      this.unlock();
    }
  }

  /** Current reference count of page `m` (0 = free). */
  refCount(m: number): number {
    return m >= 0 && m < this.pageCount ? Atomics.load(this.refCounts, m) : 0;
  }

  /** Byte offset in {@link ram} of machine page `m`. */
  offsetOf(m: number): number {
    return m << PAGE_SHIFT;
  }

  // ------------------------------------------------------------ sharing by content

  /**
   * Find a registered shared page with hash `hash` and the same contents as
   * the page at byte `offset` (a page the caller owns); on a match its
   * reference count is raised for the caller and it is returned, else -1.
   * Registered pages are write-protected in every holder, so their contents
   * are stable while compared.
   */
  findShared(hash: number, offset: number): number {
    this.lock();
    try {
      for (let m = this.buckets[hash & this.bucketMask]!; m >= 0; m = this.regNext[m]!) {
        if (this.regHash[m] === (hash | 0) && (m << PAGE_SHIFT) !== offset && samePageAt(this.ram, m << PAGE_SHIFT, offset)) {
          this.refCounts[m]!++;
          return m;
        }
      }
      return -1;
    } finally {
      this.unlock();
    }
  }

  /**
   * Enter page `m` (owned by the caller, already write-protected as a
   * copy-on-write page in its pmap) in the registry under `hash`, so other
   * VMs can find it with {@link findShared}.
   */
  registerShared(m: number, hash: number): void {
    this.lock();
    try {
      this.check(m);
      if (this.regIn[m] !== 0) return;
      const b = hash & this.bucketMask;
      this.regHash[m] = hash | 0;
      this.regNext[m] = this.buckets[b]!;
      this.buckets[b] = m;
      this.regIn[m] = 1;
      this.control[C_REGISTERED]!++;
    } finally {
      this.unlock();
    }
  }

  /**
   * A write to copy-on-write page `m` by its only holder: if nobody else
   * holds it, take it out of the registry (so nobody can find it any more)
   * and return true: the caller may write it in place. Otherwise false: the
   * caller copies it.
   */
  claimSole(m: number): boolean {
    this.lock();
    try {
      if (this.refCounts[m] !== 1) return false;
      if (this.regIn[m] !== 0) this.unregister(m);
      return true;
    } finally {
      this.unlock();
    }
  }

  /**
   * The lossy hint table of ESX's page sharing: remember that `owner` (a
   * VM, for diagnostics) has a page with `hash` at machine page `m` (not
   * yet shared). Returns the machine page of an earlier hint with the same
   * hash whose contents still equal page `m`, or -1 (and the hint is
   * replaced).
   */
  probeHint(hash: number, m: number, owner: number): number {
    this.lock();
    try {
      const i = (hash & this.hintMask) * HINT_WORDS;
      const h = this.hints;
      const other = h[i + 1]!;
      if (other >= 0 && h[i] === (hash | 0) && other !== m && this.refCounts[other]! > 0 && samePageAt(this.ram, other << PAGE_SHIFT, m << PAGE_SHIFT)) {
        h[i + 1] = -1;
        return other;
      }
      h[i] = hash | 0;
      h[i + 1] = m;
      h[i + 2] = owner;
      return -1;
    } finally {
      this.unlock();
    }
  }

  private unregister(m: number): void {
    const b = this.regHash[m]! & this.bucketMask;
    let p = this.buckets[b]!;
    if (p === m) this.buckets[b] = this.regNext[m]!;
    else {
      while (p >= 0 && this.regNext[p] !== m) p = this.regNext[p]!;
      if (p >= 0) this.regNext[p] = this.regNext[m]!;
    }
    this.regIn[m] = 0;
    this.regNext[m] = -1;
    this.control[C_REGISTERED]!--;
  }

  private pop(): number {
    this.lock();
    try {
      const top = this.control[C_TOP]!;
      if (top === 0) return -1;
      const m = this.freeList[top - 1]!;
      this.control[C_TOP] = top - 1;
      this.refCounts[m] = 1;
      return m;
    } finally {
      this.unlock();
    }
  }

  private lock(): void {
    const c = this.control;
    let spins = 0;
    for (;;) {
      const held = Atomics.compareExchange(c, C_LOCK, 0, this.lockTag);
      if (held === 0) return;
      if (++spins > 64) {
        Atomics.wait(c, C_LOCK, held, 1);
        spins = 0;
      }
    }
  }

  private unlock(): void {
    Atomics.store(this.control, C_LOCK, 0);
    Atomics.notify(this.control, C_LOCK, 1);
  }

  /** Drop one reference for each page in `pages` (entries below 0 are skipped): the pages of a VM whose thread is gone. */
  unrefAll(pages: Int32Array): number {
    let n = 0;
    for (let i = 0; i < pages.length; i++) {
      const m = pages[i]!;
      if (m > ZERO_PAGE && m < this.pageCount && this.refCount(m) > 0) {
        this.unref(m);
        n++;
      }
    }
    return n;
  }

  private check(m: number): void {
    if (!(m >= 0 && m < this.pageCount) || this.refCounts[m]! <= 0) {
      throw new RangeError(`machine page ${m} is not allocated`);
    }
  }
}

function bucketCount(pages: number): number {
  let n = 16;
  while (n < pages) n <<= 1;
  return n;
}

function samePageAt(ram: Uint8Array, a: number, b: number): boolean {
  for (let i = 0; i < PAGE_SIZE; i++) if (ram[a + i] !== ram[b + i]) return false;
  return true;
}
