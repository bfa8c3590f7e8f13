/**
 * LZMA2: a sequence of chunks, each either stored (uncompressed) or LZMA
 * coded, with control bytes that reset the dictionary, the LZMA state or the
 * literal/position properties between chunks.
 *
 * @module
 */

import { at, XzError } from './errors.js';
import { LzmaDecoder } from './lzma-decoder.js';
import type { OutputBuffer } from './output-buffer.js';

/**
 * Dictionary size coded in the one-byte LZMA2 filter property: values 0..39
 * give 2 or 3 times a power of two from 4 KiB up; 40 means 4 GiB - 1.
 * @returns the size in bytes, or -1 if the byte is invalid
 */
export function lzma2DictSize(prop: number): number {
  if (prop > 40) return -1;
  if (prop === 40) return 0xffffffff;
  return (2 | (prop & 1)) * 2 ** ((prop >>> 1) + 11);
}

/**
 * Decode one LZMA2 stream from `input[start, limit)` into `out`, through its
 * end-of-data control byte.
 * @returns the input offset just past the end-of-data byte
 */
export function decodeLzma2(input: Uint8Array, start: number, limit: number, dictSize: number, lzma: LzmaDecoder, out: OutputBuffer): number {
  lzma.setDictSize(dictSize);
  let p = start;
  let needDictReset = true;
  let needProps = true;
  for (;;) {
    if (p >= limit) throw truncatedAt(input, p, limit, 'LZMA2 control byte');
    const controlAt = p;
    const control = input[p++]!;
    if (control === 0x00) break;
    if (control >= 0xe0 || control === 0x01) {
      needProps = true;
      needDictReset = false;
      lzma.resetDict(out.pos);
    } else if (needDictReset) {
      throw new XzError('corrupt', `first LZMA2 chunk (control 0x${control.toString(16)}) does not reset the dictionary ${at(controlAt)}`);
    }
    // Only a plain continuation chunk may finish a match cut off by the last one.
    if (lzma.pendingLen !== 0 && (control < 0x80 || control >= 0xa0)) {
      throw new XzError('corrupt', `LZMA2 chunk boundary cuts a match ${at(controlAt)}`);
    }
    if (control >= 0x80) {
      const headerLen = control >= 0xc0 ? 5 : 4;
      if (p + headerLen > limit) throw truncatedAt(input, p, limit, 'LZMA2 chunk header');
      const usize = (control & 0x1f) * 65536 + (input[p]! << 8) + input[p + 1]! + 1;
      const csize = (input[p + 2]! << 8) + input[p + 3]! + 1;
      if (control >= 0xc0) {
        lzma.setProperties(input[p + 4]!, p + 4);
        needProps = false;
        lzma.resetState();
      } else if (needProps) {
        throw new XzError('corrupt', `LZMA2 chunk (control 0x${control.toString(16)}) lacks the properties it needs ${at(controlAt)}`);
      } else if (control >= 0xa0) {
        lzma.resetState();
      }
      p += headerLen;
      if (p + csize > limit) throw truncatedAt(input, p, limit, 'LZMA2 compressed chunk');
      out.ensure(usize);
      out.pos = lzma.decodeChunk(input, p, p + csize, out.buf, out.pos, out.pos + usize);
      p += csize;
    } else {
      if (control > 0x02) throw new XzError('corrupt', `invalid LZMA2 control byte 0x${control.toString(16)} ${at(controlAt)}`);
      if (p + 2 > limit) throw truncatedAt(input, p, limit, 'LZMA2 chunk header');
      const size = (input[p]! << 8) + input[p + 1]! + 1;
      p += 2;
      if (p + size > limit) throw truncatedAt(input, p, limit, 'LZMA2 uncompressed chunk');
      out.ensure(size);
      out.buf.set(input.subarray(p, p + size), out.pos);
      out.pos += size;
      p += size;
    }
  }
  if (lzma.pendingLen !== 0) throw new XzError('corrupt', `LZMA2 data ends inside a match ${at(p)}`);
  return p;
}

/** Running out of bytes is truncation at the end of the input, corruption before a declared size. */
function truncatedAt(input: Uint8Array, p: number, limit: number, what: string): XzError {
  if (limit >= input.length) return new XzError('truncated', `input ends inside an ${what} ${at(p)}`);
  return new XzError('corrupt', `${what} runs past the block's Compressed Size ${at(p)}`);
}
