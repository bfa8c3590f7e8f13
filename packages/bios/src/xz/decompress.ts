/**
 * Whole-buffer xz decompression: one or more concatenated streams separated
 * by Stream Padding.
 *
 * @module
 */

import { at, XzError } from './errors.js';
import { LzmaDecoder } from './lzma-decoder.js';
import { OutputBuffer } from './output-buffer.js';
import { decodeStream } from './stream.js';

/** Default cap on decompressed size: 256 MiB. */
export const DEFAULT_MAX_OUTPUT = 256 * 1024 * 1024;

/** Options for {@link decompressXz}. */
export interface DecompressXzOptions {
  /** Refuse (`too-large`) to produce more than this many bytes. Default 256 MiB. */
  maxOutput?: number;
  /**
   * Decode only the first stream and ignore whatever follows its footer
   * (like `xz --single-stream`). Needed for Linux bzImage payloads, which
   * append the 4-byte decompressed size after the stream.
   */
  singleStream?: boolean;
}

/** Decompress a complete .xz file held in memory. */
export function decompressXz(input: Uint8Array, options: DecompressXzOptions = {}): Uint8Array {
  const max = options.maxOutput ?? DEFAULT_MAX_OUTPUT;
  if (!(max >= 0)) throw new RangeError(`maxOutput must be a non-negative number, got ${max}`);
  // xz on typical data compresses 3-5x; start there and grow if needed.
  const out = new OutputBuffer(input.length * 4, max);
  const lzma = new LzmaDecoder();
  let p = decodeStream(input, 0, lzma, out);
  if (!options.singleStream) {
    while (p < input.length) {
      // Stream Padding: zero bytes in groups of four, then possibly another stream.
      const padStart = p;
      while (p < input.length && input[p] === 0) p++;
      if ((p - padStart) & 3) throw new XzError('corrupt', `Stream Padding is not a multiple of 4 bytes ${at(padStart)}`);
      if (p === input.length) break;
      if (input[p] !== 0xfd) {
        throw new XzError('corrupt', `unexpected data after the xz stream ${at(p)} (use singleStream to ignore trailing data)`);
      }
      p = decodeStream(input, p, lzma, out);
    }
  }
  return out.result();
}
