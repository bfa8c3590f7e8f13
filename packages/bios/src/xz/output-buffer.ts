/**
 * The growing output of a decode: one contiguous byte array that doubles as
 * the LZMA dictionary (whole-output decoding needs no separate window).
 *
 * @module
 */

import { XzError } from './errors.js';

/** A byte buffer that grows on demand up to a hard limit. */
export class OutputBuffer {
  /** Backing storage; only `[0, pos)` is meaningful. Replaced when it grows. */
  buf: Uint8Array;
  /** Number of bytes written. */
  pos: number;
  /** Largest total size the caller allows. */
  readonly max: number;

  /**
   * @param initial first capacity guess (clamped to `max`)
   * @param max hard limit on the total output size
   */
  constructor(initial: number, max: number) {
    this.max = max;
    this.buf = new Uint8Array(Math.max(0, Math.min(initial, max)));
    this.pos = 0;
  }

  /** Make room for `n` more bytes, or throw `too-large` past the limit. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    if (need > this.max) {
      throw new XzError('too-large', `decompressed data exceeds the maxOutput limit of ${this.max} bytes`);
    }
    const size = Math.min(this.max, Math.max(need, this.buf.length * 2, 65536));
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  /** The bytes written, trimmed to size (a copy only if the capacity overshot). */
  result(): Uint8Array {
    return this.pos === this.buf.length ? this.buf : this.buf.slice(0, this.pos);
  }
}
