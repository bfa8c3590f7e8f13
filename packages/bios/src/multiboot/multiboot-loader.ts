/**
 * A Multiboot 0.6.96 boot loader: loads an ELF32 or a.out-kludge kernel and
 * its modules, builds the Multiboot information structure (memory sizes,
 * memory map, command line, modules, loader name) in low memory, and returns
 * the entry state: EAX = 0x2BADB002, EBX = the info structure, flat 32-bit
 * protected mode, paging and interrupts off.
 *
 * @module
 */

import type { DmaSpace } from '@vm/bus';
import { alignUp, hex, put32, put64, writeGuest } from '../bytes.js';
import { flatProtectedModeEntry } from '../cpu-entry.js';
import type { CpuEntryState } from '../cpu-entry.js';
import { FirmwareError } from '../errors.js';
import { buildPcE820, E820Type, ramEndContaining } from '../tables/e820.js';
import type { E820Entry } from '../tables/e820.js';
import type { GuestSpan } from '../ranges.js';
import { isElf, parseElf32, PT_LOAD } from './elf32.js';
import { findMultibootHeader, MULTIBOOT_BOOTLOADER_MAGIC } from './multiboot-header.js';
import type { MultibootHeader } from './multiboot-header.js';

/** Low-memory layout of the loader's own structures. */
export const MultibootLayout = {
  /** The boot GDT. */
  gdt: 0x6000,
  /** Initial ESP (the OS must set up its own stack; this is just somewhere harmless). */
  stack: 0x7000,
  /** The info structure, then the strings, module list and memory map after it. */
  info: 0x7000,
  /** End of the area for the info structure and what it points to. */
  infoEnd: 0x9f000,
} as const;

/** Info structure flag bits (spec section 3.3). */
export const MultibootInfoFlags = {
  /** mem_lower/mem_upper are valid. */
  Memory: 1 << 0,
  /** boot_device is valid. */
  BootDevice: 1 << 1,
  /** cmdline is valid. */
  Cmdline: 1 << 2,
  /** mods_count/mods_addr are valid. */
  Modules: 1 << 3,
  /** mmap_length/mmap_addr are valid. */
  MemoryMap: 1 << 6,
  /** boot_loader_name is valid. */
  LoaderName: 1 << 9,
} as const;

/** A boot module: a file the kernel finds in memory (an initrd, a driver). */
export interface MultibootModule {
  /** Contents. */
  readonly data: Uint8Array;
  /** Its command line (the module's "string"). */
  readonly cmdline?: string;
}

/** Inputs of {@link loadMultiboot}. */
export interface MultibootLoadOptions {
  /** The kernel file. */
  readonly kernel: Uint8Array;
  /** Kernel command line (by convention starting with the kernel's name). */
  readonly cmdline?: string;
  /** Modules, loaded page-aligned after the kernel in order. */
  readonly modules?: readonly MultibootModule[];
  /** Guest RAM size (the memory map is {@link buildPcE820}'s unless `e820` is given). */
  readonly ramSize: number;
  /** The memory map to report. */
  readonly e820?: readonly E820Entry[];
  /** Boot loader name (default "vm"). */
  readonly loaderName?: string;
}

/** Where {@link loadMultiboot} put things and how the CPU must start. */
export interface MultibootResult {
  /** Load the boot CPU with this and run. */
  readonly entry: CpuEntryState;
  /** The header found in the kernel. */
  readonly header: MultibootHeader;
  /** Address of the Multiboot information structure (also in EBX). */
  readonly infoAddress: number;
  /** The kernel's loaded range, including zero-filled bss. */
  readonly kernel: GuestSpan;
  /** Each module's range. */
  readonly modules: readonly GuestSpan[];
}

interface Segment {
  readonly dest: number;
  readonly bytes: Uint8Array;
  readonly zeroTo: number;
}

