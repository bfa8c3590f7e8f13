/**
 * The BIOS memory map (INT 15h AX=E820h; ACPI 6.5 section 15): the physical
 * address ranges a guest may use as RAM and the ones it must leave alone.
 *
 * @module
 */

import { put32, put64 } from '../bytes.js';
import { FirmwareError } from '../errors.js';
import type { GuestRange } from '../ranges.js';
import type { FwCfgFile } from './fw-cfg-file.js';

/** Address range types (ACPI 6.5 table 15.312). */
export const E820Type = {
  /** Usable RAM. */
  Ram: 1,
  /** Reserved: firmware, MMIO, anything the OS must not use. */
  Reserved: 2,
  /** ACPI tables; usable as RAM once the OS has read them. */
  Acpi: 3,
  /** ACPI NVS: firmware storage preserved across sleep. */
  Nvs: 4,
  /** Unusable (bad) memory. */
  Unusable: 5,
} as const;

/** An {@link E820Type} value. */
export type E820Type = (typeof E820Type)[keyof typeof E820Type];

/** One memory-map entry. `base` and `length` may exceed 2^32 (exact below 2^53). */
export interface E820Entry {
  /** First byte. */
  readonly base: number;
  /** Length in bytes (> 0). */
  readonly length: number;
  /** Range type. */
  readonly type: E820Type;
}

/** Size of one entry as stored in boot_params and by INT 15h E820: u64 base, u64 length, u32 type. */
export const E820_ENTRY_SIZE = 20;

/** Layout choices for {@link buildPcE820}. */
export interface PcE820Options {
  /** Guest RAM in bytes (at least 2 MiB). */
  readonly ramSize: number;
  /**
   * Where RAM below 4 GiB stops so PCI MMIO fits (default 0xE0000000, 3.5 GiB);
   * RAM beyond it continues at 4 GiB.
   */
  readonly pciHoleStart?: number;
  /** Size of the system firmware image mapped below 4 GiB (default 256 KiB). */
  readonly biosSize?: number;
  /**
   * A range at the top of low RAM holding ACPI tables (typed {@link E820Type.Acpi});
   * it must lie inside RAM above 1 MiB.
   */
  readonly acpiTables?: GuestRange;
  /** Reserve 0xE0000..0xFFFFF (true, default) or only the F-segment 0xF0000..0xFFFFF. */
  readonly reserveESegment?: boolean;
}

/** Guest-physical base of the I/O APIC registers. */
export const IOAPIC_BASE = 0xfec00000;
/** Guest-physical base of the local APIC registers. */
export const LAPIC_BASE = 0xfee00000;
/** Start of the extended BIOS data area in a PC with 639 KiB of base memory. */
export const EBDA_BASE = 0x9fc00;

/**
 * The memory map of a PC: RAM 0..639 KiB, the EBDA reserved to 640 KiB, the
 * BIOS area 0xE0000..1 MiB reserved, RAM from 1 MiB up to the RAM size (or
 * the PCI hole, with the rest above 4 GiB), and the I/O APIC, local APIC and
 * firmware flash at the top of 4 GiB reserved.
 * @throws FirmwareError for less than 2 MiB of RAM or inconsistent options
 */
