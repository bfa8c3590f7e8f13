/**
 * A clean-room xz decompressor (the .xz container, LZMA2, LZMA, and the x86
 * BCJ and delta filters) for unpacking Linux bzImage payloads on the host.
 * Pure TypeScript, no Node APIs: runs in browsers too.
 *
 * ```ts
 * const where = findXzPayload(bzImage);
 * if (where) {
 *   const payload = bzImage.subarray(where.offset, where.offset + where.length);
 *   const vmlinux = decompressXz(payload, { singleStream: true }); // an ELF image
 * }
 * ```
 *
 * @module
 */

export { decompressXz, DEFAULT_MAX_OUTPUT } from './decompress.js';
export type { DecompressXzOptions } from './decompress.js';
export { findXzPayload } from './bzimage.js';
export type { XzPayloadLocation } from './bzimage.js';
export { XzError } from './errors.js';
export type { XzErrorKind } from './errors.js';
export { crc32 } from './crc32.js';
export { crc64 } from './crc64.js';
export { sha256 } from './sha256.js';
