/**
 * Direct Linux boot through the 32-bit boot protocol (Documentation/x86/boot.rst,
 * "32-bit Boot Protocol"): the loader does what the real-mode setup code and
 * the BIOS would, then enters the protected-mode kernel at its 32-bit entry.
 *
 * @module
 */

import type { DmaSpace } from '@vm/bus';
import { alignDown, alignUp, hex, put16, put32, put64, writeGuest } from '../bytes.js';
import { flatProtectedModeEntry } from '../cpu-entry.js';
import type { CpuEntryState } from '../cpu-entry.js';
import { FirmwareError } from '../errors.js';
import { buildPcE820, ramEndContaining, writeE820 } from '../tables/e820.js';
import type { E820Entry } from '../tables/e820.js';
import type { GuestRange } from '../ranges.js';
import { BOOT_PARAMS_E820_MAX, BOOT_PARAMS_SIZE, BootParamsOffset } from './boot-params.js';
import { LoadFlags, parseSetupHeader, SetupHeaderOffset } from './setup-header.js';
import type { LinuxSetupHeader } from './setup-header.js';
import { decompressXz, findXzPayload } from '../xz/index.js';
import { parseElf32 } from '../multiboot/elf32.js';

/** Where the loader puts things in low memory (all below the EBDA). */
export const LinuxBootLayout = {
  /** The boot GDT (32 bytes). */
  gdt: 0x6000,
  /** boot_params (4 KiB); ESI points here. */
  zeroPage: 0x7000,
  /** The NUL-terminated command line. */
  cmdline: 0x20000,
  /** The protected-mode kernel: 1 MiB. */
  kernel: 0x100000,
} as const;

/** Inputs of {@link loadLinux}. */
export interface LinuxLoadOptions {
  /** The bzImage file (e.g. Debian's `/boot/vmlinuz-*`). */
  readonly kernel: Uint8Array;
  /** The initramfs or initrd image, if any. */
  readonly initrd?: Uint8Array;
  /** Kernel command line (ASCII), e.g. `"console=ttyS0"`. */
  readonly cmdline?: string;
  /** Guest RAM size in bytes; the E820 map is {@link buildPcE820}'s unless `e820` is given. */
  readonly ramSize: number;
  /** The memory map to report (overrides the default PC map built from `ramSize`). */
  readonly e820?: readonly E820Entry[];
  /** Physical address of the ACPI RSDP, told to kernels with protocol 2.14+ (0 or absent: the kernel scans). */
  readonly acpiRsdp?: number;
  /** Report an 80x25 VGA text console in screen_info (default true); false reports no display. */
  readonly vgaText?: boolean;
  /**
   * Decompress an xz kernel payload on the host and load the resulting
   * vmlinux ELF at its physical addresses, entering it where the kernel's own
   * decompressor would (the uncompressed kernel's startup_32, ESI =
   * boot_params), as Firecracker boots a vmlinux. The kernel code that runs is
   * unchanged; only the decompression stub is skipped, so boot-time KASLR
   * (done by that stub) does not happen. Other payloads (gzip, zstd...) are
   * left to the kernel's decompressor. Default false.
   */
  readonly hostDecompress?: boolean;
}

/** Where {@link loadLinux} put each piece, and how the CPU must start. */
export interface LinuxBootResult {
  /** Load the boot CPU with this and run. */
  readonly entry: CpuEntryState;
  /** The parsed setup header. */
  readonly header: LinuxSetupHeader;
  /** Guest-physical address of boot_params. */
  readonly zeroPage: number;
  /** The protected-mode kernel's range. */
  readonly kernel: GuestRange;
  /** The initrd's range, or null. */
  readonly initrd: GuestRange | null;
  /** The command line's address and length (without the NUL). */
  readonly cmdline: GuestRange;
  /** The memory map given to the kernel. */
  readonly e820: readonly E820Entry[];
}

