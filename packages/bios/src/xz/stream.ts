/**
 * One xz Stream: Stream Header, Blocks, Index and Stream Footer, each
 * cross-checked against the others.
 *
 * @module
 */

import type { BlockRecord } from './block.js';
import { decodeBlock } from './block.js';
import { crc32 } from './crc32.js';
import { at, XzError } from './errors.js';
import type { LzmaDecoder } from './lzma-decoder.js';
import type { OutputBuffer } from './output-buffer.js';
import { need, readLe32, readVli } from './reader.js';

/** The six magic bytes that open every xz stream. */
export const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] as const;
/** Stream Header and Stream Footer are both 12 bytes. */
export const STREAM_HEADER_SIZE = 12;

/** Does `input` hold the xz magic at `p`? (False if it runs out first.) */
export function hasXzMagic(input: Uint8Array, p: number): boolean {
  for (let i = 0; i < XZ_MAGIC.length; i++) if (input[p + i] !== XZ_MAGIC[i]) return false;
  return true;
}

/** Parse and validate a Stream Header at `p`; returns the Check ID. */
function readStreamHeader(input: Uint8Array, p: number): number {
  for (let i = 0; i < XZ_MAGIC.length; i++) {
    if (p + i >= input.length) throw new XzError('truncated', `input ends inside the Stream Header ${at(p)}`);
    if (input[p + i] !== XZ_MAGIC[i]) throw new XzError('bad-magic', `no xz Stream Header magic ${at(p)}`);
  }
  need(input, p, STREAM_HEADER_SIZE, 'Stream Header');
  if (crc32(input, p + 6, p + 8) !== readLe32(input, p + 8)) throw new XzError('corrupt', `Stream Header CRC32 mismatch ${at(p)}`);
  return streamFlags(input, p + 6);
}

/** Validate the two Stream Flags bytes; returns the Check ID. */
function streamFlags(input: Uint8Array, p: number): number {
  if (input[p] !== 0 || (input[p + 1]! & 0xf0) !== 0) {
    throw new XzError('unsupported', `Stream Flags use reserved bits (0x${input[p]!.toString(16)} 0x${input[p + 1]!.toString(16)}) ${at(p)}`);
  }
  return input[p + 1]!;
}

/**
 * Decode the stream that starts at `p`, appending its output to `out`.
 * @returns the input offset just past its Stream Footer
 */
export function decodeStream(input: Uint8Array, p: number, lzma: LzmaDecoder, out: OutputBuffer): number {
  const checkId = readStreamHeader(input, p);
  let q = p + STREAM_HEADER_SIZE;
  const records: BlockRecord[] = [];
  for (;;) {
    need(input, q, 1, 'Block Header or Index');
    if (input[q] === 0x00) break;
    const block = decodeBlock(input, q, checkId, lzma, out);
    records.push(block);
    q = block.next;
  }
  const indexStart = q;
  const indexEnd = readIndex(input, q, records);
  return readStreamFooter(input, indexEnd, indexEnd - indexStart, input[p + 6]!, input[p + 7]!);
}

/** Validate the Index at `p` against the decoded blocks; returns the offset after it. */
function readIndex(input: Uint8Array, p: number, records: BlockRecord[]): number {
  const end = input.length;
  let q = p + 1;
  const count = readVli(input, q, end, 'Index record count');
  q = count.next;
  if (count.value !== records.length) {
    throw new XzError('corrupt', `Index lists ${count.value} blocks but the stream has ${records.length} ${at(p)}`);
  }
  for (const rec of records) {
    const unpadded = readVli(input, q, end, 'Index Unpadded Size');
    const uncompressed = readVli(input, unpadded.next, end, 'Index Uncompressed Size');
    if (unpadded.value !== rec.unpaddedSize || uncompressed.value !== rec.uncompressedSize) {
      throw new XzError(
        'corrupt',
        `Index record (${unpadded.value}, ${uncompressed.value}) does not match the block (${rec.unpaddedSize}, ${rec.uncompressedSize}) ${at(q)}`,
      );
    }
    q = uncompressed.next;
  }
  while ((q - p) & 3) {
    need(input, q, 1, 'Index Padding');
    if (input[q] !== 0) throw new XzError('corrupt', `Index Padding is not zero ${at(q)}`);
    q++;
  }
  need(input, q, 4, 'Index CRC32');
  if (crc32(input, p, q) !== readLe32(input, q)) throw new XzError('corrupt', `Index CRC32 mismatch ${at(q)}`);
  return q + 4;
}

/** Validate the Stream Footer at `p`; returns the offset after it. */
function readStreamFooter(input: Uint8Array, p: number, indexSize: number, flag0: number, flag1: number): number {
  need(input, p, STREAM_HEADER_SIZE, 'Stream Footer');
  if (input[p + 10] !== 0x59 || input[p + 11] !== 0x5a) throw new XzError('corrupt', `Stream Footer magic "YZ" missing ${at(p + 10)}`);
  if (crc32(input, p + 4, p + 10) !== readLe32(input, p)) throw new XzError('corrupt', `Stream Footer CRC32 mismatch ${at(p)}`);
  const backwardSize = (readLe32(input, p + 4) + 1) * 4;
  if (backwardSize !== indexSize) {
    throw new XzError('corrupt', `Stream Footer Backward Size ${backwardSize} does not match the Index size ${indexSize} ${at(p + 4)}`);
  }
  if (input[p + 8] !== flag0 || input[p + 9] !== flag1) {
    throw new XzError('corrupt', `Stream Footer flags differ from the Stream Header's ${at(p + 8)}`);
  }
  return p + STREAM_HEADER_SIZE;
}
