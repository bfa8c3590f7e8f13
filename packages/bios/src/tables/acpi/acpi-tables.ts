/**
 * ACPI 1.0-style tables for a PIIX4-like PC: RSDP -> RSDT -> FADT (-> FACS,
 * DSDT) and MADT. Built position-independent: pointer fields hold offsets
 * within the tables blob, and a list says where they are, so the same set
 * can be placed at a fixed address for direct kernel boot
 * ({@link placeAcpiTables}) or handed to SeaBIOS through fw_cfg's
 * table-loader, which allocates and patches it itself.
 *
 * @module
 */

import { alignUp, put16, put32, putAscii } from '../../bytes.js';
import { FirmwareError } from '../../errors.js';
import { IOAPIC_BASE, LAPIC_BASE } from '../e820.js';
import {
  amlBuffer,
  amlDevice,
  amlInteger,
  amlName,
  amlPackage,
  amlScope,
  concatBytes,
  dwordAddressSpace,
  eisaId,
  endTag,
  ResourceType,
  wordAddressSpace,
} from './aml.js';
import { SDT_HEADER_SIZE, writeSdtHeader } from './sdt.js';
import type { AcpiOem } from './sdt.js';

/** How the ACPI hardware of the machine looks. */
export interface AcpiConfig {
  /** Number of processors; their local APIC IDs are 0..cpus-1. */
  readonly cpus: number;
  /**
   * Base of the PM I/O block with PIIX4 offsets: PM1a_EVT_BLK at +0 (4 bytes),
   * PM1a_CNT_BLK at +4 (2 bytes), PM_TMR_BLK at +8 (4 bytes). Default 0x600,
   * where a QEMU-configured SeaBIOS puts it when a table-loader is present.
   */
  readonly pmIoBase?: number;
  /** GPE0 block (PIIX4: pmIoBase + 0x0C, 4 bytes); absent by default. */
  readonly gpe0?: IoBlock;
  /** ISA IRQ of the SCI (default 9), declared level-triggered active-high. */
  readonly sciIrq?: number;
  /** SLP_TYP value the DSDT's \_S5 gives for soft-off (default 0, PIIX4's SUS_TYP for soft off). */
  readonly s5SlpTyp?: number;
  /** The PM timer counts 32 bits (FADT TMR_VAL_EXT); default false (24 bits, as PIIX4). */
  readonly pmTimer32Bit?: boolean;
  /**
   * SMI command port and the values that switch ACPI mode on and off. Absent
   * (default): SMI_CMD is 0, meaning the hardware is always in ACPI mode.
   */
  readonly smiCommand?: SmiCommand;
  /** I/O APIC ID (default: `cpus`, the first ID after the processors'). */
  readonly ioApicId?: number;
  /** I/O APIC base (default 0xFEC00000). */
  readonly ioApicAddress?: number;
  /** Local APIC base (default 0xFEE00000). */
  readonly localApicAddress?: number;
  /** Route ISA IRQ 0 (the PIT) to GSI 2 with an override (default true, as on every PC with an I/O APIC). */
  readonly irq0Override?: boolean;
  /**
   * More ISA IRQs to declare level-triggered active-high with overrides (the
   * PCI interrupt lines a PIIX routes, e.g. [5, 10, 11]); default none.
   */
  readonly levelIrqs?: readonly number[];
  /** CMOS index of the RTC century byte (default 0x32). */
  readonly rtcCenturyIndex?: number;
  /** Describe the PCI host bridge `\_SB.PCI0` in the DSDT (default true; without it Linux scans no PCI bus under ACPI). */
  readonly pciRoot?: boolean;
  /** PCI memory window of the host bridge (default 0xE0000000..0xFEBFFFFF); keep it above RAM. */
  readonly pciMemory?: PciMemoryWindow;
  /** Static PCI interrupt routes for `\_SB.PCI0._PRT` (default none). */
  readonly pciRoutes?: readonly AcpiPciRoute[];
  /** OEM ID (6 chars) and table ID (8 chars); default "VMVM  " / "VMBIOS  ". */
  readonly oem?: AcpiOem;
}

