/**
 * Fast non-cryptographic hashes of a 4 KiB page, for the page-sharing scanner
 * (find candidate identical pages before a full compare) and for verifying
 * pages read back from swap. 32-bit integer arithmetic only: no BigInt, no
 * allocation per call.
 *
 * @module
 */

import { PAGE_SIZE } from './constants.js';

const WORDS = PAGE_SIZE >>> 2;
const C1 = 0xcc9e2d51 | 0;
const C2 = 0x1b873593 | 0;
const C3 = 0x85ebca6b | 0;
const C4 = 0xc2b2ae35 | 0;

/** murmur3's finalizer: spreads every input bit over the whole word. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, C3);
  h ^= h >>> 13;
  h = Math.imul(h, C4);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Hashes pages of one byte array (typically a machine-page pool's `ram`).
 * Holds an `Int32Array` view so a page is read a word at a time. The words
 * are read in host byte order: hashes are comparable only on one host.
 */
export class PageHasher {
  private declare readonly words: Int32Array;

  /** @param bytes the memory to hash pages of; its byte offset and length must be multiples of 4 */
  constructor(bytes: Uint8Array) {
    if ((bytes.byteOffset & 3) !== 0 || (bytes.byteLength & 3) !== 0) {
      throw new RangeError('PageHasher needs a 4-byte aligned array');
    }
    this.words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  }

  /** 32-bit hash (unsigned) of the page at byte `offset` (a multiple of 4096). */
  hash32(offset: number): number {
    const w = this.words;
    let i = offset >>> 2;
    const end = i + WORDS;
    let h = 0x9747b28c | 0;
    for (; i < end; i++) {
      let k = Math.imul(w[i]!, C1);
      k = (k << 15) | (k >>> 17);
      h ^= Math.imul(k, C2);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    return fmix(h ^ PAGE_SIZE);
  }

  /**
   * 64-bit hash of the page at byte `offset`, as two independent 32-bit
   * lanes written to `out[index]` (low) and `out[index + 1]` (high).
   */
  hash64(offset: number, out: Uint32Array, index: number): void {
    const w = this.words;
    let i = offset >>> 2;
    const end = i + WORDS;
    let a = 0x3c6ef372 | 0;
    let b = 0x5be0cd19 | 0;
    for (; i < end; i++) {
      const x = w[i]!;
      let k = Math.imul(x, C1);
      k = (k << 15) | (k >>> 17);
      a ^= Math.imul(k, C2);
      a = (a << 13) | (a >>> 19);
      a = (Math.imul(a, 5) + 0xe6546b64) | 0;
      let m = Math.imul(x ^ 0x5bd1e995, C3);
      m = (m << 11) | (m >>> 21);
      b ^= Math.imul(m, C4);
      b = (b << 17) | (b >>> 15);
      b = (Math.imul(b, 9) + 0x52dce729) | 0;
    }
    out[index] = fmix(a ^ b);
    out[index + 1] = fmix(b + Math.imul(a, 3));
  }
}

/**
 * One-off 32-bit hash of the page at byte `offset` of `bytes` (creates a
 * view; use a {@link PageHasher} when hashing many pages).
 */
export function hashPage(bytes: Uint8Array, offset: number): number {
  return new PageHasher(bytes).hash32(offset);
}
