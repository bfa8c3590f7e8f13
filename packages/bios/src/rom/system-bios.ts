/**
 * Where a PC's system firmware (SeaBIOS `bios.bin`) appears: the whole image
 * just below 4 GiB, where the reset vector 0xFFFFFFF0 lands in its last 16
 * bytes, and its last 128 KiB again at 0xE0000..0xFFFFF, where real-mode code
 * runs it (the i440FX decodes both; PAM shadowing later lays RAM over the
 * low copy).
 *
 * @module
 */

import { FirmwareError } from '../errors.js';
import { PcFirmwareWindow } from './rom-mapping.js';
import type { RomMapping } from './rom-mapping.js';

const KIB64 = 0x10000;
/** Largest firmware image accepted: the 16 MiB below 4 GiB that PC chipsets decode to the flash. */
export const MAX_SYSTEM_BIOS_SIZE = 16 * 1024 * 1024;
/** Size of the legacy alias below 1 MiB. */
export const LEGACY_BIOS_ALIAS_SIZE = PcFirmwareWindow.biosEnd - PcFirmwareWindow.biosBase;

/**
 * Check a system firmware image: non-empty, a multiple of 64 KiB, at most
 * 16 MiB, and with something at the reset vector (a far jump, 0xEA, as every
 * PC BIOS has at 0xFFFF0).
 * @throws FirmwareError naming the problem
 */
export function validateSystemBios(image: Uint8Array, name = 'bios'): void {
  const size = image.length;
  if (size === 0) throw new FirmwareError('bad-image', `${name}: firmware image is empty`);
  if (size % KIB64 !== 0) {
    throw new FirmwareError(
      'bad-image',
      `${name}: firmware image is ${size} bytes, not a multiple of 64 KiB (65536); is this a BIOS image?`,
    );
  }
  if (size > MAX_SYSTEM_BIOS_SIZE) {
    throw new FirmwareError('bad-image', `${name}: firmware image is ${size} bytes, larger than 16 MiB`);
  }
  const resetVector = image[size - 16];
  if (resetVector !== 0xea && resetVector !== 0xe9 && resetVector !== 0xeb) {
    throw new FirmwareError(
      'bad-image',
      `${name}: no jump at the reset vector (byte ${size - 16} is 0x${(resetVector ?? 0).toString(16)}, expected 0xea)`,
    );
  }
}

/**
 * The ROM mappings for a system firmware image: the image ending at 4 GiB,
 * and its last 128 KiB (or all of it, if smaller) ending at 1 MiB.
 *
 * @example
 * ```ts
 * const maps = systemBiosMappings(readFileSync('bios.bin'));
 * // [{ name: 'bios', base: 0xfffe0000, ... }, { name: 'bios.isa', base: 0xe0000, ... }]
 * ```
 * @throws FirmwareError for an image that fails {@link validateSystemBios}
 */
export function systemBiosMappings(image: Uint8Array, name = 'bios'): RomMapping[] {
  validateSystemBios(image, name);
  const size = image.length;
  const aliasSize = Math.min(size, LEGACY_BIOS_ALIAS_SIZE);
  return [
    { name, base: 0x1_0000_0000 - size, bytes: image },
    { name: `${name}.isa`, base: PcFirmwareWindow.biosEnd - aliasSize, bytes: image.subarray(size - aliasSize) },
  ];
}
