/**
 * One xz Block: its header (sizes and filter chain, CRC32-protected), the
 * LZMA2-coded data, block padding and the integrity check.
 *
 * @module
 */

import { checkSize, verifyCheck } from './check.js';
import { crc32 } from './crc32.js';
import { at, XzError } from './errors.js';
import { bcjX86Decode, deltaDecode } from './filters.js';
import type { LzmaDecoder } from './lzma-decoder.js';
import { decodeLzma2, lzma2DictSize } from './lzma2-decoder.js';
import type { OutputBuffer } from './output-buffer.js';
import { need, readLe32, readVli } from './reader.js';

/** Filter IDs of the xz format. */
export const FilterId = {
  /** Delta filter. */
  Delta: 0x03,
  /** BCJ for x86 (32- and 64-bit) code. */
  X86: 0x04,
  /** BCJ for PowerPC (big-endian). */
  PowerPc: 0x05,
  /** BCJ for IA-64. */
  Ia64: 0x06,
  /** BCJ for ARM. */
  Arm: 0x07,
  /** BCJ for ARM Thumb. */
  ArmThumb: 0x08,
  /** BCJ for SPARC. */
  Sparc: 0x09,
  /** BCJ for ARM64. */
  Arm64: 0x0a,
  /** BCJ for RISC-V. */
  RiscV: 0x0b,
  /** LZMA2 (must be the last filter). */
  Lzma2: 0x21,
} as const;

const UNSUPPORTED_NAMES: Record<number, string> = {
  0x05: 'PowerPC BCJ',
  0x06: 'IA-64 BCJ',
  0x07: 'ARM BCJ',
  0x08: 'ARM-Thumb BCJ',
  0x09: 'SPARC BCJ',
  0x0a: 'ARM64 BCJ',
  0x0b: 'RISC-V BCJ',
};

/** A non-last filter of the chain, ready to apply when decoding. */
interface PreFilter {
  id: number;
  /** x86 start offset or delta distance. */
  param: number;
}

/** What a decoded block contributes to the Index. */
export interface BlockRecord {
  /** Header + compressed data + check, without block padding. */
  unpaddedSize: number;
  /** Bytes of decompressed output. */
  uncompressedSize: number;
}

/** Result of decoding one block. */
export interface DecodedBlock extends BlockRecord {
  /** Input offset just past the block (after its check). */
  next: number;
}

/**
 * Decode the block whose header starts at `p` (its first byte is non-zero,
 * i.e. not the Index indicator) and append its output to `out`.
 */
export function decodeBlock(input: Uint8Array, p: number, checkId: number, lzma: LzmaDecoder, out: OutputBuffer): DecodedBlock {
  const headerSize = (input[p]! + 1) * 4;
  need(input, p, headerSize, 'Block Header');
  const headerEnd = p + headerSize - 4;
  if (crc32(input, p, headerEnd) !== readLe32(input, headerEnd)) {
    throw new XzError('corrupt', `Block Header CRC32 mismatch ${at(p)}`);
  }
  const flags = input[p + 1]!;
  if (flags & 0x3c) throw new XzError('unsupported', `Block Header has reserved flag bits set (0x${flags.toString(16)}) ${at(p + 1)}`);
  const filterCount = (flags & 3) + 1;
  let q = p + 2;
  let compressedSize = -1;
  let uncompressedSize = -1;
  if (flags & 0x40) {
    const v = readVli(input, q, headerEnd, 'Compressed Size');
    if (v.value === 0) throw new XzError('corrupt', `Block Compressed Size is zero ${at(q)}`);
    compressedSize = v.value;
    q = v.next;
  }
  if (flags & 0x80) {
    const v = readVli(input, q, headerEnd, 'Uncompressed Size');
    uncompressedSize = v.value;
    q = v.next;
  }
  const pre: PreFilter[] = [];
  let dictSize = -1;
  for (let f = 0; f < filterCount; f++) {
    const idAt = q;
    const id = readVli(input, q, headerEnd, 'Filter ID');
    const propsSize = readVli(input, id.next, headerEnd, 'Filter Properties size');
    q = propsSize.next;
    if (q + propsSize.value > headerEnd) throw new XzError('corrupt', `Filter Properties run past the Block Header ${at(q)}`);
    const last = f === filterCount - 1;
    if (id.value === FilterId.Lzma2) {
      if (!last) throw new XzError('corrupt', `LZMA2 must be the last filter in the chain ${at(idAt)}`);
      if (propsSize.value !== 1) throw new XzError('corrupt', `LZMA2 filter properties must be 1 byte ${at(q)}`);
      dictSize = lzma2DictSize(input[q]!);
      if (dictSize < 0) throw new XzError('corrupt', `invalid LZMA2 dictionary size byte ${input[q]} ${at(q)}`);
    } else if (last) {
      throw new XzError('unsupported', `the last filter is 0x${id.value.toString(16)}; only LZMA2 is supported there ${at(idAt)}`);
    } else if (id.value === FilterId.X86) {
      let start = 0;
      if (propsSize.value === 4) start = readLe32(input, q);
      else if (propsSize.value !== 0) throw new XzError('corrupt', `x86 BCJ properties must be 0 or 4 bytes ${at(q)}`);
      pre.push({ id: id.value, param: start });
    } else if (id.value === FilterId.Delta) {
      if (propsSize.value !== 1) throw new XzError('corrupt', `Delta filter properties must be 1 byte ${at(q)}`);
      pre.push({ id: id.value, param: input[q]! + 1 });
    } else {
      const name = UNSUPPORTED_NAMES[id.value] ?? `filter 0x${id.value.toString(16)}`;
      throw new XzError('unsupported', `unsupported filter: ${name} ${at(idAt)}`);
    }
    q += propsSize.value;
  }
  for (; q < headerEnd; q++) {
    if (input[q] !== 0) throw new XzError('unsupported', `Block Header padding is not zero (a newer format feature?) ${at(q)}`);
  }

  const dataStart = p + headerSize;
  const outStart = out.pos;
  const limit = compressedSize >= 0 ? Math.min(input.length, dataStart + compressedSize) : input.length;
  if (uncompressedSize >= 0) out.ensure(uncompressedSize);
  const dataEnd = decodeLzma2(input, dataStart, limit, dictSize, lzma, out);
  const produced = out.pos - outStart;
  if (compressedSize >= 0 && dataEnd - dataStart !== compressedSize) {
    throw new XzError('corrupt', `Block data is ${dataEnd - dataStart} bytes but its header says ${compressedSize} ${at(dataStart)}`);
  }
  if (uncompressedSize >= 0 && produced !== uncompressedSize) {
    throw new XzError('corrupt', `Block decompressed to ${produced} bytes but its header says ${uncompressedSize} ${at(p)}`);
  }
  // Filters were applied first-to-last when encoding, so undo them last-to-first.
  for (let f = pre.length - 1; f >= 0; f--) {
    const filter = pre[f]!;
    if (filter.id === FilterId.X86) bcjX86Decode(out.buf, outStart, out.pos, filter.param);
    else deltaDecode(out.buf, outStart, out.pos, filter.param);
  }

  let r = dataEnd;
  while ((r - p) & 3) {
    need(input, r, 1, 'Block Padding');
    if (input[r] !== 0) throw new XzError('corrupt', `Block Padding is not zero ${at(r)}`);
    r++;
  }
  const size = checkSize(checkId);
  need(input, r, size, 'block check');
  verifyCheck(checkId, out.buf, outStart, out.pos, input, r);
  return {
    unpaddedSize: headerSize + (dataEnd - dataStart) + size,
    uncompressedSize: produced,
    next: r + size,
  };
}
