/**
 * A 64 KiB "BIOS" that does nothing but put the CPU into a loader's entry
 * state: from the reset vector it loads the GDT, sets CR0.PE, far-jumps to
 * 32-bit code that loads the segment and general registers, and jumps to
 * the entry point. With the firmware tables in its first 60 KiB (the
 * F-segment, where OSes scan for them), it lets any PC model, from a bare
 * CPU with RAM to QEMU's `-bios`, boot a kernel placed by {@link loadLinux}
 * or {@link loadMultiboot} without touching CPU registers from outside.
 *
 * @module
 */

import { put16, put32 } from '../bytes.js';
import type { CpuEntryState } from '../cpu-entry.js';
import { FirmwareError } from '../errors.js';

/** Size of the stub ROM. */
export const ENTRY_STUB_ROM_SIZE = 0x10000;
/** Where in the ROM the code starts; the F-segment below it is free for tables. */
export const ENTRY_STUB_CODE_OFFSET = 0xf000;
/** Linear address the ROM's F-segment alias starts at. */
const SEGMENT_BASE = 0xf0000;

/** One `OUT` the stub performs before entering the kernel (chipset setup a BIOS would do). */
export interface PortWrite {
  /** I/O port. */
  readonly port: number;
  /** Value. */
  readonly value: number;
  /** Access width in bytes. */
  readonly width: 1 | 2 | 4;
}

/** Options of {@link entryStubRom}. */
export interface EntryStubOptions {
  /**
   * Bytes for ROM offset 0 (linear 0xF0000), at most 60 KiB: e.g.
   * `buildBiosTables({ ..., size: 0xF000 }).mapping.bytes`.
   */
  readonly tables?: Uint8Array;
  /**
   * Port writes done in real mode before the switch, in order: e.g. PCI
   * configuration writes through 0xCF8/0xCFC that steer the PIIX3 PIRQs or
   * set the PM base, as a BIOS would have.
   */
  readonly portWrites?: readonly PortWrite[];
}

/**
 * Build the stub ROM for `entry`. The GDT that `entry.gdtr` names must
 * already be in guest memory (the loaders write it).
 * @throws FirmwareError if the tables or port writes do not fit
 */
export function entryStubRom(entry: CpuEntryState, options: EntryStubOptions = {}): Uint8Array {
  const tables = options.tables;
  const rom = new Uint8Array(ENTRY_STUB_ROM_SIZE);
  if (tables) {
    if (tables.length > ENTRY_STUB_CODE_OFFSET) {
      throw new FirmwareError('no-room', `tables of ${tables.length} bytes do not fit below the stub code (0x${ENTRY_STUB_CODE_OFFSET.toString(16)})`);
    }
    rom.set(tables, 0);
  }
  let at = ENTRY_STUB_CODE_OFFSET;
  const emit = (...bytes: number[]): void => {
    rom.set(bytes, at);
    at += bytes.length;
  };
  const imm32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const imm16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];

  // The 6-byte GDTR pseudo-descriptor, read with a CS override in real mode.
  const gdtrOff = at;
  put16(rom, at, entry.gdtr.limit);
  put32(rom, at + 2, entry.gdtr.base);
  at += 8;

  // 16-bit real mode, entered as F000:<code> from the reset vector.
  const code16 = at;
  emit(0xfa); // cli
  emit(0xfc); // cld
  for (const w of options.portWrites ?? []) {
    if (!Number.isInteger(w.port) || w.port < 0 || w.port > 0xffff) throw new FirmwareError('bad-option', `port 0x${w.port.toString(16)} out of range`);
    if (at > ENTRY_STUB_ROM_SIZE - 0x200) throw new FirmwareError('no-room', 'too many port writes for the stub ROM');
    emit(0xba, ...imm16(w.port)); // mov dx, port
    if (w.width === 1) emit(0xb0, w.value & 0xff, 0xee); // mov al, v; out dx, al
    else if (w.width === 2) emit(0xb8, ...imm16(w.value), 0xef); // mov ax, v; out dx, ax
    else emit(0x66, 0xb8, ...imm32(w.value >>> 0), 0x66, 0xef); // mov eax, v; out dx, eax
  }
  emit(0x66, 0x2e, 0x0f, 0x01, 0x16, ...imm16(gdtrOff)); // o32 lgdt cs:[gdtr] (32-bit base)
  emit(0x0f, 0x20, 0xc0); // mov eax, cr0
  emit(0x66, 0x83, 0xc8, 0x01); // or eax, 1 (PE)
  emit(0x0f, 0x22, 0xc0); // mov cr0, eax
  const farJump = at;
  emit(0x66, 0xea, 0, 0, 0, 0, ...imm16(entry.cs.selector)); // jmp far dword cs:pm32
  const pm32 = at;
  put32(rom, farJump + 2, SEGMENT_BASE + pm32);

  // 32-bit protected mode: segment registers, then general registers, then the entry.
  const sreg = (selector: number, modrm: number): void => {
    emit(0x66, 0xb8, ...imm16(selector)); // mov ax, selector
    emit(0x8e, modrm); // mov sreg, ax
  };
  sreg(entry.ds.selector, 0xd8);
  sreg(entry.es.selector, 0xc0);
  sreg(entry.fs.selector, 0xe0);
  sreg(entry.gs.selector, 0xe8);
  sreg(entry.ss.selector, 0xd0);
  emit(0xbc, ...imm32(entry.esp)); // mov esp
  emit(0xbb, ...imm32(entry.ebx)); // mov ebx
  emit(0xb9, ...imm32(entry.ecx)); // mov ecx
  emit(0xba, ...imm32(entry.edx)); // mov edx
  emit(0xbe, ...imm32(entry.esi)); // mov esi
  emit(0xbf, ...imm32(entry.edi)); // mov edi
  emit(0xbd, ...imm32(entry.ebp)); // mov ebp
  emit(0xb8, ...imm32(entry.eax)); // mov eax
  emit(0xea, ...imm32(entry.eip), ...imm16(entry.cs.selector)); // jmp far cs:eip

  // Reset vector at 0xFFFF0: jmp far F000:code16.
  rom.set([0xea, ...imm16(code16), ...imm16(0xf000)], ENTRY_STUB_ROM_SIZE - 16);
  return rom;
}