export function buildPcE820(options: PcE820Options): E820Entry[] {
  const ram = options.ramSize;
  const hole = options.pciHoleStart ?? 0xe0000000;
  const biosSize = options.biosSize ?? 0x40000;
  if (!Number.isSafeInteger(ram) || ram < 0x200000) {
    throw new FirmwareError('bad-option', `ramSize ${ram} is below the 2 MiB a PC needs`);
  }
  if (hole % 0x100000 !== 0 || hole < 0x200000 || hole > IOAPIC_BASE) {
    throw new FirmwareError('bad-option', `pciHoleStart 0x${hole.toString(16)} is not a MiB boundary in 2 MiB..0xFEC00000`);
  }
  if (biosSize <= 0 || biosSize > 0x1000000) {
    throw new FirmwareError('bad-option', `biosSize ${biosSize} is not in 1..16 MiB`);
  }
  const lowEnd = Math.min(ram, hole);
  const out: E820Entry[] = [
    { base: 0, length: EBDA_BASE, type: E820Type.Ram },
    { base: EBDA_BASE, length: 0xa0000 - EBDA_BASE, type: E820Type.Reserved },
  ];
  const seg = options.reserveESegment === false ? 0xf0000 : 0xe0000;
  out.push({ base: seg, length: 0x100000 - seg, type: E820Type.Reserved });
  const acpi = options.acpiTables;
  if (acpi) {
    if (acpi.size <= 0 || acpi.base < 0x100000 || acpi.base + acpi.size > lowEnd) {
      throw new FirmwareError(
        'bad-option',
        `acpiTables 0x${acpi.base.toString(16)}+0x${acpi.size.toString(16)} is not inside RAM between 1 MiB and 0x${lowEnd.toString(16)}`,
      );
    }
    if (acpi.base > 0x100000) out.push({ base: 0x100000, length: acpi.base - 0x100000, type: E820Type.Ram });
    out.push({ base: acpi.base, length: acpi.size, type: E820Type.Acpi });
    const after = acpi.base + acpi.size;
    if (after < lowEnd) out.push({ base: after, length: lowEnd - after, type: E820Type.Ram });
  } else {
    out.push({ base: 0x100000, length: lowEnd - 0x100000, type: E820Type.Ram });
  }
  out.push({ base: IOAPIC_BASE, length: 0x1000, type: E820Type.Reserved });
  out.push({ base: LAPIC_BASE, length: 0x1000, type: E820Type.Reserved });
  out.push({ base: 0x1_0000_0000 - biosSize, length: biosSize, type: E820Type.Reserved });
  if (ram > lowEnd) out.push({ base: 0x1_0000_0000, length: ram - lowEnd, type: E820Type.Ram });
  return out;
}

/**
 * Serialize entries in the 20-byte E820 layout into `dst` at `offset`.
 * @returns the number of entries written
 * @throws FirmwareError if `dst` is too small
 */
export function writeE820(entries: readonly E820Entry[], dst: Uint8Array, offset: number): number {
  if (offset < 0 || offset + entries.length * E820_ENTRY_SIZE > dst.length) {
    throw new FirmwareError('no-room', `${entries.length} E820 entries do not fit at offset ${offset}`);
  }
  let at = offset;
  for (const e of entries) {
    put64(dst, at, e.base);
    put64(dst, at + 8, e.length);
    put32(dst, at + 16, e.type);
    at += E820_ENTRY_SIZE;
  }
  return entries.length;
}

/**
 * End of the RAM range that contains `addr`, below 4 GiB (the top an
 * initrd or table may reach), or 0 if `addr` is not in RAM.
 */
export function ramEndContaining(entries: readonly E820Entry[], addr: number): number {
  for (const e of entries) {
    if (e.type === E820Type.Ram && addr >= e.base && addr < e.base + e.length) {
      return Math.min(e.base + e.length, 0x1_0000_0000);
    }
  }
  return 0;
}

/** Total usable RAM (type 1) in bytes. */
export function e820RamBytes(entries: readonly E820Entry[]): number {
  let n = 0;
  for (const e of entries) if (e.type === E820Type.Ram) n += e.length;
  return n;
}

/**
 * fw_cfg `etc/e820` for SeaBIOS (read by its qemu_early_e820()): the RAM
 * ranges only, low RAM from address 0 up to the RAM size or the PCI hole and
 * the rest from 4 GiB, in the 20-byte E820 layout. SeaBIOS adds the EBDA,
 * BIOS-area and flash reservations itself and takes its RAM size from here.
 */
export function seabiosE820File(options: { readonly ramSize: number; readonly pciHoleStart?: number }): FwCfgFile {
  const hole = options.pciHoleStart ?? 0xe0000000;
  const ram = options.ramSize;
  if (!Number.isSafeInteger(ram) || ram < 0x200000) {
    throw new FirmwareError('bad-option', `ramSize ${ram} is below the 2 MiB a PC needs`);
  }
  const low = Math.min(ram, hole);
  const entries: E820Entry[] = [{ base: 0, length: low, type: E820Type.Ram }];
  if (ram > low) entries.push({ base: 0x1_0000_0000, length: ram - low, type: E820Type.Ram });
  const data = new Uint8Array(entries.length * E820_ENTRY_SIZE);
  writeE820(entries, data, 0);
  return { name: 'etc/e820', data };
}
