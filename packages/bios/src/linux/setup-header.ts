/**
 * The bzImage real-mode setup header (Linux Documentation/x86/boot.rst,
 * "The Real-Mode Kernel Header"). Offsets are from the start of the file.
 *
 * @module
 */

import { le16, le32 } from '../bytes.js';
import { FirmwareError } from '../errors.js';

/** Header field offsets within a bzImage file (and within boot_params). */
export const SetupHeaderOffset = {
  /** setup_sects (u8): 512-byte setup sectors after the boot sector. */
  setupSects: 0x1f1,
  /** root_flags (u16). */
  rootFlags: 0x1f2,
  /** syssize (u32): protected-mode size in 16-byte paragraphs. */
  syssize: 0x1f4,
  /** vid_mode (u16). */
  vidMode: 0x1fa,
  /** boot_flag (u16): 0xAA55. */
  bootFlag: 0x1fe,
  /** jump (u16): a short jump over the header. */
  jump: 0x200,
  /** header (u32): "HdrS". */
  header: 0x202,
  /** version (u16): boot protocol version. */
  version: 0x206,
  /** type_of_loader (u8). */
  typeOfLoader: 0x210,
  /** loadflags (u8). */
  loadflags: 0x211,
  /** code32_start (u32): 32-bit entry point. */
  code32Start: 0x214,
  /** ramdisk_image (u32). */
  ramdiskImage: 0x218,
  /** ramdisk_size (u32). */
  ramdiskSize: 0x21c,
  /** heap_end_ptr (u16). */
  heapEndPtr: 0x224,
  /** cmd_line_ptr (u32). */
  cmdLinePtr: 0x228,
  /** initrd_addr_max (u32). */
  initrdAddrMax: 0x22c,
  /** kernel_alignment (u32). */
  kernelAlignment: 0x230,
  /** relocatable_kernel (u8). */
  relocatableKernel: 0x234,
  /** min_alignment (u8). */
  minAlignment: 0x235,
  /** xloadflags (u16). */
  xloadflags: 0x236,
  /** cmdline_size (u32). */
  cmdlineSize: 0x238,
  /** pref_address (u64). */
  prefAddress: 0x258,
  /** init_size (u32). */
  initSize: 0x260,
} as const;

/** `loadflags` bits. */
export const LoadFlags = {
  /** The protected-mode code is loaded at 0x100000 (a bzImage). */
  LoadedHigh: 0x01,
  /** Suppress early messages. */
  QuietFlag: 0x20,
  /** Do not reload segment registers in the 32-bit entry point (obsolete). */
  KeepSegments: 0x40,
  /** `heap_end_ptr` is valid. */
  CanUseHeap: 0x80,
} as const;

/** "HdrS" as a little-endian 32-bit value. */
export const HDRS_MAGIC = 0x53726448;
/** Oldest boot protocol this loader accepts (initrd_addr_max, 32-bit cmd_line_ptr). */
export const MIN_BOOT_PROTOCOL = 0x0203;

/** The fields of a parsed setup header a loader uses. */
export interface LinuxSetupHeader {
  /** Boot protocol version, e.g. 0x020f for 2.15. */
  readonly version: number;
  /** Number of 512-byte setup sectors after the boot sector (0 in the file means 4). */
  readonly setupSects: number;
  /** File offset of the protected-mode kernel: (setupSects + 1) * 512. */
  readonly protectedModeOffset: number;
  /** Size of the protected-mode kernel in bytes (rest of the file). */
  readonly protectedModeSize: number;
  /** `loadflags`. */
  readonly loadflags: number;
  /** 32-bit entry point as the file says (the default load address, 0x100000). */
  readonly code32Start: number;
  /** Highest address the initrd may occupy (inclusive). */
  readonly initrdAddrMax: number;
  /** Maximum command line length, excluding the NUL (255 before protocol 2.06). */
  readonly cmdlineSize: number;
  /** Alignment a relocatable kernel needs (protocol 2.05+), else 0. */
  readonly kernelAlignment: number;
  /** Whether the kernel may be loaded at any aligned address (protocol 2.05+). */
  readonly relocatable: boolean;
  /** `xloadflags` (protocol 2.12+), else 0. */
  readonly xloadflags: number;
  /** Preferred load address, low 32 bits (protocol 2.10+), else 0x100000. */
  readonly prefAddress: number;
  /** Bytes of memory the kernel needs from its load address while it sets up (2.10+), else 0. */
  readonly initSize: number;
  /** Offset one past the last setup-header byte (0x202 + the jump's displacement byte). */
  readonly headerEnd: number;
  /** Kernel version string from `kernel_version`, if present. */
  readonly kernelVersion: string;
}