/** A bump allocator over the low-memory info area. */
class InfoArea {
  readonly bytes: Uint8Array;
  private used = 0;
  constructor(readonly base: number, size: number) {
    this.bytes = new Uint8Array(size);
  }
  alloc(size: number, align = 4): number {
    const at = alignUp(this.used, align);
    if (at + size > this.bytes.length) throw new FirmwareError('no-room', 'Multiboot information does not fit below 0x9F000');
    this.used = at + size;
    return at;
  }
  string(s: string): number {
    const at = this.alloc(s.length + 1, 1);
    for (let i = 0; i < s.length; i++) this.bytes[at + i] = s.charCodeAt(i) & 0xff;
    return this.base + at;
  }
  get size(): number {
    return this.used;
  }
}

function segmentsOf(image: Uint8Array, header: MultibootHeader): { segments: Segment[]; entry: number } {
  const a = header.addresses;
  if (a) {
    // a.out kludge: the file from (header offset - (header_addr - load_addr)) is copied to load_addr.
    if (a.headerAddr < a.loadAddr) throw new FirmwareError('bad-image', 'Multiboot header_addr is below load_addr');
    const fileStart = header.offset - (a.headerAddr - a.loadAddr);
    if (fileStart < 0) throw new FirmwareError('bad-image', 'Multiboot load_addr lies before the start of the file');
    const loadEnd = a.loadEndAddr === 0 ? a.loadAddr + (image.length - fileStart) : a.loadEndAddr;
    if (loadEnd < a.loadAddr || fileStart + (loadEnd - a.loadAddr) > image.length) {
      throw new FirmwareError('bad-image', `Multiboot load_end_addr 0x${hex(loadEnd)} runs past the file`);
    }
    const bssEnd = a.bssEndAddr === 0 ? loadEnd : a.bssEndAddr;
    if (bssEnd < loadEnd) throw new FirmwareError('bad-image', 'Multiboot bss_end_addr is below load_end_addr');
    if (a.entryAddr < a.loadAddr || a.entryAddr >= bssEnd) {
      throw new FirmwareError('bad-image', `Multiboot entry_addr 0x${hex(a.entryAddr)} is outside the loaded image`);
    }
    const bytes = image.subarray(fileStart, fileStart + (loadEnd - a.loadAddr));
    return { segments: [{ dest: a.loadAddr, bytes, zeroTo: bssEnd }], entry: a.entryAddr };
  }
  if (!isElf(image)) {
    throw new FirmwareError('unsupported', 'Multiboot kernel is not ELF and its header has no a.out kludge addresses (flag 16)');
  }
  const elf = parseElf32(image);
  const segments: Segment[] = [];
  let entry = elf.entry;
  for (const ph of elf.programHeaders) {
    if (ph.type !== PT_LOAD || ph.memsz === 0) continue;
    if (ph.filesz > ph.memsz || ph.offset + ph.filesz > image.length) {
      throw new FirmwareError('bad-image', `ELF segment at offset ${ph.offset} (${ph.filesz} bytes) runs past the file`);
    }
    segments.push({ dest: ph.paddr, bytes: image.subarray(ph.offset, ph.offset + ph.filesz), zeroTo: ph.paddr + ph.memsz });
    // A kernel linked at a virtual address names its entry virtually: translate as GRUB does.
    if (elf.entry >= ph.vaddr && elf.entry < ph.vaddr + ph.memsz) entry = elf.entry - ph.vaddr + ph.paddr;
  }
  if (segments.length === 0) throw new FirmwareError('bad-image', 'ELF kernel has no loadable segments');
  return { segments, entry };
}

/**
 * Load a Multiboot kernel and its modules and build the information structure.
 * @throws FirmwareError for a file without a Multiboot header, a bad header,
 * an unsupported ELF file, or too little RAM
 */
