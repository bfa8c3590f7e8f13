/**
 * The fw_cfg files through which a QEMU-style machine hands ACPI tables to
 * SeaBIOS: `etc/acpi/rsdp`, `etc/acpi/tables` and the `etc/table-loader`
 * script of 128-byte commands (ALLOCATE, ADD_POINTER, ADD_CHECKSUM) that
 * tells the firmware where to put them and how to patch them (the format of
 * SeaBIOS's src/fw/romfile_loader.h). SeaBIOS runs the script in
 * qemu_platform_setup(); without it a QEMU-configured SeaBIOS builds no
 * ACPI tables at all.
 *
 * @module
 */

import { getAscii, le32, put32, putAscii } from '../bytes.js';
import { FirmwareError } from '../errors.js';
import type { AcpiTableSet } from './acpi/acpi-tables.js';
import type { FwCfgFile } from './fw-cfg-file.js';

/** Loader command numbers. */
export const LoaderCommand = {
  /** Allocate memory for a file and copy it there. */
  Allocate: 1,
  /** Add a file's address to a pointer field. */
  AddPointer: 2,
  /** Fix up a checksum byte. */
  AddChecksum: 3,
  /** Write an address back to the host (not used here). */
  WritePointer: 4,
} as const;

/** Allocation zones: anywhere in high RAM, or the F-segment (0xF0000..0xFFFFF). */
export const LoaderZone = {
  /** Anywhere in RAM (high memory). */
  High: 1,
  /** The F-segment, 0xF0000..0xFFFFF. */
  FSeg: 2,
} as const;

/** Size of one loader command. */
export const LOADER_ENTRY_SIZE = 128;
/** Size of a file name field (fw_cfg file names are at most 55 chars plus NUL). */
export const LOADER_FILESZ = 56;

/** fw_cfg file names of the ACPI blobs. */
export const AcpiFwCfgName = {
  /** The RSDP. */
  rsdp: 'etc/acpi/rsdp',
  /** Every other table. */
  tables: 'etc/acpi/tables',
  /** The loader script. */
  loader: 'etc/table-loader',
} as const;


/** ALLOCATE: place a file in memory. */
export interface LoaderAllocate {
  /** Discriminant. */
  readonly command: 'allocate';
  /** The fw_cfg file. */
  readonly file: string;
  /** Alignment (a power of two). */
  readonly align: number;
  /** A {@link LoaderZone}. */
  readonly zone: number;
}

/** ADD_POINTER: add the address of `srcFile` to a pointer field in `destFile`. */
export interface LoaderAddPointer {
  /** Discriminant. */
  readonly command: 'add-pointer';
  /** The file holding the pointer. */
  readonly destFile: string;
  /** The file pointed to. */
  readonly srcFile: string;
  /** Offset of the pointer field in `destFile`. */
  readonly offset: number;
  /** Pointer width in bytes (1, 2, 4 or 8). */
  readonly size: number;
}

/** ADD_CHECKSUM: make a byte range sum to zero by adjusting one byte. */
export interface LoaderAddChecksum {
  /** Discriminant. */
  readonly command: 'add-checksum';
  /** The file. */
  readonly file: string;
  /** Offset of the checksum byte. */
  readonly offset: number;
  /** Start of the summed range. */
  readonly start: number;
  /** Length of the summed range. */
  readonly length: number;
}

/** One decoded loader command. */
export type LoaderEntry = LoaderAllocate | LoaderAddPointer | LoaderAddChecksum;

/** A file the loader placed: its address and patched contents. */
export interface PlacedFile {
  /** Guest-physical address. */
  readonly address: number;
  /** Contents after pointer and checksum patching. */
  readonly data: Uint8Array;
}

/** Encode loader commands. */
export function encodeTableLoader(entries: readonly LoaderEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * LOADER_ENTRY_SIZE);
  entries.forEach((e, i) => {
    const at = i * LOADER_ENTRY_SIZE;
    const name = (off: number, s: string): void => {
      if (s.length >= LOADER_FILESZ) throw new FirmwareError('bad-option', `fw_cfg file name "${s}" is too long`);
      putAscii(out, at + off, s, LOADER_FILESZ, 0);
    };
    if (e.command === 'allocate') {
      put32(out, at, LoaderCommand.Allocate);
      name(4, e.file);
      put32(out, at + 4 + LOADER_FILESZ, e.align);
      out[at + 8 + LOADER_FILESZ] = e.zone;
    } else if (e.command === 'add-pointer') {
      put32(out, at, LoaderCommand.AddPointer);
      name(4, e.destFile);
      name(4 + LOADER_FILESZ, e.srcFile);
      put32(out, at + 4 + 2 * LOADER_FILESZ, e.offset);
      out[at + 8 + 2 * LOADER_FILESZ] = e.size;
    } else {
      put32(out, at, LoaderCommand.AddChecksum);
      name(4, e.file);
      put32(out, at + 4 + LOADER_FILESZ, e.offset);
      put32(out, at + 8 + LOADER_FILESZ, e.start);
      put32(out, at + 12 + LOADER_FILESZ, e.length);
    }
  });
  return out;
}

/**
 * Decode a table-loader script (unknown commands are skipped, as SeaBIOS does).
 * @throws FirmwareError for a length that is not a multiple of 128
 */
