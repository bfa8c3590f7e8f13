/**
 * Intel MultiProcessor Specification 1.4 tables (chapter 4): the 16-byte
 * floating pointer an OS finds by scanning 0xF0000..0xFFFFF, and the
 * configuration table it points to, with processor, bus, I/O APIC, I/O
 * interrupt and local interrupt entries.
 *
 * @module
 */

import { fixChecksum, put16, put32, putAscii } from '../bytes.js';
import { FirmwareError } from '../errors.js';
import { IOAPIC_BASE, LAPIC_BASE } from './e820.js';

/** Configuration table entry types (MP spec table 4-3). */
export const MpEntry = {
  /** A processor (20 bytes). */
  Processor: 0,
  /** A bus (8 bytes). */
  Bus: 1,
  /** An I/O APIC (8 bytes). */
  IoApic: 2,
  /** An I/O interrupt assignment (8 bytes). */
  IoInterrupt: 3,
  /** A local interrupt assignment (8 bytes). */
  LocalInterrupt: 4,
} as const;

/** Interrupt types of interrupt entries (MP spec table 4-10). */
export const MpIntType = {
  /** A vectored interrupt. */
  Int: 0,
  /** A non-maskable interrupt. */
  Nmi: 1,
  /** A system management interrupt. */
  Smi: 2,
  /** A vectored interrupt from an external 8259. */
  ExtInt: 3,
} as const;

/** A PCI function's interrupt pin wired to an I/O APIC input. */
export interface MpPciInterrupt {
  /** PCI device (slot) number on bus 0. */
  readonly device: number;
  /** Pin: 1 INTA# .. 4 INTD#. */
  readonly pin: 1 | 2 | 3 | 4;
  /** I/O APIC input (INTIN#) it reaches; with a PIIX this is the ISA IRQ the PIRQ routes to. */
  readonly ioApicPin: number;
}

/** What the MP tables describe. */
export interface MpConfig {
  /** Number of processors (local APIC IDs 0..cpus-1; CPU 0 is the bootstrap processor). */
  readonly cpus: number;
  /** CPUID(1).EAX for processor entries (default 0x0683, a Pentium III). */
  readonly cpuSignature?: number;
  /** CPUID(1).EDX for processor entries (default FPU | TSC | CX8 | APIC | CMOV: 0x00008311). */
  readonly cpuFeatures?: number;
  /** Local APIC version (default 0x14). */
  readonly localApicVersion?: number;
  /** I/O APIC ID (default `cpus`). */
  readonly ioApicId?: number;
  /** I/O APIC version (default 0x11, the 82093AA). */
  readonly ioApicVersion?: number;
  /** I/O APIC base (default 0xFEC00000). */
  readonly ioApicAddress?: number;
  /** Local APIC base (default 0xFEE00000). */
  readonly localApicAddress?: number;
  /** Describe PCI bus 0 (default true). */
  readonly pciBus?: boolean;
  /** PCI interrupt assignments (level, active-high as a PIIX routes them). */
  readonly pciInterrupts?: readonly MpPciInterrupt[];
  /** Route ISA IRQ 0 to INTIN2 and leave ISA IRQ 2 out (default true). */
  readonly irq0Override?: boolean;
  /** ISA IRQs that get no ISA entry because PCI uses them (default: the PCI interrupts' pins). */
  readonly pciIsaIrqs?: readonly number[];
  /** The ACPI SCI's ISA IRQ, given a level/active-high entry (default 9; -1 for none). */
  readonly sciIrq?: number;
}

/** The two MP structures, for fixed addresses. */
export interface MpTables {
  /** The 16-byte floating pointer (place 16-byte aligned in 0xF0000..0xFFFFF). */
  readonly floating: Uint8Array;
  /** The configuration table (place at the address given to {@link buildMpTables}). */
  readonly config: Uint8Array;
}

/** Configuration table header offsets (MP spec table 4-2). */
export const MpConfigOffset = {
  /** "PCMP". */
  signature: 0,
  /** base table length (u16). */
  length: 4,
  /** specification revision (u8): 4 for 1.4. */
  specRev: 6,
  /** checksum (u8). */
  checksum: 7,
  /** OEM ID (8 chars). */
  oemId: 8,
  /** product ID (12 chars). */
  productId: 16,
  /** entry count (u16). */
  entryCount: 34,
  /** local APIC address (u32). */
  localApicAddress: 36,
} as const;

const LEVEL_HIGH = 0x000d; // trigger level (bits 2-3 = 11), polarity high (bits 0-1 = 01)

/**
 * Build the floating pointer and the configuration table for a config table
 * at `configAddress`.
 * @throws FirmwareError for out-of-range options
 */
