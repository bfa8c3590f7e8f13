/**
 * Little-endian byte helpers and the 8-bit checksum that BIOS tables
 * (MP, ACPI, option ROMs) share.
 *
 * @module
 */

import { DmaStatus } from '@vm/bus';
import type { DmaSpace } from '@vm/bus';
import { FirmwareError } from './errors.js';

/** Read an unsigned 16-bit little-endian value (0 past the end). */
export function le16(b: Uint8Array, off: number): number {
  return (b[off] ?? 0) | ((b[off + 1] ?? 0) << 8);
}

/** Read an unsigned 32-bit little-endian value (0 past the end). */
export function le32(b: Uint8Array, off: number): number {
  return (le16(b, off) | (le16(b, off + 2) << 16)) >>> 0;
}

/** Write an 8-bit value. */
export function put8(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
}

/** Write a 16-bit little-endian value. */
export function put16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

/** Write a 32-bit little-endian value. */
export function put32(b: Uint8Array, off: number, v: number): void {
  put16(b, off, v & 0xffff);
  put16(b, off + 2, (v >>> 16) & 0xffff);
}

/** Write a 64-bit little-endian value given as a JS number (exact below 2^53). */
export function put64(b: Uint8Array, off: number, v: number): void {
  put32(b, off, v % 0x1_0000_0000);
  put32(b, off + 4, Math.floor(v / 0x1_0000_0000));
}

/** Write ASCII text, padded with `pad` (a space or NUL) to exactly `len` bytes. */
export function putAscii(b: Uint8Array, off: number, text: string, len: number, pad = 0x20): void {
  for (let i = 0; i < len; i++) b[off + i] = i < text.length ? text.charCodeAt(i) & 0x7f : pad;
}

/** Read a NUL- or length-terminated ASCII string. */
export function getAscii(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const c = b[off + i] ?? 0;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** The byte sum of `b[start .. start+length)` modulo 256. */
export function byteSum(b: Uint8Array, start = 0, length = b.length - start): number {
  let sum = 0;
  for (let i = start; i < start + length; i++) sum = (sum + (b[i] ?? 0)) & 0xff;
  return sum;
}

/**
 * Set `b[at]` so that the bytes `start .. start+length` sum to zero modulo
 * 256 (the checksum rule of MP, ACPI and option-ROM headers).
 */
export function fixChecksum(b: Uint8Array, at: number, start: number, length: number): void {
  b[at] = 0;
  b[at] = (0x100 - byteSum(b, start, length)) & 0xff;
}

/** Round `v` up to a multiple of `align` (a power of two). */
export function alignUp(v: number, align: number): number {
  return Math.ceil(v / align) * align;
}

/** Round `v` down to a multiple of `align`. */
export function alignDown(v: number, align: number): number {
  return Math.floor(v / align) * align;
}

/**
 * Copy `src` into guest memory at `addr`, turning a transfer that leaves RAM
 * into a {@link FirmwareError} naming `what`.
 */
export function writeGuest(mem: DmaSpace, addr: number, src: Uint8Array, what: string): void {
  if (src.length === 0) return;
  if (mem.write(addr, src) !== DmaStatus.Ok) {
    throw new FirmwareError(
      'no-room',
      `${what} (${src.length} bytes at 0x${hex(addr)}) does not fit in guest RAM`,
    );
  }
}

/** Hexadecimal without prefix, for messages. */
export function hex(v: number): string {
  return v.toString(16);
}
