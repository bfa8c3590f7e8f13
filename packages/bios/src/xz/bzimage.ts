/**
 * Locating the compressed kernel inside a Linux bzImage (Documentation/x86/boot.rst:
 * `payload_offset` and `payload_length`, boot protocol 2.08+).
 *
 * @module
 */

import { hasXzMagic } from './stream.js';

/** Where an xz-compressed payload lies inside a bzImage file. */
export interface XzPayloadLocation {
  /** File offset of the first byte of the xz stream. */
  offset: number;
  /** `payload_length`: bytes of payload (Linux appends the 4-byte decompressed size after the stream). */
  length: number;
}

function le16(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}

function le32(b: Uint8Array, p: number): number {
  return (le16(b, p) | (le16(b, p + 2) << 16)) >>> 0;
}

/**
 * Find the xz payload of a bzImage: the protected-mode code starts after
 * `setup_sects + 1` sectors (0 setup sectors means 4), and the payload
 * `payload_offset` bytes into it.
 * @returns the payload location, or null if this is not a bzImage with
 *   boot protocol 2.08 or later, the fields point outside the file, or the
 *   payload is not xz (gzip, zstd, ... kernels)
 */
export function findXzPayload(bzImage: Uint8Array): XzPayloadLocation | null {
  if (bzImage.length < 0x250) return null;
  if (le16(bzImage, 0x1fe) !== 0xaa55 || le32(bzImage, 0x202) !== 0x53726448) return null;
  if (le16(bzImage, 0x206) < 0x0208) return null;
  const setupSects = bzImage[0x1f1] || 4;
  const offset = (setupSects + 1) * 512 + le32(bzImage, 0x248);
  const length = le32(bzImage, 0x24c);
  if (length < 6 || offset + length > bzImage.length) return null;
  if (!hasXzMagic(bzImage, offset)) return null;
  return { offset, length };
}
