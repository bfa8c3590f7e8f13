/**
 * Legacy option ROMs (PCI Firmware Specification 3.0, section 5.1): the
 * 0x55AA header with its size in 512-byte blocks and zero byte sum, and the
 * optional "PCIR" data structure naming the PCI device it drives.
 *
 * @module
 */

import { byteSum, le16, le32 } from '../bytes.js';
import { FirmwareError } from '../errors.js';
import { PcFirmwareWindow } from './rom-mapping.js';
import type { RomMapping } from './rom-mapping.js';

/** A parsed option ROM. */
export interface OptionRom {
  /** Diagnostic name (e.g. the file name). */
  readonly name: string;
  /** The ROM's bytes, exactly its declared size (blocks * 512). */
  readonly bytes: Uint8Array;
  /** PCI vendor ID from the PCIR structure, or -1 when it has none (an ISA ROM). */
  readonly pciVendorId: number;
  /** PCI device ID from the PCIR structure, or -1. */
  readonly pciDeviceId: number;
  /** PCI class code (24 bits) from the PCIR structure, or -1. */
  readonly pciClassCode: number;
  /**
   * The fw_cfg file name a QEMU-configured SeaBIOS loads a VGA ROM from
   * (`vgaroms/<name>`); other option ROMs go under `genroms/`.
   */
  readonly fwCfgName: string;
}

/** PCI class code of a VGA-compatible display controller. */
const VGA_CLASS = 0x030000;

/**
 * Parse and check an option ROM image (e.g. Debian seabios's
 * `vgabios-stdvga.bin`).
 * @throws FirmwareError for a missing signature, a size beyond the image or
 * the option-ROM window, or a bad checksum
 */
export function parseOptionRom(image: Uint8Array, name: string): OptionRom {
  if (image.length < 512 || image[0] !== 0x55 || image[1] !== 0xaa) {
    throw new FirmwareError('bad-image', `${name}: not an option ROM (no 0x55 0xAA signature)`);
  }
  const size = (image[2] ?? 0) * 512;
  if (size === 0 || size > image.length) {
    throw new FirmwareError(
      'bad-image',
      `${name}: option ROM declares ${size} bytes but the image has ${image.length}`,
    );
  }
  if (size > PcFirmwareWindow.optionRomEnd - PcFirmwareWindow.optionRomBase) {
    throw new FirmwareError('bad-image', `${name}: option ROM of ${size} bytes does not fit the 128 KiB window`);
  }
  const bytes = image.subarray(0, size);
  const sum = byteSum(bytes);
  if (sum !== 0) {
    throw new FirmwareError('bad-image', `${name}: option ROM checksum is 0x${sum.toString(16)}, expected 0`);
  }
  let vendor = -1;
  let device = -1;
  let cls = -1;
  const pcir = le16(bytes, 0x18);
  if (pcir !== 0 && pcir + 0x10 <= size && le32(bytes, pcir) === 0x52494350 /* "PCIR" */) {
    vendor = le16(bytes, pcir + 4);
    device = le16(bytes, pcir + 6);
    cls = (bytes[pcir + 0x0d]! | (bytes[pcir + 0x0e]! << 8) | (bytes[pcir + 0x0f]! << 16)) >>> 0;
  }
  const base = name.replace(/^.*[\\/]/, '');
  const isVga = cls === VGA_CLASS || /vga/i.test(base);
  return {
    name,
    bytes,
    pciVendorId: vendor,
    pciDeviceId: device,
    pciClassCode: cls,
    fwCfgName: `${isVga ? 'vgaroms' : 'genroms'}/${base}`,
  };
}

/**
 * Place option ROMs in the 0xC0000..0xDFFFF window, in order, each on a
 * 2 KiB boundary (the scan granularity of a PC BIOS). The VGA BIOS must come
 * first so it lands at 0xC0000, where the video BIOS lives on every PC.
 * @throws FirmwareError when they do not all fit
 */
export function optionRomMappings(roms: readonly OptionRom[]): RomMapping[] {
  const out: RomMapping[] = [];
  let at = PcFirmwareWindow.optionRomBase;
  for (const rom of roms) {
    if (at + rom.bytes.length > PcFirmwareWindow.optionRomEnd) {
      throw new FirmwareError(
        'no-room',
        `${rom.name}: option ROMs overflow the 0xC0000-0xDFFFF window at 0x${at.toString(16)}`,
      );
    }
    out.push({ name: rom.name, base: at, bytes: rom.bytes });
    at += Math.ceil(rom.bytes.length / 2048) * 2048;
  }
  return out;
}