export function loadMultiboot(mem: DmaSpace, options: MultibootLoadOptions): MultibootResult {
  const image = options.kernel;
  const header = findMultibootHeader(image);
  if (!header) throw new FirmwareError('bad-image', 'not a Multiboot kernel: no header (0x1BADB002) in the first 8 KiB');
  const e820 = options.e820 ?? buildPcE820({ ramSize: options.ramSize });
  const L = MultibootLayout;
  const { segments, entry } = segmentsOf(image, header);

  let kStart = Infinity;
  let kEnd = 0;
  for (const s of segments) {
    kStart = Math.min(kStart, s.dest);
    kEnd = Math.max(kEnd, s.zeroTo);
    if (s.dest < L.infoEnd && s.zeroTo > L.gdt) {
      throw new FirmwareError('no-room', `kernel segment 0x${hex(s.dest)}-0x${hex(s.zeroTo)} overlaps the loader's area 0x6000-0x9F000`);
    }
    const top = ramEndContaining(e820, s.dest);
    if (top === 0 || s.zeroTo > top) {
      throw new FirmwareError('no-room', `kernel segment 0x${hex(s.dest)}-0x${hex(s.zeroTo)} is not inside RAM`);
    }
  }
  for (const s of segments) {
    writeGuest(mem, s.dest, s.bytes, 'kernel segment');
    const zero = s.zeroTo - s.dest - s.bytes.length;
    if (zero > 0) writeGuest(mem, s.dest + s.bytes.length, new Uint8Array(zero), 'kernel bss');
  }

  // Modules, page-aligned after the kernel (what header flag 0 asks; done always).
  const modules: GuestSpan[] = [];
  let next = alignUp(kEnd, 0x1000);
  const ramTop = ramEndContaining(e820, kStart);
  for (const [i, m] of (options.modules ?? []).entries()) {
    const start = next;
    const end = start + m.data.length;
    if (end > ramTop) throw new FirmwareError('no-room', `module ${i} (${m.data.length} bytes) does not fit below 0x${hex(ramTop)}`);
    writeGuest(mem, start, m.data, `module ${i}`);
    modules.push({ start, end });
    next = alignUp(end, 0x1000);
  }

  // The information structure and what it points to.
  const area = new InfoArea(L.info, L.infoEnd - L.info);
  const info = area.alloc(88);
  const b = area.bytes;
  let flags = MultibootInfoFlags.Memory | MultibootInfoFlags.MemoryMap | MultibootInfoFlags.LoaderName;
  const lowTop = ramEndContaining(e820, 0);
  const highTop = ramEndContaining(e820, 0x100000);
  put32(b, info + 4, Math.min(Math.floor(lowTop / 1024), 640)); // mem_lower
  put32(b, info + 8, highTop > 0x100000 ? Math.floor((highTop - 0x100000) / 1024) : 0); // mem_upper
  if (options.cmdline !== undefined) {
    flags |= MultibootInfoFlags.Cmdline;
    put32(b, info + 16, area.string(options.cmdline));
  }
  if (modules.length > 0) {
    flags |= MultibootInfoFlags.Modules;
    const list = area.alloc(16 * modules.length);
    modules.forEach((m, i) => {
      put32(b, list + i * 16, m.start);
      put32(b, list + i * 16 + 4, m.end);
      put32(b, list + i * 16 + 8, area.string(options.modules![i]!.cmdline ?? ''));
    });
    put32(b, info + 20, modules.length);
    put32(b, info + 24, L.info + list);
  }
  // Memory map: entries of { size = 20, base u64, length u64, type u32 }.
  const mmap = area.alloc(24 * e820.length);
  e820.forEach((e, i) => {
    const at = mmap + i * 24;
    put32(b, at, 20);
    put64(b, at + 4, e.base);
    put64(b, at + 12, e.length);
    put32(b, at + 20, e.type === E820Type.Ram ? 1 : e.type);
  });
  put32(b, info + 44, 24 * e820.length);
  put32(b, info + 48, L.info + mmap);
  put32(b, info + 64, area.string(options.loaderName ?? 'vm'));
  put32(b, info, flags);
  writeGuest(mem, L.info, b.subarray(0, area.size), 'Multiboot information');

  const state = flatProtectedModeEntry(mem, L.gdt, entry, {
    eax: MULTIBOOT_BOOTLOADER_MAGIC,
    ebx: L.info + info,
    esp: L.stack,
  });
  return { entry: state, header, infoAddress: L.info + info, kernel: { start: kStart, end: kEnd }, modules };
}
