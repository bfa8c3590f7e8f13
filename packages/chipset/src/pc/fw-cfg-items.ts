/**
 * Selector keys and item encodings of QEMU's firmware configuration device
 * (QEMU docs/specs/fw_cfg.rst), as SeaBIOS reads them.
 *
 * @module
 */

/** Well-known selector keys. Named files live at 0x20 and up, listed by `FileDir`. */
export const FwCfgKey = {
  /** "QEMU" (4 bytes). */
  Signature: 0x00,
  /** Feature bits, u32 LE: bit 0 traditional interface, bit 1 DMA. */
  Id: 0x01,
  /** Machine UUID, 16 bytes. */
  Uuid: 0x02,
  /** RAM size, u64 LE. */
  RamSize: 0x03,
  /** No graphics, u16 LE. */
  NoGraphic: 0x04,
  /** CPUs present at boot, u16 LE (SeaBIOS waits for this many to check in). */
  NbCpus: 0x05,
  /** Machine ID, u32 LE. */
  MachineId: 0x06,
  /** Linux boot: kernel load address, u32 LE. */
  KernelAddr: 0x07,
  /** Linux boot: protected-mode kernel size, u32 LE. */
  KernelSize: 0x08,
  /** Legacy: command line address. */
  KernelCmdline: 0x09,
  /** Linux boot: initrd load address, u32 LE. */
  InitrdAddr: 0x0a,
  /** Linux boot: initrd size, u32 LE. */
  InitrdSize: 0x0b,
  /** Boot device, u16 LE. */
  BootDevice: 0x0c,
  /** NUMA description, u64 LE count then per-node data. */
  Numa: 0x0d,
  /** Show the boot menu, u16 LE. */
  BootMenu: 0x0e,
  /** Maximum CPUs (including hot-pluggable), u16 LE. */
  MaxCpus: 0x0f,
  /** Linux boot: kernel entry point, u32 LE. */
  KernelEntry: 0x10,
  /** Linux boot: protected-mode kernel bytes. */
  KernelData: 0x11,
  /** Linux boot: initrd bytes. */
  InitrdData: 0x12,
  /** Linux boot: command line address, u32 LE. */
  CmdlineAddr: 0x13,
  /** Linux boot: command line size including the NUL, u32 LE. */
  CmdlineSize: 0x14,
  /** Linux boot: command line bytes (NUL-terminated). */
  CmdlineData: 0x15,
  /** Linux boot: real-mode setup address, u32 LE. */
  SetupAddr: 0x16,
  /** Linux boot: real-mode setup size, u32 LE. */
  SetupSize: 0x17,
  /** Linux boot: real-mode setup bytes. */
  SetupData: 0x18,
  /** The file directory: u32 BE count, then 64-byte entries. */
  FileDir: 0x19,
  /** First key handed to named files. */
  FileFirst: 0x20,
  /** x86: legacy ACPI tables. */
  AcpiTables: 0x8000,
  /** x86: legacy SMBIOS entries. */
  SmbiosEntries: 0x8001,
  /** x86: IRQ0 is overridden to GSI2, u8. */
  Irq0Override: 0x8002,
  /** x86: legacy E820 reservations. */
  E820Table: 0x8003,
  /** x86: HPET description. */
  Hpet: 0x8004,
} as const;

/** Feature bits of the `Id` item. */
export const FwCfgFeature = {
  /** The port interface exists. */
  Traditional: 0x1,
  /** The DMA interface exists. */
  Dma: 0x2,
} as const;

/** E820 address range types. */
export const E820Type = {
  /** Usable RAM. */
  Ram: 1,
  /** Reserved. */
  Reserved: 2,
  /** ACPI reclaimable. */
  Acpi: 3,
  /** ACPI NVS. */
  Nvs: 4,
} as const;

/** One `etc/e820` entry. */
export interface E820Entry {
  /** Start address (up to 2^53). */
  readonly address: number;
  /** Length in bytes. */
  readonly length: number;
  /** An {@link E820Type}. */
  readonly type: number;
}

function putU64(view: DataView, offset: number, v: number): void {
  view.setUint32(offset, v % 0x100000000, true);
  view.setUint32(offset + 4, Math.floor(v / 0x100000000), true);
}

/** A little-endian unsigned integer item of `width` bytes (2, 4 or 8). */
export function fwCfgUint(value: number, width: 2 | 4 | 8): Uint8Array {
  const b = new Uint8Array(width);
  const view = new DataView(b.buffer);
  if (width === 2) view.setUint16(0, value, true);
  else if (width === 4) view.setUint32(0, value >>> 0, true);
  else putU64(view, 0, value);
  return b;
}

/** The `etc/e820` file: packed 20-byte entries (u64 address, u64 length, u32 type, little-endian). */
export function encodeE820(entries: readonly E820Entry[]): Uint8Array {
  const b = new Uint8Array(entries.length * 20);
  const view = new DataView(b.buffer);
  entries.forEach((e, i) => {
    putU64(view, i * 20, e.address);
    putU64(view, i * 20 + 8, e.length);
    view.setUint32(i * 20 + 16, e.type, true);
  });
  return b;
}

/** UTF-8 bytes of `text` (no TextEncoder: this package builds without DOM or Node types). */
export function utf8Bytes(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/** A string item, optionally NUL-terminated (UTF-8). */
export function fwCfgString(text: string, nulTerminated = true): Uint8Array {
  const bytes = utf8Bytes(text);
  if (!nulTerminated) return bytes;
  const b = new Uint8Array(bytes.length + 1);
  b.set(bytes);
  return b;
}

/** The `bootorder` file: one OpenFirmware device path per line, NUL-terminated. */
export function encodeBootOrder(paths: readonly string[]): Uint8Array {
  return fwCfgString(paths.join('\n'));
}