/** A pointer field that must have the target's base address added. */
export interface AcpiPointer {
  /** The file holding the field. */
  readonly file: 'rsdp' | 'tables';
  /** Offset of the 4-byte field in that file. */
  readonly offset: number;
}

/** A checksum byte to compute over a range of one file. */
export interface AcpiChecksum {
  /** The file. */
  readonly file: 'rsdp' | 'tables';
  /** Offset of the checksum byte. */
  readonly offset: number;
  /** Start of the summed range. */
  readonly start: number;
  /** Length of the summed range. */
  readonly length: number;
}

/** A position-independent set of ACPI tables. */
export interface AcpiTableSet {
  /** The 20-byte ACPI 1.0 RSDP; its RSDT pointer holds the RSDT's offset in {@link tables}. */
  readonly rsdp: Uint8Array;
  /** Every other table, in one blob whose pointers hold offsets within it. */
  readonly tables: Uint8Array;
  /** Pointer fields, all pointing into {@link tables}. */
  readonly pointers: readonly AcpiPointer[];
  /** Checksums to fill in after the pointers are patched. */
  readonly checksums: readonly AcpiChecksum[];
  /** Offsets of each table in {@link tables}. */
  readonly offsets: AcpiTableOffsets;
}

/** FADT field offsets (ACPI 1.0 layout, revision 1, 116 bytes). */
export const FadtOffset = {
  /** FIRMWARE_CTRL (u32): the FACS. */
  firmwareCtrl: 36,
  /** DSDT (u32). */
  dsdt: 40,
  /** SCI_INT (u16). */
  sciInt: 46,
  /** SMI_CMD (u32). */
  smiCmd: 48,
  /** ACPI_ENABLE (u8). */
  acpiEnable: 52,
  /** ACPI_DISABLE (u8). */
  acpiDisable: 53,
  /** PM1a_EVT_BLK (u32). */
  pm1aEvtBlk: 56,
  /** PM1a_CNT_BLK (u32). */
  pm1aCntBlk: 64,
  /** PM_TMR_BLK (u32). */
  pmTmrBlk: 76,
  /** GPE0_BLK (u32). */
  gpe0Blk: 80,
  /** PM1_EVT_LEN (u8). */
  pm1EvtLen: 88,
  /** PM1_CNT_LEN (u8). */
  pm1CntLen: 89,
  /** PM_TMR_LEN (u8). */
  pmTmrLen: 91,
  /** GPE0_BLK_LEN (u8). */
  gpe0BlkLen: 92,
  /** P_LVL2_LAT (u16). */
  pLvl2Lat: 96,
  /** P_LVL3_LAT (u16). */
  pLvl3Lat: 98,
  /** CENTURY (u8): CMOS index of the century. */
  century: 108,
  /** Flags (u32). */
  flags: 112,
} as const;

/** FADT size for revision 1. */
export const FADT_SIZE = 116;
/** FACS size. */
export const FACS_SIZE = 64;

/** MADT entry types (ACPI 6.5 table 5.21). */
export const MadtEntry = {
  /** Processor local APIC (8 bytes). */
  LocalApic: 0,
  /** I/O APIC (12 bytes). */
  IoApic: 1,
  /** Interrupt source override (10 bytes). */
  InterruptSourceOverride: 2,
  /** Local APIC NMI (6 bytes). */
  LocalApicNmi: 4,
} as const;

/** MPS INTI flags: polarity active-high (bits 0-1 = 01) and trigger level (bits 2-3 = 11). */
const LEVEL_HIGH = 0x000d;

/** A block of I/O ports. */
export interface IoBlock {
  /** First port. */
  readonly port: number;
  /** Length in bytes. */
  readonly length: number;
}

