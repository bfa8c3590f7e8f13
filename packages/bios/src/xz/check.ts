/**
 * The integrity check stored after each block: its size by Check ID and its
 * verification.
 *
 * @module
 */

import { crc32 } from './crc32.js';
import { crc64 } from './crc64.js';
import { at, XzError } from './errors.js';
import { readLe32 } from './reader.js';
import { sha256 } from './sha256.js';

/** Check IDs the xz format defines (stream flags, low nibble). */
export const CheckType = {
  /** No check. */
  None: 0x0,
  /** CRC-32, 4 bytes little-endian. */
  Crc32: 0x1,
  /** CRC-64/ECMA-182, 8 bytes little-endian. */
  Crc64: 0x4,
  /** SHA-256, 32 bytes. */
  Sha256: 0xa,
} as const;

/** Size in bytes of the check for any of the 16 Check IDs (reserved IDs have fixed sizes too). */
export function checkSize(id: number): number {
  if (id === 0) return 0;
  return 4 << (((id - 1) / 3) | 0);
}

/**
 * Verify the check of `data[start, end)` stored at `input[p, p + checkSize)`.
 * Reserved Check IDs (no algorithm defined) are skipped: their size is known,
 * so the rest of the stream still parses.
 */
export function verifyCheck(id: number, data: Uint8Array, start: number, end: number, input: Uint8Array, p: number): void {
  let ok = true;
  let name = '';
  if (id === CheckType.Crc32) {
    name = 'CRC32';
    ok = crc32(data, start, end) === readLe32(input, p);
  } else if (id === CheckType.Crc64) {
    name = 'CRC64';
    const [lo, hi] = crc64(data, start, end);
    ok = lo === readLe32(input, p) && hi === readLe32(input, p + 4);
  } else if (id === CheckType.Sha256) {
    name = 'SHA-256';
    const digest = sha256(data, start, end);
    for (let i = 0; i < 32; i++) if (digest[i] !== input[p + i]) ok = false;
  }
  if (!ok) throw new XzError('corrupt', `${name} of the decompressed block does not match its check ${at(p)}`);
}
