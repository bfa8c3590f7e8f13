/**
 * Backing store for swapped-out guest pages: numbered 4 KiB slots.
 *
 * @module
 */

import { PAGE_SIZE } from './constants.js';

/**
 * Where a {@link Pmap} puts pages it swaps out. Reads and writes are
 * synchronous because a swap-in happens inside a guest memory access.
 * Several pmaps may share one store; the store owns slot allocation.
 */
export interface SwapStore {
  /** Number of slots. */
  readonly slotCount: number;
  /** Reserve a free slot, or -1 when the store is full. */
  allocateSlot(): number;
  /** Return `slot` to the free pool. */
  freeSlot(slot: number): void;
  /** Store the 4096 bytes at `src[srcOffset ..]` in `slot`. */
  writePage(slot: number, src: Uint8Array, srcOffset: number): void;
  /** Load `slot` into `dst[dstOffset .. dstOffset + 4095]`. */
  readPage(slot: number, dst: Uint8Array, dstOffset: number): void;
}

/** A stack of free slot numbers with an in-use bitmap (catches double frees). */
export class SwapSlotAllocator {
  private readonly free: Int32Array;
  private readonly used: Uint8Array;
  private top: number;

  /** @param slotCount number of slots to manage */
  constructor(readonly slotCount: number) {
    if (!(slotCount >= 0 && slotCount <= 0x7ffff)) throw new RangeError(`bad swap slot count ${slotCount}`);
    this.free = new Int32Array(slotCount);
    this.used = new Uint8Array(slotCount);
    let top = 0;
    for (let s = slotCount - 1; s >= 0; s--) this.free[top++] = s;
    this.top = top;
  }

  /** Slots not in use. */
  get freeSlots(): number {
    return this.top;
  }

  /** Take a slot, or -1 when none is free. */
  allocate(): number {
    if (this.top === 0) return -1;
    const s = this.free[--this.top]!;
    this.used[s] = 1;
    return s;
  }

  /** Give `slot` back; throws RangeError for a slot that is not in use. */
  release(slot: number): void {
    this.check(slot);
    this.used[slot] = 0;
    this.free[this.top++] = slot;
  }

  /** Throws RangeError unless `slot` is allocated. */
  check(slot: number): void {
    if (!(slot >= 0 && slot < this.slotCount) || this.used[slot] === 0) {
      throw new RangeError(`swap slot ${slot} is not allocated`);
    }
  }
}

/** A {@link SwapStore} in an ordinary (non-shared) byte array: for tests and small hosts. */
export class MemorySwapStore implements SwapStore {
  /** The slots' bytes, slot `s` at `s * 4096`. */
  readonly bytes: Uint8Array;
  private readonly slots: SwapSlotAllocator;

  /** @param slotCount number of 4 KiB slots */
  constructor(slotCount: number) {
    this.slots = new SwapSlotAllocator(slotCount);
    this.bytes = new Uint8Array(slotCount * PAGE_SIZE);
  }
  /** @inheritDoc */
  get slotCount(): number {
    return this.slots.slotCount;
  }
  /** Slots not in use. */
  get freeSlots(): number {
    return this.slots.freeSlots;
  }
  /** @inheritDoc */
  allocateSlot(): number {
    return this.slots.allocate();
  }
  /** @inheritDoc */
  freeSlot(slot: number): void {
    this.slots.release(slot);
  }
  /** @inheritDoc */
  writePage(slot: number, src: Uint8Array, srcOffset: number): void {
    this.slots.check(slot);
    this.bytes.set(src.subarray(srcOffset, srcOffset + PAGE_SIZE), slot * PAGE_SIZE);
  }
  /** @inheritDoc */
  readPage(slot: number, dst: Uint8Array, dstOffset: number): void {
    this.slots.check(slot);
    const o = slot * PAGE_SIZE;
    dst.set(this.bytes.subarray(o, o + PAGE_SIZE), dstOffset);
  }
}