/** The SMI command port and the values written to it to switch ACPI mode. */
export interface SmiCommand {
  /** SMI_CMD port. */
  readonly port: number;
  /** ACPI_ENABLE: the value that turns ACPI mode on. */
  readonly enable: number;
  /** ACPI_DISABLE: the value that turns it off. */
  readonly disable: number;
}

/** A PCI memory window (inclusive end). */
export interface PciMemoryWindow {
  /** First address. */
  readonly base: number;
  /** Last address. */
  readonly end: number;
}

/** Where each table sits in an {@link AcpiTableSet}'s blob. */
export interface AcpiTableOffsets {
  /** FACS (64-byte aligned). */
  readonly facs: number;
  /** DSDT. */
  readonly dsdt: number;
  /** FADT ("FACP"). */
  readonly fadt: number;
  /** MADT ("APIC"). */
  readonly madt: number;
  /** RSDT. */
  readonly rsdt: number;
}

/**
 * The ACPI settings of a PIIX4-style PM function (Intel 82371AB datasheet,
 * section 7: PM1a event block at PMBASE, control at +4, timer at +8, GPE0 at
 * +0x0C; SCI on IRQ 9; SMI command port 0xB2 with 0xF1/0xF0 to enter and
 * leave ACPI mode; SLP_TYP 0 is soft-off). Spread into {@link AcpiConfig}.
 * @param pmIoBase where PMBASE is programmed: 0x600 when SeaBIOS sees an
 * `etc/table-loader` (it then moves its PM base there), else whatever the
 * machine programs for a direct boot
 */
export function piix4AcpiSettings(pmIoBase = 0x600): Omit<AcpiConfig, 'cpus'> {
  return {
    pmIoBase,
    gpe0: { port: pmIoBase + 0x0c, length: 4 },
    sciIrq: 9,
    s5SlpTyp: 0,
    smiCommand: { port: 0xb2, enable: 0xf1, disable: 0xf0 },
  };
}

/** Default PCI memory window: 3.5 GiB up to the I/O APIC (the default E820 PCI hole). */
export const DEFAULT_PCI_MEMORY: PciMemoryWindow = { base: 0xe0000000, end: 0xfebfffff };

/**
 * The host bridge's `_CRS`: bus numbers 0-255, I/O 0-0xCF7 and 0xD00-0xFFFF
 * (0xCF8-0xCFF is the configuration mechanism itself), the VGA window
 * 0xA0000-0xBFFFF and the PCI memory window. Without windows Linux can claim
 * and assign no BAR under an ACPI host bridge.
 */
export function pciRootResources(pciMemory: PciMemoryWindow): Uint8Array {
  return amlBuffer(
    concatBytes([
      wordAddressSpace(ResourceType.BusNumber, 0, 0x00, 0xff),
      wordAddressSpace(ResourceType.Io, 3, 0x0000, 0x0cf7),
      wordAddressSpace(ResourceType.Io, 3, 0x0d00, 0xffff),
      dwordAddressSpace(ResourceType.Memory, 0x03, 0x000a0000, 0x000bffff),
      dwordAddressSpace(ResourceType.Memory, 0x03, pciMemory.base, pciMemory.end),
      endTag(),
    ]),
  );
}

/** A static PCI interrupt route for the DSDT's `_PRT`. */
export interface AcpiPciRoute {
  /** PCI device (slot) number on bus 0. */
  readonly device: number;
  /** Pin: 1 INTA# .. 4 INTD#. */
  readonly pin: 1 | 2 | 3 | 4;
  /** The global system interrupt (I/O APIC input) it reaches. */
  readonly gsi: number;
}

/**
 * The DSDT's AML body:
 * `Name(\_S5, Package() { typ, typ, 0, 0 })` for soft-off, and, unless
 * `pciRoot` is false, `Scope(\_SB) { Device(PCI0) { _HID PNP0A03, _ADR 0,
 * _UID 0, _PRT } }`. With ACPI, Linux finds PCI buses only through such a
 * host bridge device; `_PRT` lists static routes (Source 0, the GSI as
 * SourceIndex), which the OS programs level-triggered, active-low.
 */