/**
 * Load a bzImage, its initrd and command line into guest memory, build
 * boot_params, and return the 32-bit entry state: CS/DS/ES/SS flat 4 GiB
 * (selectors 0x10/0x18), ESI = boot_params, EIP = code32_start, interrupts
 * off, paging off, EBX/EBP/EDI zero.
 *
 * The initrd goes as high as possible: page-aligned, under `initrd_addr_max`
 * and the end of low RAM, above everything the kernel needs while it
 * decompresses itself (`max(load, pref_address) + init_size`).
 *
 * @throws FirmwareError for a file that is not a bzImage, a boot protocol
 * older than 2.03, a command line longer than the kernel accepts, or too
 * little RAM
 */
export function loadLinux(mem: DmaSpace, options: LinuxLoadOptions): LinuxBootResult {
  const image = options.kernel;
  const hdr = parseSetupHeader(image);
  const L = LinuxBootLayout;
  const e820 = options.e820 ?? buildPcE820({ ramSize: options.ramSize });
  if (e820.length > BOOT_PARAMS_E820_MAX) {
    throw new FirmwareError('bad-option', `${e820.length} E820 entries exceed the ${BOOT_PARAMS_E820_MAX} boot_params holds`);
  }
  const lowRamEnd = ramEndContaining(e820, L.kernel);
  if (lowRamEnd === 0) throw new FirmwareError('no-room', 'the memory map has no RAM at 1 MiB for the kernel');

  // What the kernel occupies while it decompresses: the decompressor first
  // moves itself to max(load address aligned to kernel_alignment,
  // LOAD_PHYSICAL_ADDR = pref_address) and uses init_size bytes from there
  // (arch/x86/boot/compressed/head_32.S).
  const pmSize = hdr.protectedModeSize;
  const aligned = hdr.relocatable && hdr.kernelAlignment > 0 ? alignUp(L.kernel, hdr.kernelAlignment) : L.kernel;
  const runBase = Math.max(aligned, hdr.prefAddress);
  const kernelEnd = alignUp(runBase + Math.max(hdr.initSize, pmSize), 0x1000);
  if (kernelEnd > lowRamEnd) {
    throw new FirmwareError(
      'no-room',
      `the kernel needs RAM up to 0x${hex(kernelEnd)} but RAM at 1 MiB ends at 0x${hex(lowRamEnd)}`,
    );
  }
  // The kernel: the decompressed vmlinux when asked and possible, else the protected-mode image at 1 MiB.
  let entryPoint: number = L.kernel;
  const payload = options.hostDecompress ? findXzPayload(image) : null;
  if (payload) {
    // Linux appends the decompressed size after the xz stream inside payload_length.
    const vmlinux = decompressXz(image.subarray(payload.offset, payload.offset + payload.length), { singleStream: true });
    entryPoint = loadVmlinuxSegments(mem, vmlinux, runBase, kernelEnd);
  } else writeGuest(mem, L.kernel, image.subarray(hdr.protectedModeOffset), 'protected-mode kernel');

  // Command line.
  const cmdline = options.cmdline ?? '';
  if (cmdline.length > hdr.cmdlineSize) {
    throw new FirmwareError(
      'bad-option',
      `command line of ${cmdline.length} bytes is longer than this kernel's cmdline_size (${hdr.cmdlineSize})`,
    );
  }
  const cmdBytes = new Uint8Array(cmdline.length + 1);
  for (let i = 0; i < cmdline.length; i++) {
    const c = cmdline.charCodeAt(i);
    if (c === 0 || c > 0x7e) throw new FirmwareError('bad-option', `command line has a non-ASCII or NUL character at ${i}`);
    cmdBytes[i] = c;
  }
  writeGuest(mem, L.cmdline, cmdBytes, 'command line');

  // Initrd: as high as allowed.
  let initrd: GuestRange | null = null;
  if (options.initrd && options.initrd.length > 0) {
    const size = options.initrd.length;
    const top = Math.min(hdr.initrdAddrMax + 1, lowRamEnd);
    const base = alignDown(top - size, 0x1000);
    if (base < kernelEnd) {
      throw new FirmwareError(
        'no-room',
        `initrd of ${size} bytes does not fit between the kernel (ends 0x${hex(kernelEnd)}) and 0x${hex(top)}`,
      );
    }
    writeGuest(mem, base, options.initrd, 'initrd');
    initrd = { base, size };
  }

  // boot_params: zeroed, the setup header copied from the file, then our fields.
  const zp = new Uint8Array(BOOT_PARAMS_SIZE);
  const B = BootParamsOffset;
  const H = SetupHeaderOffset;
  zp.set(image.subarray(B.hdr, hdr.headerEnd), B.hdr);
  if (options.vgaText ?? true) {
    zp[B.origVideoMode] = 3;
    zp[B.origVideoCols] = 80;
    zp[B.origVideoLines] = 25;
    zp[B.origVideoIsVga] = 1;
    put16(zp, B.origVideoPoints, 16);
  }
  const highKiB = Math.floor((lowRamEnd - 0x100000) / 1024);
  put16(zp, B.extMemK, Math.min(highKiB, 0xfc00));
  put32(zp, B.altMemK, highKiB);
  zp[B.e820Entries] = writeE820(e820, zp, B.e820Table);
  if (options.acpiRsdp && hdr.version >= 0x020e) put64(zp, B.acpiRsdpAddr, options.acpiRsdp);
  put16(zp, H.vidMode, 0xffff); // "normal" text mode
  zp[H.typeOfLoader] = 0xff; // undefined loader ID
  zp[H.loadflags] = (hdr.loadflags | LoadFlags.CanUseHeap) & ~LoadFlags.KeepSegments;
  put32(zp, H.code32Start, L.kernel);
  put16(zp, H.heapEndPtr, 0xfe00);
  put32(zp, H.cmdLinePtr, L.cmdline);
  put32(zp, H.ramdiskImage, initrd ? initrd.base : 0);
  put32(zp, H.ramdiskSize, initrd ? initrd.size : 0);
  writeGuest(mem, L.zeroPage, zp, 'boot_params');

  const entry = flatProtectedModeEntry(mem, L.gdt, entryPoint, { esi: L.zeroPage, esp: L.zeroPage });
  return {
    entry,
    header: hdr,
    zeroPage: L.zeroPage,
    kernel: { base: L.kernel, size: pmSize },
    initrd,
    cmdline: { base: L.cmdline, size: cmdline.length },
    e820,
  };
}