export function decodeTableLoader(script: Uint8Array): LoaderEntry[] {
  if (script.length % LOADER_ENTRY_SIZE !== 0) {
    throw new FirmwareError('bad-image', `table-loader of ${script.length} bytes is not a multiple of ${LOADER_ENTRY_SIZE}`);
  }
  const out: LoaderEntry[] = [];
  for (let at = 0; at < script.length; at += LOADER_ENTRY_SIZE) {
    const cmd = le32(script, at);
    if (cmd === LoaderCommand.Allocate) {
      out.push({
        command: 'allocate',
        file: getAscii(script, at + 4, LOADER_FILESZ),
        align: le32(script, at + 4 + LOADER_FILESZ),
        zone: script[at + 8 + LOADER_FILESZ]!,
      });
    } else if (cmd === LoaderCommand.AddPointer) {
      out.push({
        command: 'add-pointer',
        destFile: getAscii(script, at + 4, LOADER_FILESZ),
        srcFile: getAscii(script, at + 4 + LOADER_FILESZ, LOADER_FILESZ),
        offset: le32(script, at + 4 + 2 * LOADER_FILESZ),
        size: script[at + 8 + 2 * LOADER_FILESZ]!,
      });
    } else if (cmd === LoaderCommand.AddChecksum) {
      out.push({
        command: 'add-checksum',
        file: getAscii(script, at + 4, LOADER_FILESZ),
        offset: le32(script, at + 4 + LOADER_FILESZ),
        start: le32(script, at + 8 + LOADER_FILESZ),
        length: le32(script, at + 12 + LOADER_FILESZ),
      });
    }
  }
  return out;
}

/**
 * The three fw_cfg files for an ACPI table set, laid out as QEMU does: the
 * RSDP allocated 16-byte aligned in the F-segment, the tables 64-byte
 * aligned in high memory, then every pointer, then every checksum (after
 * the pointers, so they cover the patched bytes).
 */
export function acpiFwCfgFiles(set: AcpiTableSet): FwCfgFile[] {
  const N = AcpiFwCfgName;
  const fileOf = (f: 'rsdp' | 'tables'): string => (f === 'rsdp' ? N.rsdp : N.tables);
  const entries: LoaderEntry[] = [
    { command: 'allocate', file: N.rsdp, align: 16, zone: LoaderZone.FSeg },
    { command: 'allocate', file: N.tables, align: 64, zone: LoaderZone.High },
    ...set.pointers.map(
      (p): LoaderEntry => ({ command: 'add-pointer', destFile: fileOf(p.file), srcFile: N.tables, offset: p.offset, size: 4 }),
    ),
    ...set.checksums.map(
      (c): LoaderEntry => ({ command: 'add-checksum', file: fileOf(c.file), offset: c.offset, start: c.start, length: c.length }),
    ),
  ];
  return [
    { name: N.rsdp, data: set.rsdp.slice() },
    { name: N.tables, data: set.tables.slice() },
    { name: N.loader, data: encodeTableLoader(entries) },
  ];
}

/**
 * Run a table-loader script the way firmware does, with a caller-chosen
 * allocator: returns each allocated file's address and patched bytes. Used
 * to test scripts and by machines that act as the firmware themselves.
 * @throws FirmwareError for a command naming an unknown or unallocated
 * file, or a range outside a file
 */
export function runTableLoader(
  files: readonly FwCfgFile[],
  script: Uint8Array,
  allocate: (file: string, size: number, align: number, zone: number) => number,
): Map<string, PlacedFile> {
  const byName = new Map(files.map((f) => [f.name, f.data]));
  const placed = new Map<string, PlacedFile>();
  const need = (name: string): PlacedFile => {
    const p = placed.get(name);
    if (!p) throw new FirmwareError('bad-image', `table-loader uses "${name}" before allocating it`);
    return p;
  };
  const inside = (d: Uint8Array, off: number, len: number, what: string): void => {
    if (off + len > d.length) throw new FirmwareError('bad-image', `table-loader ${what} at ${off}+${len} is outside a ${d.length}-byte file`);
  };
  for (const e of decodeTableLoader(script)) {
    if (e.command === 'allocate') {
      const data = byName.get(e.file);
      if (!data) throw new FirmwareError('bad-image', `table-loader allocates unknown file "${e.file}"`);
      if (e.align & (e.align - 1)) throw new FirmwareError('bad-image', `table-loader alignment ${e.align} is not a power of two`);
      placed.set(e.file, { address: allocate(e.file, data.length, e.align, e.zone), data: data.slice() });
    } else if (e.command === 'add-pointer') {
      const dest = need(e.destFile);
      const src = need(e.srcFile);
      if (e.size !== 4) throw new FirmwareError('bad-image', `table-loader pointer size ${e.size} is not supported (only 4)`);
      inside(dest.data, e.offset, 4, 'pointer');
      put32(dest.data, e.offset, (le32(dest.data, e.offset) + src.address) >>> 0);
    } else {
      const f = need(e.file);
      inside(f.data, e.start, e.length, 'checksum range');
      inside(f.data, e.offset, 1, 'checksum');
      let sum = 0;
      for (let i = e.start; i < e.start + e.length; i++) sum = (sum + f.data[i]!) & 0xff;
      f.data[e.offset] = (f.data[e.offset]! - sum) & 0xff;
    }
  }
  return placed;
}