export function dsdtAml(
  s5SlpTyp: number,
  pciRoot = true,
  routes: readonly AcpiPciRoute[] = [],
  pciMemory: PciMemoryWindow = DEFAULT_PCI_MEMORY,
): Uint8Array {
  const s5 = amlName('\\_S5', amlPackage([amlInteger(s5SlpTyp), amlInteger(s5SlpTyp), amlInteger(0), amlInteger(0)]));
  if (!pciRoot) return s5;
  const prt = routes.map((r) =>
    amlPackage([amlInteger(((r.device << 16) | 0xffff) >>> 0), amlInteger(r.pin - 1), amlInteger(0), amlInteger(r.gsi)]),
  );
  const pci0 = amlDevice('PCI0', [
    amlName('_HID', amlInteger(eisaId('PNP0A03'))),
    amlName('_ADR', amlInteger(0)),
    amlName('_UID', amlInteger(0)),
    amlName('_CRS', pciRootResources(pciMemory)),
    ...(routes.length ? [amlName('_PRT', amlPackage(prt))] : []),
  ]);
  return concatBytes([s5, amlScope('\\_SB', [pci0])]);
}

/**
 * Build the tables.
 * @throws FirmwareError for out-of-range options
 */
export function buildAcpiTables(config: AcpiConfig): AcpiTableSet {
  const cpus = config.cpus;
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 255) throw new FirmwareError('bad-option', `cpus ${cpus} is not in 1..255`);
  const pm = config.pmIoBase ?? 0x600;
  if (!Number.isInteger(pm) || pm <= 0 || pm > 0xffc0) throw new FirmwareError('bad-option', `pmIoBase 0x${pm.toString(16)} out of range`);
  const sci = config.sciIrq ?? 9;
  if (!Number.isInteger(sci) || sci < 1 || sci > 15 || sci === 2) throw new FirmwareError('bad-option', `sciIrq ${sci} is not an ISA IRQ`);
  const slp = config.s5SlpTyp ?? 0;
  if (!Number.isInteger(slp) || slp < 0 || slp > 7) throw new FirmwareError('bad-option', `s5SlpTyp ${slp} is not 0..7`);
  const ioApicId = config.ioApicId ?? cpus;
  if (ioApicId < 0 || ioApicId > 255) throw new FirmwareError('bad-option', `ioApicId ${ioApicId} out of range`);
  const oem = config.oem ?? { oemId: 'VMVM', oemTableId: 'VMBIOS' };
  const levelIrqs = [...new Set([sci, ...(config.levelIrqs ?? [])])].sort((a, b) => a - b);
  for (const irq of levelIrqs) {
    if (!Number.isInteger(irq) || irq < 1 || irq > 15 || irq === 2) throw new FirmwareError('bad-option', `level IRQ ${irq} is not an ISA IRQ`);
  }

  for (const r of config.pciRoutes ?? []) {
    if (r.device < 0 || r.device > 31 || r.pin < 1 || r.pin > 4 || r.gsi < 0 || r.gsi > 23) {
      throw new FirmwareError('bad-option', `PCI route ${JSON.stringify(r)} out of range`);
    }
  }
  const pciMemory = config.pciMemory ?? DEFAULT_PCI_MEMORY;
  if (pciMemory.base >= pciMemory.end || pciMemory.end > 0xffffffff || pciMemory.base < 0x100000) {
    throw new FirmwareError('bad-option', `pciMemory 0x${pciMemory.base.toString(16)}-0x${pciMemory.end.toString(16)} is not a range above 1 MiB`);
  }
  const aml = dsdtAml(slp, config.pciRoot ?? true, config.pciRoutes ?? [], pciMemory);
  const irq0 = config.irq0Override ?? true;
  const madtEntries = cpus * 8 + 12 + (irq0 ? 10 : 0) + levelIrqs.length * 10 + 6;
  const facsOff = 0;
  const dsdtOff = FACS_SIZE;
  const dsdtLen = SDT_HEADER_SIZE + aml.length;
  const fadtOff = alignUp(dsdtOff + dsdtLen, 8);
  const madtOff = alignUp(fadtOff + FADT_SIZE, 8);
  const madtLen = SDT_HEADER_SIZE + 8 + madtEntries;
  const rsdtOff = alignUp(madtOff + madtLen, 8);
  const rsdtLen = SDT_HEADER_SIZE + 8;
  const t = new Uint8Array(rsdtOff + rsdtLen);
  const pointers: AcpiPointer[] = [];
  const checksums: AcpiChecksum[] = [];
  const pointAt = (file: 'rsdp' | 'tables', offset: number, target: number, into: Uint8Array): void => {
    put32(into, offset, target);
    pointers.push({ file, offset });
  };

  // FACS (section 5.2.10): no checksum, 64-byte aligned.
  putAscii(t, facsOff, 'FACS', 4);
  put32(t, facsOff + 4, FACS_SIZE);

  // DSDT: header + AML.
  writeSdtHeader(t, dsdtOff, 'DSDT', dsdtLen, 1, oem);
  t.set(aml, dsdtOff + SDT_HEADER_SIZE);
  checksums.push({ file: 'tables', offset: dsdtOff + 9, start: dsdtOff, length: dsdtLen });

  // FADT (section 5.2.9), revision 1.
  const F = FadtOffset;
  writeSdtHeader(t, fadtOff, 'FACP', FADT_SIZE, 1, oem);
  pointAt('tables', fadtOff + F.firmwareCtrl, facsOff, t);
  pointAt('tables', fadtOff + F.dsdt, dsdtOff, t);
  put16(t, fadtOff + F.sciInt, sci);
  if (config.smiCommand) {
    put32(t, fadtOff + F.smiCmd, config.smiCommand.port);
    t[fadtOff + F.acpiEnable] = config.smiCommand.enable;
    t[fadtOff + F.acpiDisable] = config.smiCommand.disable;
  }
  put32(t, fadtOff + F.pm1aEvtBlk, pm);
  put32(t, fadtOff + F.pm1aCntBlk, pm + 4);
  put32(t, fadtOff + F.pmTmrBlk, pm + 8);
  t[fadtOff + F.pm1EvtLen] = 4;
  t[fadtOff + F.pm1CntLen] = 2;
  t[fadtOff + F.pmTmrLen] = 4;
  if (config.gpe0) {
    put32(t, fadtOff + F.gpe0Blk, config.gpe0.port);
    t[fadtOff + F.gpe0BlkLen] = config.gpe0.length;
  }
  put16(t, fadtOff + F.pLvl2Lat, 0x0fff); // > 100: C2 not supported
  put16(t, fadtOff + F.pLvl3Lat, 0x0fff); // > 1000: C3 not supported
  t[fadtOff + F.century] = config.rtcCenturyIndex ?? 0x32;
  // WBINVD | PROC_C1 | PWR_BUTTON and SLP_BUTTON as control methods (none) | TMR_VAL_EXT
  put32(t, fadtOff + F.flags, (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5) | (config.pmTimer32Bit ? 1 << 8 : 0));
  checksums.push({ file: 'tables', offset: fadtOff + 9, start: fadtOff, length: FADT_SIZE });

  // MADT (section 5.2.12).
  writeSdtHeader(t, madtOff, 'APIC', madtLen, 1, oem);
  put32(t, madtOff + 36, config.localApicAddress ?? LAPIC_BASE);
  put32(t, madtOff + 40, 1); // PCAT_COMPAT: dual 8259s present
  let at = madtOff + 44;
  for (let i = 0; i < cpus; i++) {
    t.set([MadtEntry.LocalApic, 8, i, i], at);
    put32(t, at + 4, 1); // enabled
    at += 8;
  }
  t.set([MadtEntry.IoApic, 12, ioApicId, 0], at);
  put32(t, at + 4, config.ioApicAddress ?? IOAPIC_BASE);
  put32(t, at + 8, 0); // GSI base
  at += 12;
  const override = (irq: number, gsi: number, flags: number): void => {
    t.set([MadtEntry.InterruptSourceOverride, 10, 0 /* ISA */, irq], at);
    put32(t, at + 4, gsi);
    put16(t, at + 8, flags);
    at += 10;
  };
  if (irq0) override(0, 2, 0);
  for (const irq of levelIrqs) override(irq, irq, LEVEL_HIGH);
  t.set([MadtEntry.LocalApicNmi, 6, 0xff], at); // all processors
  put16(t, at + 3, 0); // flags: conform to bus
  t[at + 5] = 1; // LINT1
  at += 6;
  checksums.push({ file: 'tables', offset: madtOff + 9, start: madtOff, length: madtLen });

  // RSDT (section 5.2.7).
  writeSdtHeader(t, rsdtOff, 'RSDT', rsdtLen, 1, oem);
  pointAt('tables', rsdtOff + 36, fadtOff, t);
  pointAt('tables', rsdtOff + 40, madtOff, t);
  checksums.push({ file: 'tables', offset: rsdtOff + 9, start: rsdtOff, length: rsdtLen });

  // RSDP (section 5.2.5), ACPI 1.0: 20 bytes, revision 0.
  const rsdp = new Uint8Array(20);
  putAscii(rsdp, 0, 'RSD PTR ', 8);
  putAscii(rsdp, 9, oem.oemId, 6);
  rsdp[15] = 0;
  pointAt('rsdp', 16, rsdtOff, rsdp);
  checksums.push({ file: 'rsdp', offset: 8, start: 0, length: 20 });

  return {
    rsdp,
    tables: t,
    pointers,
    checksums,
    offsets: { facs: facsOff, dsdt: dsdtOff, fadt: fadtOff, madt: madtOff, rsdt: rsdtOff },
  };
}

