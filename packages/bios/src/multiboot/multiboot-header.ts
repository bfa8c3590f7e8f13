/**
 * The Multiboot (version 0.6.96) header a kernel carries in its first
 * 8 KiB: magic 0x1BADB002, flags, checksum, and with flag 16 the a.out
 * "kludge" addresses that say where to load a non-ELF image.
 *
 * @module
 */

import { le32 } from '../bytes.js';
import { FirmwareError } from '../errors.js';

/** The header magic. */
export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
/** What the loader puts in EAX. */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** How far into the file the header may start. */
export const MULTIBOOT_SEARCH = 8192;

/** Header flag bits (spec section 3.1.2). */
export const MultibootHeaderFlags = {
  /** Align modules on 4 KiB boundaries. */
  PageAlign: 1 << 0,
  /** Provide mem_lower/mem_upper (and the memory map). */
  MemoryInfo: 1 << 1,
  /** Provide video mode information. */
  VideoMode: 1 << 2,
  /** The address fields (a.out kludge) are valid. */
  AoutKludge: 1 << 16,
} as const;

/** A parsed Multiboot header. */
export interface MultibootHeader {
  /** File offset of the header. */
  readonly offset: number;
  /** The flags word. */
  readonly flags: number;
  /** With the a.out kludge: the addresses; otherwise null. */
  readonly addresses: MultibootAddresses | null;
}

/** The a.out kludge fields of a Multiboot header (flag 16). */
export interface MultibootAddresses {
  /** Where the header itself is loaded. */
  readonly headerAddr: number;
  /** Where the text segment starts (file offset header - (headerAddr - loadAddr)). */
  readonly loadAddr: number;
  /** End of the data to load (0: the rest of the file). */
  readonly loadEndAddr: number;
  /** End of the bss to zero (0: none). */
  readonly bssEndAddr: number;
  /** Entry point. */
  readonly entryAddr: number;
}

/** Requirement bits (0-15) this loader understands. */
const KNOWN_REQUIRED = MultibootHeaderFlags.PageAlign | MultibootHeaderFlags.MemoryInfo | MultibootHeaderFlags.VideoMode;

/**
 * Find and check the Multiboot header.
 * @returns the header, or null if the first 8 KiB hold none
 * @throws FirmwareError for a header with a bad checksum, unknown required
 * flags or truncated address fields
 */
export function findMultibootHeader(image: Uint8Array): MultibootHeader | null {
  const end = Math.min(image.length, MULTIBOOT_SEARCH) - 12;
  for (let off = 0; off <= end; off += 4) {
    if (le32(image, off) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = le32(image, off + 4);
    const sum = (MULTIBOOT_HEADER_MAGIC + flags + le32(image, off + 8)) >>> 0;
    if (sum !== 0) {
      throw new FirmwareError('bad-image', `Multiboot header at 0x${off.toString(16)} has a bad checksum (sum 0x${sum.toString(16)})`);
    }
    const unknown = flags & 0xffff & ~KNOWN_REQUIRED;
    if (unknown) {
      throw new FirmwareError('unsupported', `Multiboot header requires features this loader lacks (flags 0x${unknown.toString(16)})`);
    }
    let addresses: MultibootHeader['addresses'] = null;
    if (flags & MultibootHeaderFlags.AoutKludge) {
      if (off + 32 > image.length) throw new FirmwareError('bad-image', 'Multiboot header address fields are truncated');
      addresses = {
        headerAddr: le32(image, off + 12),
        loadAddr: le32(image, off + 16),
        loadEndAddr: le32(image, off + 20),
        bssEndAddr: le32(image, off + 24),
        entryAddr: le32(image, off + 28),
      };
    }
    return { offset: off, flags, addresses };
  }
  return null;
}