/**
 * Load a vmlinux ELF's PT_LOAD segments at their physical addresses (zeroing
 * the part of each segment past its file bytes) and return its physical entry
 * point. Every segment must lie inside [runBase, kernelEnd), the range the
 * setup header reserves for the running kernel, so the initrd and tables stay
 * clear of it.
 */
function loadVmlinuxSegments(mem: DmaSpace, vmlinux: Uint8Array, runBase: number, kernelEnd: number): number {
  const elf = parseElf32(vmlinux, 'vmlinux');
  for (const ph of elf.programHeaders) {
    if (ph.type !== 1 || ph.memsz === 0) continue;
    const base = ph.paddr;
    if (base < runBase || base + ph.memsz > kernelEnd) {
      throw new FirmwareError('bad-image', `vmlinux segment 0x${hex(base)}+0x${hex(ph.memsz)} lies outside the kernel's range 0x${hex(runBase)}..0x${hex(kernelEnd)}`);
    }
    if (ph.offset + ph.filesz > vmlinux.length) throw new FirmwareError('bad-image', 'vmlinux segment runs past the end of the file');
    writeGuest(mem, base, vmlinux.subarray(ph.offset, ph.offset + ph.filesz), 'vmlinux segment');
    if (ph.memsz > ph.filesz) writeGuest(mem, base + ph.filesz, new Uint8Array(ph.memsz - ph.filesz), 'vmlinux bss');
  }
  if (elf.entry < runBase || elf.entry >= kernelEnd) throw new FirmwareError('bad-image', `vmlinux entry 0x${hex(elf.entry)} is outside the kernel`);
  return elf.entry;
}