/** A placed table set: final bytes for fixed addresses. */
export interface PlacedAcpiTables {
  /** RSDP bytes (for the address given). */
  readonly rsdp: Uint8Array;
  /** The tables blob, pointers made absolute. */
  readonly tables: Uint8Array;
  /** RSDP address. */
  readonly rsdpAddress: number;
  /** Tables address (64-byte aligned). */
  readonly tablesAddress: number;
}

/**
 * Fix a table set at addresses: add `tablesAddress` to every pointer and
 * fill in every checksum. The RSDP belongs 16-byte aligned in
 * 0xE0000..0xFFFFF (or the first KiB of the EBDA), where OSes search for it.
 * @throws FirmwareError for misaligned addresses
 */
export function placeAcpiTables(set: AcpiTableSet, rsdpAddress: number, tablesAddress: number): PlacedAcpiTables {
  if (rsdpAddress % 16 !== 0) throw new FirmwareError('bad-option', `RSDP address 0x${rsdpAddress.toString(16)} is not 16-byte aligned`);
  if (tablesAddress % 64 !== 0) throw new FirmwareError('bad-option', `ACPI tables address 0x${tablesAddress.toString(16)} is not 64-byte aligned (FACS)`);
  const files = { rsdp: set.rsdp.slice(), tables: set.tables.slice() };
  for (const p of set.pointers) {
    const b = files[p.file];
    const v = (b[p.offset]! | (b[p.offset + 1]! << 8) | (b[p.offset + 2]! << 16) | (b[p.offset + 3]! << 24)) >>> 0;
    put32(b, p.offset, (v + tablesAddress) >>> 0);
  }
  for (const c of set.checksums) {
    const b = files[c.file];
    b[c.offset] = 0;
    let sum = 0;
    for (let i = c.start; i < c.start + c.length; i++) sum = (sum + b[i]!) & 0xff;
    b[c.offset] = (0x100 - sum) & 0xff;
  }
  return { rsdp: files.rsdp, tables: files.tables, rsdpAddress, tablesAddress };
}

