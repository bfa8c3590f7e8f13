/**
 * The pmap: per VM, guest page -> machine page. Guest RAM is backed by
 * noncontiguous machine pages from a shared {@link MachinePagePool},
 * allocated on first write; pages can be shared copy-on-write, swapped out
 * and released (ballooned) without the guest noticing.
 *
 * @module
 */

import { PAGE_SHIFT, PAGE_SIZE } from './constants.js';
import { ZERO_PAGE } from './page-pool.js';
import type { MachinePagePool } from './page-pool.js';
import type { SwapStore } from './swap-store.js';

/** The state of one pmap entry. */
export const PmapState = {
  /** Never written (or released): reads as zero from the shared zero page, no backing. */
  Untouched: 0,
  /** Backed by a machine page of its own. */
  Private: 1,
  /** Backed by a copy-on-write machine page that other guest pages may share; a write breaks it. */
  Shared: 2,
  /** Contents are in a swap slot; any access swaps it back in. */
  Swapped: 3,
} as const;

/** A {@link PmapState} value. */
export type PmapState = (typeof PmapState)[keyof typeof PmapState];

/** Told when a pmap entry changes backing (the address space forwards it to TLBs). */
export interface PmapListener {
  /**
   * Pmap page `page` now has a different machine page or protection;
   * `sameContent`: its bytes are what they were (a copy-on-write break, a
   * merge with an identical page, swap out or in, a zero page released), so
   * anything derived from them, such as translated code, is still right.
   */
  pmapPageChanged(page: number, sameContent?: boolean): void;
}

/** Thrown when a page read back from swap does not match what was written. */
export class SwapIntegrityError extends Error {
  /** @param message which page failed */
  constructor(message: string) {
    super(message);
    this.name = 'SwapIntegrityError';
  }
}

/** Options for {@link Pmap}. */
export interface PmapOptions {
  /** The machine-page pool backing this VM. */
  readonly pool: MachinePagePool;
  /** Number of guest pages (pmap entries). */
  readonly pages: number;
  /** Where {@link Pmap.swapOut} puts pages; without one swapping is refused. */
  readonly swap?: SwapStore;
}

/**
 * One VM's guest page -> machine page map. Entry `gp` is in one of the
 * {@link PmapState} states; {@link readOffset} and {@link writableOffset}
 * bring any state to one the caller can access, allocating, copying or
 * swapping in as needed and telling listeners when an offset they may have
 * cached goes stale.
 */
export class Pmap {
  /** The pool the machine pages come from. */
  declare readonly pool: MachinePagePool;
  /** Number of entries. */
  declare readonly pages: number;
  /** Per entry: a {@link PmapState}. Read-only for callers. */
  declare readonly state: Uint8Array;
  /** Per entry: the machine page (Private/Shared) or swap slot (Swapped). Read-only for callers. */
  declare readonly frame: Int32Array;
  private declare readonly swapHash: Int32Array;
  private declare readonly swap: SwapStore | null;
  private declare readonly listeners: PmapListener[];
  private declare resident: number;
  private declare swapped: number;
  private declare sharedCount: number;

  /** @param options pool, size and swap store */
  constructor(options: PmapOptions) {
    const pages = options.pages;
    if (!Number.isInteger(pages) || pages < 0 || pages > 0x100000) throw new RangeError(`bad pmap size ${pages}`);
    this.pool = options.pool;
    this.pages = pages;
    // In shared memory, so the host can give a VM's pages back if its thread dies (see orphanedFrames).
    this.state = new Uint8Array(new SharedArrayBuffer(Math.max(1, pages)), 0, pages);
    this.frame = new Int32Array(new SharedArrayBuffer(Math.max(4, pages * 4)), 0, pages);
    this.swapHash = new Int32Array(pages);
    this.swap = options.swap ?? null;
    this.listeners = [];
    this.resident = 0;
    this.swapped = 0;
    this.sharedCount = 0;
  }

  /** Entries backed by a copy-on-write shared machine page. */
  get sharedPages(): number {
    return this.sharedCount;
  }