/**
 * Parse and check a bzImage setup header.
 * @throws FirmwareError if the file is not a bzImage (no "HdrS", no 0xAA55
 * boot flag, truncated), is a zImage, or uses a boot protocol older than 2.03
 */
export function parseSetupHeader(image: Uint8Array): LinuxSetupHeader {
  const O = SetupHeaderOffset;
  if (image.length < 0x264) {
    throw new FirmwareError('bad-image', `not a Linux bzImage: only ${image.length} bytes (a setup header needs 0x264)`);
  }
  if (le32(image, O.header) !== HDRS_MAGIC) {
    throw new FirmwareError('bad-image', 'not a Linux bzImage: no "HdrS" magic at offset 0x202');
  }
  if (le16(image, O.bootFlag) !== 0xaa55) {
    throw new FirmwareError('bad-image', 'not a Linux bzImage: no 0xAA55 boot flag at offset 0x1fe');
  }
  const version = le16(image, O.version);
  if (version < MIN_BOOT_PROTOCOL) {
    throw new FirmwareError(
      'unsupported',
      `Linux boot protocol ${version >> 8}.${(version & 0xff).toString().padStart(2, '0')} is too old (need 2.03 or later)`,
    );
  }
  const loadflags = image[O.loadflags]!;
  if ((loadflags & LoadFlags.LoadedHigh) === 0) {
    throw new FirmwareError('unsupported', 'zImage kernels (loaded at 0x10000) are not supported; build a bzImage');
  }
  const rawSects = image[O.setupSects]!;
  const setupSects = rawSects === 0 ? 4 : rawSects;
  const pmOffset = (setupSects + 1) * 512;
  if (pmOffset >= image.length) {
    throw new FirmwareError(
      'bad-image',
      `truncated bzImage: ${setupSects} setup sectors end at ${pmOffset} but the file has ${image.length} bytes`,
    );
  }
  const atLeast = (v: number): boolean => version >= v;
  const headerEnd = 0x202 + image[O.jump + 1]!;
  const kvOff = le16(image, 0x20e);
  let kernelVersion = '';
  if (kvOff !== 0 && kvOff + 0x200 < pmOffset) {
    for (let i = kvOff + 0x200; i < pmOffset && image[i] !== 0 && kernelVersion.length < 256; i++) {
      kernelVersion += String.fromCharCode(image[i]!);
    }
  }
  return {
    version,
    setupSects,
    protectedModeOffset: pmOffset,
    protectedModeSize: image.length - pmOffset,
    loadflags,
    code32Start: le32(image, O.code32Start),
    initrdAddrMax: atLeast(0x0203) ? le32(image, O.initrdAddrMax) : 0x37ffffff,
    cmdlineSize: atLeast(0x0206) ? le32(image, O.cmdlineSize) : 255,
    kernelAlignment: atLeast(0x0205) ? le32(image, O.kernelAlignment) : 0,
    relocatable: atLeast(0x0205) && image[O.relocatableKernel] !== 0,
    xloadflags: atLeast(0x020c) ? le16(image, O.xloadflags) : 0,
    prefAddress: atLeast(0x020a) ? le32(image, O.prefAddress) : 0x100000,
    initSize: atLeast(0x020a) ? le32(image, O.initSize) : 0,
    headerEnd: Math.min(headerEnd, pmOffset),
    kernelVersion,
  };
}
