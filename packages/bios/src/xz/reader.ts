/**
 * Bounds-checked reads of the xz container's fixed fields and
 * variable-length integers.
 *
 * @module
 */

import { at, XzError } from './errors.js';

/** Throw `truncated` unless `input` holds `n` bytes at `p`. */
export function need(input: Uint8Array, p: number, n: number, what: string): void {
  if (p + n > input.length) throw new XzError('truncated', `input ends inside the ${what} ${at(p)}`);
}

/** Unsigned 32-bit little-endian value (the caller has checked the bounds). */
export function readLe32(input: Uint8Array, p: number): number {
  return (input[p]! | (input[p + 1]! << 8) | (input[p + 2]! << 16) | (input[p + 3]! << 24)) >>> 0;
}

/** A decoded variable-length integer and the offset after it. */
export interface Vli {
  /** The value (exact: anything that needs more than 53 bits is refused). */
  value: number;
  /** Offset just past the integer. */
  next: number;
}

/**
 * Read an xz variable-length integer (7 bits per byte, low bits first, high
 * bit = more bytes follow, at most 9 bytes, no redundant trailing zero byte)
 * from `input[p, limit)`.
 */
export function readVli(input: Uint8Array, p: number, limit: number, what: string): Vli {
  let value = 0;
  let scale = 1;
  for (let k = 0; k < 9; k++) {
    if (p + k >= limit) {
      if (limit >= input.length) throw new XzError('truncated', `input ends inside the ${what} ${at(p)}`);
      throw new XzError('corrupt', `the ${what} runs past the end of its header ${at(p)}`);
    }
    const b = input[p + k]!;
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (b === 0 && k > 0) throw new XzError('corrupt', `the ${what} has a redundant zero byte ${at(p)}`);
      if (value > Number.MAX_SAFE_INTEGER) throw new XzError('unsupported', `the ${what} (${value}) is too large ${at(p)}`);
      return { value, next: p + k + 1 };
    }
    scale *= 128;
  }
  throw new XzError('corrupt', `the ${what} is longer than 9 bytes ${at(p)}`);
}
