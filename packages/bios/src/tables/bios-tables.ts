/**
 * The firmware tables of a directly booted PC (no BIOS runs): MP and ACPI
 * tables laid out in one block for the F-segment (0xF0000..0xFFFFF), where
 * OSes look for the MP floating pointer and the ACPI RSDP.
 *
 * @module
 */

import type { DmaSpace } from '@vm/bus';
import { alignUp, writeGuest } from '../bytes.js';
import { FirmwareError } from '../errors.js';
import type { RomMapping } from '../rom/rom-mapping.js';
import { buildAcpiTables, placeAcpiTables } from './acpi/acpi-tables.js';
import type { AcpiConfig, PlacedAcpiTables } from './acpi/acpi-tables.js';
import { buildMpTables } from './mptable.js';
import type { MpConfig } from './mptable.js';
import { buildSmbiosTables, placeSmbiosEntryPoint } from './smbios.js';
import type { SmbiosConfig } from './smbios.js';

/** Inputs of {@link buildBiosTables}. */
export interface BiosTablesOptions {
  /** ACPI configuration, or `false` for no ACPI tables. */
  readonly acpi: AcpiConfig | false;
  /** MP configuration, or `false` for no MP tables. */
  readonly mp: MpConfig | false;
  /** SMBIOS configuration (default: none). */
  readonly smbios?: SmbiosConfig | false;
  /** Guest-physical base of the block (default 0xF0000); 16-byte aligned, 64 KiB available. */
  readonly base?: number;
  /** Size of the block (default 64 KiB). */
  readonly size?: number;
}

/** The laid-out block. */
export interface BiosTables {
  /** The block as a ROM region for the machine to map (or copy into RAM). */
  readonly mapping: RomMapping;
  /** Where the RSDP is (0 without ACPI); give it to `loadLinux({ acpiRsdp })`. */
  readonly rsdpAddress: number;
  /** Where the MP floating pointer is (0 without MP tables). */
  readonly mpFloatingAddress: number;
  /** Where the SMBIOS entry point is (0 without SMBIOS). */
  readonly smbiosAddress: number;
  /** The placed ACPI tables, or null. */
  readonly acpi: PlacedAcpiTables | null;
}

/**
 * Lay out MP, ACPI and SMBIOS tables in one block: the MP floating pointer at
 * the base, the RSDP 16 bytes later, the MP configuration table at +48, the
 * ACPI tables 64-byte aligned after that, then the SMBIOS entry point
 * (16-byte aligned) and structures.
 * @throws FirmwareError if they do not fit or the base is outside 0xE0000..0xFFFFF
 */
export function buildBiosTables(options: BiosTablesOptions): BiosTables {
  const base = options.base ?? 0xf0000;
  const size = options.size ?? 0x10000;
  if (base % 16 !== 0 || base < 0xe0000 || base + size > 0x100000) {
    throw new FirmwareError('bad-option', `BIOS table block 0x${base.toString(16)}+0x${size.toString(16)} is not 16-byte aligned inside 0xE0000..0xFFFFF`);
  }
  const block = new Uint8Array(size);
  let at = 48; // 0: MP floating pointer (16 bytes), 16: RSDP (20 bytes)
  let mpFloatingAddress = 0;
  if (options.mp) {
    const mp = buildMpTables(options.mp, base + at);
    if (at + mp.config.length > size) throw new FirmwareError('no-room', 'MP tables do not fit the BIOS table block');
    block.set(mp.floating, 0);
    block.set(mp.config, at);
    mpFloatingAddress = base;
    at += mp.config.length;
  }
  let acpi: PlacedAcpiTables | null = null;
  if (options.acpi) {
    const set = buildAcpiTables(options.acpi);
    at = alignUp(at, 64);
    if (at + set.tables.length > size) throw new FirmwareError('no-room', 'ACPI tables do not fit the BIOS table block');
    acpi = placeAcpiTables(set, base + 16, base + at);
    block.set(acpi.rsdp, 16);
    block.set(acpi.tables, at);
    at += set.tables.length;
  }
  let smbiosAddress = 0;
  if (options.smbios) {
    const set = buildSmbiosTables(options.smbios);
    at = alignUp(at, 16);
    const epAt = at;
    const tablesAt = epAt + 32;
    if (tablesAt + set.tables.length > size) throw new FirmwareError('no-room', 'SMBIOS tables do not fit the BIOS table block');
    block.set(placeSmbiosEntryPoint(set, base + tablesAt), epAt);
    block.set(set.tables, tablesAt);
    smbiosAddress = base + epAt;
    at = tablesAt + set.tables.length;
  }
  return {
    mapping: { name: 'bios-tables', base, bytes: block },
    rsdpAddress: acpi ? base + 16 : 0,
    mpFloatingAddress,
    smbiosAddress,
    acpi,
  };
}

/** Copy the block into guest memory (when the F-segment is RAM in the machine). */
export function writeBiosTables(mem: DmaSpace, tables: BiosTables): void {
  writeGuest(mem, tables.mapping.base, tables.mapping.bytes, 'BIOS tables');
}
