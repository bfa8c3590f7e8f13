/**
 * The plain description of a read-only region a machine maps.
 *
 * @module
 */

/** One ROM region for the machine to map (read-only, reads return `bytes`). */
export interface RomMapping {
  /** Diagnostic name, e.g. `"bios"`, `"bios.isa"`, `"vgabios"`. */
  readonly name: string;
  /** Guest-physical base address. */
  readonly base: number;
  /** The contents; the region is `bytes.length` long. May be a view into a larger image. */
  readonly bytes: Uint8Array;
}

/** Legacy PC address-space windows firmware lives in. */
export const PcFirmwareWindow = {
  /** First byte of the option-ROM window (VGA BIOS goes here). */
  optionRomBase: 0xc0000,
  /** One past the last byte of the option-ROM window. */
  optionRomEnd: 0xe0000,
  /** First byte of the 128 KiB system BIOS window below 1 MiB. */
  biosBase: 0xe0000,
  /** One past the last byte of the legacy BIOS window (1 MiB). */
  biosEnd: 0x100000,
  /** Where a 64 KiB-only BIOS starts (the F-segment). */
  fSegmentBase: 0xf0000,
} as const;
