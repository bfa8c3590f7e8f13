/**
 * The CPU state a loader hands over: what the machine loads into the boot
 * CPU before it runs the first guest instruction. Plain data, so any CPU
 * model can apply it.
 *
 * @module
 */

import { put16, writeGuest } from './bytes.js';
import type { DmaSpace } from '@vm/bus';

/** A segment register with its hidden descriptor cache. */
export interface SegmentState {
  /** Visible selector (GDT index * 8). */
  readonly selector: number;
  /** Linear base address. */
  readonly base: number;
  /** Byte-granular limit (0xffffffff for a flat 4 GiB segment). */
  readonly limit: number;
  /**
   * Descriptor attributes as in the descriptor's bytes 5 and 6: bits 0-7 the
   * access byte (type, S, DPL, P) and bits 12-15 the flags (AVL, L, D/B, G).
   * 0xC09B is a flat 32-bit execute/read code segment, 0xC093 a flat
   * read/write data segment.
   */
  readonly attributes: number;
}

/** A descriptor-table register (GDTR/IDTR). */
export interface TableRegister {
  /** Linear base address. */
  readonly base: number;
  /** Limit (size in bytes minus one). */
  readonly limit: number;
}

/** 32-bit protected-mode entry state (paging off, interrupts off). */
export interface CpuEntryState {
  /** Always `'protected32'`: CR0.PE set, CR0.PG clear, 32-bit code segment. */
  readonly mode: 'protected32';
  /** Entry point. */
  readonly eip: number;
  /** EFLAGS: 0x2 (reserved bit 1 only; IF clear, so interrupts are off). */
  readonly eflags: number;
  /** CR0: PE set (bit 0), plus ET (bit 4) as on any CPU with an FPU. */
  readonly cr0: number;
  /** General registers. */
  readonly eax: number;
  /** General registers. */
  readonly ebx: number;
  /** General registers. */
  readonly ecx: number;
  /** General registers. */
  readonly edx: number;
  /** General registers. */
  readonly esi: number;
  /** General registers. */
  readonly edi: number;
  /** General registers. */
  readonly ebp: number;
  /** General registers. */
  readonly esp: number;
  /** Code segment. */
  readonly cs: SegmentState;
  /** Data segments. */
  readonly ds: SegmentState;
  /** Data segments. */
  readonly es: SegmentState;
  /** Data segments. */
  readonly fs: SegmentState;
  /** Data segments. */
  readonly gs: SegmentState;
  /** Stack segment. */
  readonly ss: SegmentState;
  /** GDTR: points at the boot GDT the loader wrote into guest memory. */
  readonly gdtr: TableRegister;
  /** IDTR: empty (limit 0); the guest must load its own before enabling interrupts. */
  readonly idtr: TableRegister;
}

/** Selector of the flat code segment in the boot GDT (Linux's `__BOOT_CS`). */
export const BOOT_CS = 0x10;
/** Selector of the flat data segment in the boot GDT (Linux's `__BOOT_DS`). */
export const BOOT_DS = 0x18;
/** Size of the boot GDT: null, unused, code, data. */
export const BOOT_GDT_SIZE = 32;

/** Flat 4 GiB execute/read code: P, DPL 0, S, type 0xB; G and D set. */
const CODE_ATTR = 0xc09b;
/** Flat 4 GiB read/write data: P, DPL 0, S, type 0x3; G and B set. */
const DATA_ATTR = 0xc093;

function writeDescriptor(b: Uint8Array, off: number, attr: number): void {
  // base 0, limit 0xFFFFF pages (Intel SDM vol. 3 section 3.4.5, figure 3-8)
  put16(b, off, 0xffff);
  put16(b, off + 2, 0);
  b[off + 4] = 0;
  b[off + 5] = attr & 0xff;
  b[off + 6] = ((attr >>> 8) & 0xf0) | 0x0f;
  b[off + 7] = 0;
}

/**
 * The boot GDT's bytes: entries 0 and 1 null, 2 (0x10) flat code, 3 (0x18)
 * flat data, the layout Linux's boot protocol names.
 */
export function bootGdtBytes(): Uint8Array {
  const b = new Uint8Array(BOOT_GDT_SIZE);
  writeDescriptor(b, BOOT_CS, CODE_ATTR);
  writeDescriptor(b, BOOT_DS, DATA_ATTR);
  return b;
}

/** General registers for {@link flatProtectedModeEntry}; unspecified ones are 0. */
export interface EntryRegisters {
  /** EAX. */
  readonly eax?: number;
  /** EBX. */
  readonly ebx?: number;
  /** ECX. */
  readonly ecx?: number;
  /** EDX. */
  readonly edx?: number;
  /** ESI. */
  readonly esi?: number;
  /** EDI. */
  readonly edi?: number;
  /** EBP. */
  readonly ebp?: number;
  /** ESP. */
  readonly esp?: number;
}

/**
 * Write the boot GDT at `gdtBase` and return the entry state for flat 32-bit
 * protected mode: CS = 0x10 and DS/ES/FS/GS/SS = 0x18, all base 0 limit 4 GiB,
 * paging and interrupts off.
 * @throws FirmwareError if the GDT cannot be written
 */
export function flatProtectedModeEntry(
  mem: DmaSpace,
  gdtBase: number,
  eip: number,
  regs: EntryRegisters,
): CpuEntryState {
  writeGuest(mem, gdtBase, bootGdtBytes(), 'boot GDT');
  const code: SegmentState = { selector: BOOT_CS, base: 0, limit: 0xffffffff, attributes: CODE_ATTR };
  const data: SegmentState = { selector: BOOT_DS, base: 0, limit: 0xffffffff, attributes: DATA_ATTR };
  return {
    mode: 'protected32',
    eip: eip >>> 0,
    eflags: 0x2,
    cr0: 0x11,
    eax: (regs.eax ?? 0) >>> 0,
    ebx: (regs.ebx ?? 0) >>> 0,
    ecx: (regs.ecx ?? 0) >>> 0,
    edx: (regs.edx ?? 0) >>> 0,
    esi: (regs.esi ?? 0) >>> 0,
    edi: (regs.edi ?? 0) >>> 0,
    ebp: (regs.ebp ?? 0) >>> 0,
    esp: (regs.esp ?? 0) >>> 0,
    cs: code,
    ds: data,
    es: data,
    fs: data,
    gs: data,
    ss: data,
    gdtr: { base: gdtBase >>> 0, limit: BOOT_GDT_SIZE - 1 },
    idtr: { base: 0, limit: 0 },
  };
}