/**
 * Port writes for one PCI configuration-space write through configuration
 * mechanism #1 (PCI Local Bus spec 3.0, section 3.2.2.3.2): the address to
 * 0xCF8, then the data to 0xCFC + (register & 3).
 */
export function pciConfigWrite(device: number, fn: number, register: number, value: number, width: 1 | 2 | 4, bus = 0): PortWrite[] {
  const address = (0x80000000 | (bus << 16) | (device << 11) | (fn << 8) | (register & 0xfc)) >>> 0;
  return [
    { port: 0xcf8, value: address, width: 4 },
    { port: 0xcfc + (register & 3), value, width },
  ];
}

/** Options of {@link piixFirmwareSetup}. */
export interface PiixSetupOptions {
  /** ISA IRQs for PIRQA#..D# (default SeaBIOS's 10, 10, 11, 11). */
  readonly pirqIrqs?: readonly number[];
  /** PIIX4 PM I/O base to program (function 1:3, PMBASE); omit to leave the PM function alone. */
  readonly pmIoBase?: number;
}

/**
 * What SeaBIOS does to a PIIX3/PIIX4 board that a direct boot must do
 * instead, as port writes for {@link entryStubRom}: steer PIRQA#..D# to ISA
 * IRQs (PIIX3 PIRQRC, 00:01.0 registers 0x60-0x63), make those IRQs
 * level-triggered in the ELCR (ports 0x4D0/0x4D1), and map the PIIX4 PM
 * registers at `pmIoBase` (00:01.3 PMBASE 0x40, PMREGMISC 0x80 bit 0).
 */
export function piixFirmwareSetup(options: PiixSetupOptions = {}): PortWrite[] {
  const irqs = options.pirqIrqs ?? [10, 10, 11, 11];
  if (irqs.length !== 4) throw new FirmwareError('bad-option', `pirqIrqs needs 4 IRQs, got ${irqs.length}`);
  let elcr = 0;
  for (const irq of irqs) elcr |= 1 << irq;
  const pirqrc = (irqs[0]! | (irqs[1]! << 8) | (irqs[2]! << 16) | (irqs[3]! << 24)) >>> 0;
  const writes: PortWrite[] = [
    ...pciConfigWrite(1, 0, 0x60, pirqrc, 4),
    { port: 0x4d0, value: elcr & 0xff, width: 1 },
    { port: 0x4d1, value: (elcr >> 8) & 0xff, width: 1 },
  ];
  if (options.pmIoBase !== undefined) {
    writes.push(...pciConfigWrite(1, 3, 0x40, options.pmIoBase | 1, 4), ...pciConfigWrite(1, 3, 0x80, 1, 1));
  }
  return writes;
}
