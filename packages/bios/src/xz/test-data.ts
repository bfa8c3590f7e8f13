/**
 * Deterministic test inputs for the xz decoder's tests: pseudo-random,
 * text-like and x86-code-like bytes, and a builder for hand-made xz streams
 * (stored LZMA2 chunks) to exercise container edge cases exactly.
 * Not part of the public API.
 *
 * @module
 */

import { crc32 } from './crc32.js';

/** xorshift32 generator: the same bytes for the same seed on every run. */
class Xorshift32 {
  private s: number;
  constructor(seed: number) {
    this.s = seed | 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x;
    return x >>> 0;
  }
}

/** `n` incompressible bytes. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const r = new Xorshift32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = r.next() >>> 24;
  return out;
}

const WORDS = 'the a kernel page table of interrupt vector device driver memory mapped register boot loader'.split(' ');

/** `n` bytes of word soup: compressible, with long and short repeats. */
export function textLike(n: number, seed: number): Uint8Array {
  const r = new Xorshift32(seed);
  const out = new Uint8Array(n);
  let p = 0;
  while (p < n) {
    const w = WORDS[r.next() % WORDS.length]!;
    for (let i = 0; i < w.length && p < n; i++) out[p++] = w.charCodeAt(i);
    if (p < n) out[p++] = r.next() % 11 === 0 ? 0x0a : 0x20;
  }
  return out;
}

/** `n` bytes resembling x86 code: CALL/JMP rel32 to a few targets among filler opcodes. */
export function x86Like(n: number, seed: number): Uint8Array {
  const r = new Xorshift32(seed);
  const out = new Uint8Array(n);
  const targets = [0x1000, 0x2340, 0x8000, 0x10000, 0x123456];
  const filler = [0x55, 0x89, 0xe5, 0x83, 0xec, 0x8b, 0x45, 0x08, 0x5d, 0xc3, 0x90, 0x31, 0xc0];
  let p = 0;
  while (p < n) {
    const k = r.next() % 8;
    if (k < 2 && p + 5 <= n) {
      const rel = (targets[r.next() % targets.length]! - (p + 5)) | 0;
      out[p] = k === 0 ? 0xe8 : 0xe9;
      out[p + 1] = rel;
      out[p + 2] = rel >>> 8;
      out[p + 3] = rel >>> 16;
      out[p + 4] = rel >>> 24;
      p += 5;
    } else {
      out[p++] = filler[r.next() % filler.length]!;
    }
  }
  return out;
}

/** LZMA2 data that stores `data` in uncompressed chunks (first one resets the dictionary), then the end byte. */
export function storedLzma2(data: Uint8Array): Uint8Array {
  const parts: number[] = [];
  for (let p = 0, first = true; p < data.length; first = false) {
    const n = Math.min(65536, data.length - p);
    parts.push(first ? 0x01 : 0x02, (n - 1) >>> 8, (n - 1) & 0xff);
    for (let i = 0; i < n; i++) parts.push(data[p + i]!);
    p += n;
  }
  parts.push(0x00);
  return Uint8Array.from(parts);
}

function vli(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** One block of a hand-built stream. */
export interface BuiltBlock {
  /** Raw LZMA2 data (ending with the 0x00 end byte). */
  lzma2: Uint8Array;
  /** What it decodes to (for the CRC32 check and the Index). */
  uncompressed: Uint8Array;
  /** Filter flags before LZMA2, e.g. `[0x04, 0x00]` for x86 BCJ. */
  preFilters?: number[];
  /** LZMA2 dictionary-size property byte (default 0x10). */
  dictProp?: number;
  /** Record both sizes in the Block Header. */
  withSizes?: boolean;
}

/** Build a complete xz stream with CRC32 (or no) checks around hand-made blocks. */
export function buildXz(blocks: BuiltBlock[], check: 0 | 1 = 1): Uint8Array {
  const bytes: number[] = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, check];
  bytes.push(...le32(crc32(Uint8Array.from([0, check]))));
  const index: number[] = [0x00, ...vli(blocks.length)];
  for (const b of blocks) {
    const pre = b.preFilters ?? [];
    const filterCount = pre.length > 0 ? 2 : 1;
    const h: number[] = [0, (filterCount - 1) | (b.withSizes ? 0xc0 : 0)];
    if (b.withSizes) h.push(...vli(b.lzma2.length), ...vli(b.uncompressed.length));
    h.push(...pre, 0x21, 0x01, b.dictProp ?? 0x10);
    while ((h.length + 4) % 4) h.push(0);
    h[0] = (h.length + 4) / 4 - 1;
    h.push(...le32(crc32(Uint8Array.from(h))));
    const start = bytes.length;
    bytes.push(...h);
    for (const v of b.lzma2) bytes.push(v);
    while ((bytes.length - start) % 4) bytes.push(0);
    if (check === 1) bytes.push(...le32(crc32(b.uncompressed)));
    index.push(...vli(h.length + b.lzma2.length + (check === 1 ? 4 : 0)), ...vli(b.uncompressed.length));
  }
  while (index.length % 4) index.push(0);
  index.push(...le32(crc32(Uint8Array.from(index))));
  bytes.push(...index);
  const footerFields = [...le32(index.length / 4 - 1), 0x00, check];
  bytes.push(...le32(crc32(Uint8Array.from(footerFields))), ...footerFields, 0x59, 0x5a);
  return Uint8Array.from(bytes);
}
