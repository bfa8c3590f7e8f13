/**
 * A bootable hard-disk image for a Linux bzImage and initrd: our own
 * master boot record (a BIOS-level loader, see `mbr-loader.ts`) followed
 * by the command line, the kernel and the initrd. Any PC BIOS that boots
 * the disk (SeaBIOS through its SCSI or ATA drivers) runs the loader, which
 * reads everything through INT 13h and starts the kernel by the 16-bit
 * Linux boot protocol (Documentation/x86/boot.rst, "Loading the rest of the
 * kernel" and "Running the kernel").
 *
 * The loader needs no filesystem: the header fields a boot loader fills in
 * (type_of_loader, heap_end_ptr, cmd_line_ptr, ramdisk_image/size) are
 * patched into the kernel's setup sectors when the image is built.
 *
 * @module
 */

import { FirmwareError } from '../errors.js';
import { LoadFlags, parseSetupHeader, SetupHeaderOffset } from '../linux/setup-header.js';
import { MBR_LOADER, MBR_LOADER_TABLE, MBR_LOADER_TABLE_ENTRIES } from './mbr-loader.js';

/** Sector size of the image. */
const SECTOR = 512;
/** Where the loader puts the real-mode setup code (segment 0x9000). */
const SETUP_BASE = 0x90000;
/** Offset of the command line in the setup segment; the heap ends 512 bytes below it. */
const CMDLINE_OFFSET = 0xe000;
/** The protected-mode kernel's load address (code32_start of a bzImage). */
const KERNEL_BASE = 0x100000;
/** Partition type of the payload: "non-FS data", so nothing tries to mount it. */
const PAYLOAD_PARTITION_TYPE = 0xda;

/** What {@link buildLinuxBootDisk} puts on the disk. */
export interface LinuxBootDiskOptions {
  /** The bzImage. */
  readonly kernel: Uint8Array;
  /** The initrd (optional). */
  readonly initrd?: Uint8Array;
  /** Kernel command line (ASCII). */
  readonly cmdline: string;
  /**
   * Guest-physical address the initrd is loaded at (default 0x4000000,
   * 64 MiB: above the decompressed kernel, inside a 96 MiB or larger guest).
   */
  readonly initrdAddress?: number;
  /** Total size of the image in bytes, a multiple of 512 (default: just large enough). */
  readonly size?: number;
}

/** The built image and where things are in it. */
export interface LinuxBootDisk {
  /** The raw disk image. */
  readonly image: Uint8Array;
  /** First sector of the kernel. */
  readonly kernelLba: number;
  /** First sector of the initrd (0 if none). */
  readonly initrdLba: number;
  /** Guest RAM the boot needs, in bytes (the initrd's end). */
  readonly minimumRam: number;
}

const sectorsFor = (bytes: number): number => Math.ceil(bytes / SECTOR);

/**
 * Build a raw disk image that boots `kernel` with `initrd` and `cmdline`
 * from a PC BIOS.
 * @throws FirmwareError for a kernel that is not a bzImage, a command line
 * the kernel cannot take, an initrd beyond the kernel's `initrd_addr_max`,
 * or a `size` too small for the contents
 */