  /** Entries backed by a machine page (private or shared). */
  get residentPages(): number {
    return this.resident;
  }

  /** Entries currently swapped out. */
  get swappedPages(): number {
    return this.swapped;
  }

  /** The shared arrays behind {@link state} and {@link frame}, to hand to the host thread. */
  get sharedTables(): { readonly state: SharedArrayBuffer; readonly frame: SharedArrayBuffer } {
    return { state: this.state.buffer as SharedArrayBuffer, frame: this.frame.buffer as SharedArrayBuffer };
  }

  /**
   * The machine pages a pmap held, from its {@link sharedTables}, for a host
   * cleaning up after a VM whose thread died: one entry per resident guest
   * page (-1 elsewhere); give them back with `pool.unrefAll`.
   */
  static orphanedFrames(tables: { readonly state: SharedArrayBuffer; readonly frame: SharedArrayBuffer }): Int32Array {
    const state = new Uint8Array(tables.state);
    const frame = new Int32Array(tables.frame);
    const n = Math.min(frame.length, state.length);
    const out = new Int32Array(n).fill(-1);
    for (let gp = 0; gp < n; gp++) {
      const s = state[gp];
      if (s === PmapState.Private || s === PmapState.Shared) out[gp] = frame[gp]!;
      state[gp] = PmapState.Untouched;
    }
    return out;
  }

  /** Subscribe to backing changes. */
  addListener(listener: PmapListener): void {
    this.listeners.push(listener);
  }

  /** Unsubscribe a listener. */
  removeListener(listener: PmapListener): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /** The {@link PmapState} of page `gp`. */
  stateOf(gp: number): PmapState {
    this.check(gp);
    return this.state[gp] as PmapState;
  }

  /** The machine page backing `gp`, or -1 if it is untouched or swapped. */
  machinePage(gp: number): number {
    this.check(gp);
    const s = this.state[gp];
    return s === PmapState.Private || s === PmapState.Shared ? this.frame[gp]! : -1;
  }

  /**
   * Byte offset in the pool's `ram` to read page `gp` from: the zero page
   * when untouched, swapping in first when swapped. `gp` must be in range.
   */
  readOffset(gp: number): number {
    const s = this.state[gp]!;
    if (s === PmapState.Private || s === PmapState.Shared) return this.frame[gp]! << PAGE_SHIFT;
    if (s === PmapState.Untouched) return ZERO_PAGE;
    return this.swapIn(gp) << PAGE_SHIFT;
  }

  /**
   * Byte offset in the pool's `ram` to write page `gp` at: allocates an
   * untouched page, breaks copy-on-write sharing, swaps in. `gp` must be in range.
   */
  writableOffset(gp: number): number {
    const s = this.state[gp]!;
    if (s === PmapState.Private) return this.frame[gp]! << PAGE_SHIFT;
    return this.makePrivate(gp) << PAGE_SHIFT;
  }

  private makePrivate(gp: number): number {
    const s = this.state[gp]!;
    const pool = this.pool;
    let m: number;
    if (s === PmapState.Untouched) {
      m = pool.allocate();
      this.resident++;
    } else if (s === PmapState.Swapped) {
      m = this.swapIn(gp);
      if (this.state[gp] === PmapState.Private) return m;
    } else {
      const old = this.frame[gp]!;
      this.sharedCount--;
      // The other sharers have gone (and no other VM can find it any more): keep the page.
      if (pool.claimSole(old)) m = old;
      else {
        m = pool.allocate();
        pool.ram.copyWithin(m << PAGE_SHIFT, old << PAGE_SHIFT, (old << PAGE_SHIFT) + PAGE_SIZE);
        pool.unref(old);
      }
    }
    this.frame[gp] = m;
    this.state[gp] = PmapState.Private;
    // a zero page for an untouched one, a copy of a shared one, the swapped-in bytes
    this.notify(gp, true);
    return m;
  }