export function buildMpTables(config: MpConfig, configAddress: number): MpTables {
  const cpus = config.cpus;
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 254) throw new FirmwareError('bad-option', `cpus ${cpus} is not in 1..254`);
  const ioApicId = config.ioApicId ?? cpus;
  const pci = config.pciBus ?? true;
  const pciInts = config.pciInterrupts ?? [];
  for (const p of pciInts) {
    if (p.device < 0 || p.device > 31 || p.pin < 1 || p.pin > 4 || p.ioApicPin < 0 || p.ioApicPin > 23) {
      throw new FirmwareError('bad-option', `PCI interrupt ${JSON.stringify(p)} out of range`);
    }
  }
  if (pciInts.length > 0 && !pci) throw new FirmwareError('bad-option', 'pciInterrupts given without a PCI bus');
  const pciBusId = 0;
  const isaBusId = pci ? 1 : 0;
  const irq0 = config.irq0Override ?? true;
  const sci = config.sciIrq ?? 9;
  const taken = new Set(config.pciIsaIrqs ?? pciInts.map((p) => p.ioApicPin).filter((n) => n < 16));

  const entries: Uint8Array[] = [];
  const entry = (size: number, fill: (b: Uint8Array) => void): void => {
    const b = new Uint8Array(size);
    fill(b);
    entries.push(b);
  };
  for (let i = 0; i < cpus; i++) {
    entry(20, (b) => {
      b[0] = MpEntry.Processor;
      b[1] = i;
      b[2] = config.localApicVersion ?? 0x14;
      b[3] = 0x01 | (i === 0 ? 0x02 : 0); // enabled, bootstrap processor
      put32(b, 4, config.cpuSignature ?? 0x0683);
      put32(b, 8, config.cpuFeatures ?? 0x00008311);
    });
  }
  if (pci) {
    entry(8, (b) => {
      b[0] = MpEntry.Bus;
      b[1] = pciBusId;
      putAscii(b, 2, 'PCI', 6);
    });
  }
  entry(8, (b) => {
    b[0] = MpEntry.Bus;
    b[1] = isaBusId;
    putAscii(b, 2, 'ISA', 6);
  });
  entry(8, (b) => {
    b[0] = MpEntry.IoApic;
    b[1] = ioApicId;
    b[2] = config.ioApicVersion ?? 0x11;
    b[3] = 0x01; // usable
    put32(b, 4, config.ioApicAddress ?? IOAPIC_BASE);
  });
  const intr = (type: number, kind: number, flags: number, bus: number, busIrq: number, dest: number, destPin: number): void =>
    entry(8, (b) => {
      b[0] = type;
      b[1] = kind;
      put16(b, 2, flags);
      b[4] = bus;
      b[5] = busIrq;
      b[6] = dest;
      b[7] = destPin;
    });
  for (const p of pciInts) intr(MpEntry.IoInterrupt, MpIntType.Int, LEVEL_HIGH, pciBusId, (p.device << 2) | (p.pin - 1), ioApicId, p.ioApicPin);
  // The 8259's output on INTIN0 (virtual wire through the I/O APIC); without
  // the IRQ0 override, INTIN0 is the timer's instead.
  if (irq0) intr(MpEntry.IoInterrupt, MpIntType.ExtInt, 0, isaBusId, 0, ioApicId, 0);
  for (let irq = 0; irq < 16; irq++) {
    if (taken.has(irq) && irq !== sci) continue;
    if (irq0 && irq === 2) continue;
    const pin = irq0 && irq === 0 ? 2 : irq;
    intr(MpEntry.IoInterrupt, MpIntType.Int, irq === sci ? LEVEL_HIGH : 0, isaBusId, irq, ioApicId, pin);
  }
  intr(MpEntry.LocalInterrupt, MpIntType.ExtInt, 0, isaBusId, 0, 0xff, 0); // LINT0
  intr(MpEntry.LocalInterrupt, MpIntType.Nmi, 0, isaBusId, 0, 0xff, 1); // LINT1

  let length = 44;
  for (const e of entries) length += e.length;
  const t = new Uint8Array(length);
  const O = MpConfigOffset;
  putAscii(t, O.signature, 'PCMP', 4);
  put16(t, O.length, length);
  t[O.specRev] = 4;
  putAscii(t, O.oemId, 'VMVM', 8);
  putAscii(t, O.productId, 'VM PC', 12);
  put16(t, O.entryCount, entries.length);
  put32(t, O.localApicAddress, config.localApicAddress ?? LAPIC_BASE);
  let at = 44;
  for (const e of entries) {
    t.set(e, at);
    at += e.length;
  }
  fixChecksum(t, O.checksum, 0, length);

  // Floating pointer (MP spec table 4-1).
  const f = new Uint8Array(16);
  putAscii(f, 0, '_MP_', 4);
  put32(f, 4, configAddress);
  f[8] = 1; // length in 16-byte units
  f[9] = 4; // spec revision 1.4
  f[11] = 0; // feature byte 1: a configuration table is present
  f[12] = 0; // IMCRP clear: virtual wire mode
  fixChecksum(f, 10, 0, 16);
  return { floating: f, config: t };
}
