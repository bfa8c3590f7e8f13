/**
 * A scatter/gather list of guest-physical segments, and copies between it
 * and a host buffer through a DmaSpace.
 *
 * @module
 */

import { DmaStatus } from '@vm/bus';
import type { DmaSpace } from '@vm/bus';

/**
 * Up to `capacity` (address, length) segments. Fixed storage, reused per
 * request; {@link add} refuses beyond capacity so a hostile list is bounded.
 */
export class SgList {
  /** Segment guest-physical addresses. */
  readonly addr: Uint32Array;
  /** Segment lengths in bytes. */
  readonly len: Uint32Array;
  /** Segments in use. */
  count = 0;
  /** Sum of the lengths (capped at 2^32). */
  total = 0;

  /** @param capacity most segments a list may hold */
  constructor(readonly capacity: number) {
    this.addr = new Uint32Array(capacity);
    this.len = new Uint32Array(capacity);
  }

  /** Empty the list. */
  clear(): void {
    this.count = 0;
    this.total = 0;
  }

  /** Append a segment; false when the list is full. */
  add(addr: number, len: number): boolean {
    if (this.count >= this.capacity) return false;
    this.addr[this.count] = addr >>> 0;
    this.len[this.count] = len >>> 0;
    this.count++;
    this.total = Math.min(this.total + (len >>> 0), 0x100000000);
    return true;
  }

  /**
   * Copy the first `n` bytes described by the list into `dst`. Returns false
   * if any part touched unassigned guest memory (the data is then garbage).
   */
  gather(dma: DmaSpace, dst: Uint8Array, n: number): boolean {
    let done = 0;
    let ok = true;
    for (let i = 0; i < this.count && done < n; i++) {
      const l = Math.min(this.len[i]!, n - done);
      if (l === 0) continue;
      if (dma.read(this.addr[i]!, dst.subarray(done, done + l)) !== DmaStatus.Ok) ok = false;
      done += l;
    }
    return ok;
  }

  /** Copy `n` bytes of `src` out to the segments; false on unassigned memory. */
  scatter(dma: DmaSpace, src: Uint8Array, n: number): boolean {
    let done = 0;
    let ok = true;
    for (let i = 0; i < this.count && done < n; i++) {
      const l = Math.min(this.len[i]!, n - done);
      if (l === 0) continue;
      if (dma.write(this.addr[i]!, src.subarray(done, done + l)) !== DmaStatus.Ok) ok = false;
      done += l;
    }
    return ok;
  }
}