  private swapIn(gp: number): number {
    const swap = this.swap!;
    const slot = this.frame[gp]!;
    const m = this.pool.allocate();
    const off = m << PAGE_SHIFT;
    swap.readPage(slot, this.pool.ram, off);
    if ((this.pool.hasher.hash32(off) | 0) !== this.swapHash[gp]) {
      this.pool.unref(m);
      throw new SwapIntegrityError(`guest page ${gp}: swap slot ${slot} content does not match what was swapped out`);
    }
    swap.freeSlot(slot);
    this.frame[gp] = m;
    this.state[gp] = PmapState.Private;
    this.swapped--;
    this.resident++;
    this.notify(gp, true);
    return m;
  }

  /**
   * Write page `gp` to swap and free its machine page (a shared page drops
   * its reference). Returns false, doing nothing, when the page is untouched,
   * already swapped, or there is no swap store or free slot.
   */
  swapOut(gp: number): boolean {
    this.check(gp);
    const s = this.state[gp];
    if (this.swap === null || (s !== PmapState.Private && s !== PmapState.Shared)) return false;
    const slot = this.swap.allocateSlot();
    if (slot < 0) return false;
    const m = this.frame[gp]!;
    const off = m << PAGE_SHIFT;
    this.swap.writePage(slot, this.pool.ram, off);
    this.swapHash[gp] = this.pool.hasher.hash32(off) | 0;
    if (s === PmapState.Shared) this.sharedCount--;
    this.pool.unref(m);
    this.frame[gp] = slot;
    this.state[gp] = PmapState.Swapped;
    this.resident--;
    this.swapped++;
    this.notify(gp, true);
    return true;
  }

  /** Bring page `gp` back from swap now (no-op unless swapped). */
  swapInPage(gp: number): void {
    this.check(gp);
    if (this.state[gp] === PmapState.Swapped) this.swapIn(gp);
  }

  /**
   * The balloon hook: the guest gave page `gp` back. Its machine page or swap
   * slot is freed and it reads as zero afterwards. Returns true if backing was freed.
   * `wasZero`: the page held only zeros (the sharing scanner's release), so its content stays.
   */
  releasePage(gp: number, wasZero = false): boolean {
    this.check(gp);
    const s = this.state[gp];
    if (s === PmapState.Untouched) return false;
    if (s === PmapState.Swapped) {
      this.swap!.freeSlot(this.frame[gp]!);
      this.swapped--;
    } else {
      if (s === PmapState.Shared) this.sharedCount--;
      this.pool.unref(this.frame[gp]!);
      this.resident--;
    }
    this.frame[gp] = 0;
    this.state[gp] = PmapState.Untouched;
    this.notify(gp, wasZero);
    return true;
  }

  /**
   * Point page `gp` at machine page `m` (already referenced for it) as a
   * copy-on-write share. Used by {@link sharePages}; not for general use.
   * @internal
   */
  adoptShared(gp: number, m: number): void {
    const s = this.state[gp];
    if (s === PmapState.Private || s === PmapState.Shared) {
      if (this.frame[gp] !== m) this.pool.unref(this.frame[gp]!);
    } else {
      throw new RangeError(`guest page ${gp} is not resident`);
    }
    if (s !== PmapState.Shared) this.sharedCount++;
    this.frame[gp] = m;
    this.state[gp] = PmapState.Shared;
    // callers share only pages whose bytes they compared
    this.notify(gp, true);
  }

  /** Release every page (the VM is gone). */
  destroy(): void {
    for (let gp = 0; gp < this.pages; gp++) if (this.state[gp] !== PmapState.Untouched) this.releasePage(gp);
  }

  private notify(gp: number, sameContent: boolean): void {
    const l = this.listeners;
    for (let i = 0; i < l.length; i++) l[i]!.pmapPageChanged(gp, sameContent);
  }

  private check(gp: number): void {
    if (!(gp >= 0 && gp < this.pages && Number.isInteger(gp))) {
      throw new RangeError(`guest page ${gp} outside pmap of ${this.pages} pages`);
    }
  }
}