export function buildLinuxBootDisk(options: LinuxBootDiskOptions): LinuxBootDisk {
  const { kernel, cmdline } = options;
  const initrd = options.initrd ?? new Uint8Array(0);
  const header = parseSetupHeader(kernel);
  if (!/^[\x20-\x7e]*$/.test(cmdline)) throw new FirmwareError('bad-option', 'kernel command line must be printable ASCII');
  if (cmdline.length > header.cmdlineSize || cmdline.length > SECTOR * 4 - 1) {
    throw new FirmwareError('bad-option', `kernel command line of ${cmdline.length} bytes is longer than the kernel accepts (${header.cmdlineSize})`);
  }
  if (header.code32Start !== KERNEL_BASE) {
    throw new FirmwareError('unsupported', `kernel wants its 32-bit part at 0x${header.code32Start.toString(16)}, the loader puts it at 0x100000`);
  }
  const initrdAddress = options.initrdAddress ?? 0x4000000;
  if (!Number.isInteger(initrdAddress) || initrdAddress % 4096 !== 0 || initrdAddress < KERNEL_BASE) {
    throw new FirmwareError('bad-option', `initrd address 0x${initrdAddress.toString(16)} must be page-aligned and above 1 MiB`);
  }
  const kernelEnd = KERNEL_BASE + Math.max(header.protectedModeSize, header.initSize);
  if (initrd.length > 0 && initrdAddress < kernelEnd) {
    throw new FirmwareError('no-room', `initrd at 0x${initrdAddress.toString(16)} overlaps the kernel, which needs up to 0x${kernelEnd.toString(16)}`);
  }
  if (initrd.length > 0 && initrdAddress + initrd.length - 1 > header.initrdAddrMax) {
    throw new FirmwareError('no-room', `initrd ends above the kernel's initrd_addr_max 0x${header.initrdAddrMax.toString(16)}`);
  }

  // Layout: MBR, command line, kernel, initrd.
  const cmdlineLba = 1;
  const cmdlineSectors = sectorsFor(cmdline.length + 1);
  const kernelLba = cmdlineLba + cmdlineSectors;
  const kernelSectors = sectorsFor(kernel.length);
  const initrdLba = initrd.length > 0 ? kernelLba + kernelSectors : 0;
  const used = kernelLba + kernelSectors + sectorsFor(initrd.length);
  const size = options.size ?? used * SECTOR;
  if (!Number.isInteger(size) || size % SECTOR !== 0) throw new FirmwareError('bad-option', `disk size ${size} is not a whole number of sectors`);
  if (size < used * SECTOR) throw new FirmwareError('bad-option', `disk size ${size} is too small: the contents need ${used * SECTOR} bytes`);
  const totalSectors = size / SECTOR;
  if (totalSectors > 0xffffffff) throw new FirmwareError('bad-option', 'disk larger than 2 TiB cannot be described by an MBR');

  const image = new Uint8Array(size);
  const view = new DataView(image.buffer);

  // MBR: loader code, its read table, one partition over the payload, the signature.
  image.set(MBR_LOADER, 0);
  const setupSectors = header.setupSects + 1;
  const pmSectors = kernelSectors - setupSectors;
  const reads: [number, number, number][] = [
    [kernelLba, setupSectors, SETUP_BASE],
    [cmdlineLba, cmdlineSectors, SETUP_BASE + CMDLINE_OFFSET],
    [kernelLba + setupSectors, pmSectors, KERNEL_BASE],
  ];
  if (initrd.length > 0) reads.push([initrdLba, sectorsFor(initrd.length), initrdAddress]);
  if (reads.length > MBR_LOADER_TABLE_ENTRIES) throw new Error('internal: loader table too small');
  reads.forEach(([lba, count, dest], i) => {
    const at = MBR_LOADER_TABLE + i * 12;
    view.setUint32(at, lba, true);
    view.setUint32(at + 4, count, true);
    view.setUint32(at + 8, dest, true);
  });
  // the entry after the last has a zero count (the image is zero-filled): the end of the table
  const part = 0x1be;
  image[part] = 0x80; // active
  image.set([0xfe, 0xff, 0xff], part + 1); // CHS: beyond what CHS can address, use the LBA fields
  image[part + 4] = PAYLOAD_PARTITION_TYPE;
  image.set([0xfe, 0xff, 0xff], part + 5);
  view.setUint32(part + 8, 1, true);
  view.setUint32(part + 12, totalSectors - 1, true);
  image[0x1fe] = 0x55;
  image[0x1ff] = 0xaa;

  for (let i = 0; i < cmdline.length; i++) image[cmdlineLba * SECTOR + i] = cmdline.charCodeAt(i);

  // The kernel, with the boot loader's header fields filled in.
  const k = kernelLba * SECTOR;
  image.set(kernel, k);
  const O = SetupHeaderOffset;
  image[k + O.typeOfLoader] = 0xff; // "undefined" boot loader id
  image[k + O.loadflags] = header.loadflags | LoadFlags.CanUseHeap;
  view.setUint16(k + O.heapEndPtr, CMDLINE_OFFSET - 0x200, true);
  view.setUint32(k + O.cmdLinePtr, SETUP_BASE + CMDLINE_OFFSET, true);
  view.setUint32(k + O.ramdiskImage, initrd.length > 0 ? initrdAddress : 0, true);
  view.setUint32(k + O.ramdiskSize, initrd.length, true);

  if (initrd.length > 0) image.set(initrd, initrdLba * SECTOR);
  const minimumRam = initrd.length > 0 ? initrdAddress + initrd.length : kernelEnd;
  return { image, kernelLba, initrdLba, minimumRam };
}
