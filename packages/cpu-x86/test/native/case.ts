/**
 * The shape of one differential case and the layout both sides agree on:
 * where the code and the data area live in the flat 32-bit address space,
 * which flags a case controls, and the helpers the class generators share.
 */
import { Asm, GPRS } from './asm.js';
import type { Prng } from './prng.js';

/** Linear (= physical) address of the code; 0x00100000 is free in a 32-bit Linux process. */
export const CODE_ADDR = 0x00100000;
/** Largest code sequence a case may have. */
export const CODE_MAX = 240;
/**
 * Linear address of the data area. It straddles a page boundary (0x00102000)
 * so that accesses crossing pages are exercised; it is 16-byte aligned for
 * aligned SSE operands.
 */
export const DATA_ADDR = 0x00101f80;
/** Size of the data area compared after each case. */
export const DATA_SIZE = 256;

/** EFLAGS bits. */
export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
/** The status flags plus DF: what a case sets before and compares after. */
export const CONTROLLED = CF | PF | AF | ZF | SF | DF | OF;
/** The six arithmetic status flags. */
export const STATUS = CF | PF | AF | ZF | SF | OF;

/** CPU features a case needs (CPUID.1:EDX bits). */
export const Feature = {
  FPU: 1 << 0,
  CX8: 1 << 8,
  CMOV: 1 << 15,
  MMX: 1 << 23,
  FXSR: 1 << 24,
  SSE: 1 << 25,
  SSE2: 1 << 26,
} as const;

/** One differential case. */
export interface NativeCase {
  /** Instruction class (the summary groups by it). */
  readonly cls: string;
  /** What the case does, e.g. `adc word [ebx+0x10], si`. */
  readonly name: string;
  /** Encoded instructions, run from {@link CODE_ADDR}; execution ends when EIP reaches its end. */
  readonly code: Uint8Array;
  /** Initial EAX..EDI in encoding order (index 4, ESP, is ignored). */
  readonly regs: Uint32Array;
  /** Initial EFLAGS (only {@link CONTROLLED} bits and bit 1). */
  readonly eflags: number;
  /** Initial data area ({@link DATA_SIZE} bytes at {@link DATA_ADDR}). */
  readonly data: Uint8Array;
  /** EFLAGS bits compared afterwards (controlled bits minus the undefined ones). */
  readonly flagsMask: number;
  /** Per-register compare masks (8 entries, index 4 unused); all ones when absent. */
  readonly regMask?: Uint32Array;
  /** Per-byte compare masks of the data area; all ones when absent. */
  readonly dataMask?: Uint8Array;
  /** {@link Feature} bits the case needs; skipped (and counted) when the emulator lacks them. */
  readonly requires: number;
}

/** Mutable case under construction. */
export interface CaseDraft {
  cls: string;
  name: string;
  asm: Asm;
  regs: Uint32Array;
  eflags: number;
  data: Uint8Array;
  undefFlags: number;
  regMask: Uint32Array | undefined;
  dataMask: Uint8Array | undefined;
  requires: number;
}

/** Values near the edges where carries, overflows and sign changes happen. */
const EDGE32 = [
  0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001,
  0xfffffffe, 0xffffffff, 0xff, 0xff00, 0x00ff00ff, 0x55555555, 0xaaaaaaaa, 0x0f0f0f0f, 0x12345678,
];

/** A 32-bit operand value: half the time an edge value (optionally near it), else uniform. */
export function operand(rng: Prng): number {
  const k = rng.below(8);
  if (k < 3) return rng.pick(EDGE32) >>> 0;
  if (k === 3) return (rng.pick(EDGE32) + rng.range(-2, 2)) >>> 0;
  if (k === 4) {
    // Byte/word edges replicated so 8- and 16-bit operands see them too.
    const b = rng.pick([0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x81]);
    return ((b * 0x01010101) ^ (rng.chance(0.5) ? 0 : rng.u32() & 0xff00ff00)) >>> 0;
  }
  if (k === 5) return rng.below(0x100);
  return rng.u32();
}

/** Random controlled flags (status flags and, when `withDf`, DF). */
export function randomFlags(rng: Prng, withDf: boolean): number {
  let f = 0x2;
  for (const b of [CF, PF, AF, ZF, SF, OF]) if (rng.chance(0.5)) f |= b;
  if (withDf && rng.chance(0.5)) f |= DF;
  return f;
}

/** Start a case with random registers, flags and data. */
export function draft(rng: Prng, cls: string, name = ''): CaseDraft {
  const regs = new Uint32Array(8);
  for (const g of GPRS) regs[g] = operand(rng);
  regs[4] = 0;
  const data = new Uint8Array(DATA_SIZE);
  rng.fill(data);
  return {
    cls,
    name,
    asm: new Asm(),
    regs,
    eflags: randomFlags(rng, true),
    data,
    undefFlags: 0,
    regMask: undefined,
    dataMask: undefined,
    requires: 0,
  };
}

/** Mark bits of register `reg` as undefined (not compared). */
export function maskReg(d: CaseDraft, reg: number, bits: number): void {
  if (!d.regMask) d.regMask = new Uint32Array(8).fill(0xffffffff);
  d.regMask[reg] = (d.regMask[reg] as number) & ~bits;
}

/** Mark bytes of the data area as undefined. */
export function maskData(d: CaseDraft, offset: number, length: number, bits = 0xff): void {
  if (!d.dataMask) d.dataMask = new Uint8Array(DATA_SIZE).fill(0xff);
  for (let i = 0; i < length; i++) d.dataMask[offset + i] = (d.dataMask[offset + i] as number) & ~bits;
}

/** Write a little-endian value of `bytes` bytes into the draft's data area. */
export function poke(d: CaseDraft, offset: number, value: number, bytes: number): void {
  for (let i = 0; i < bytes; i++) d.data[offset + i] = (value >>> (8 * i)) & 0xff;
}

/** Finish a draft. */
export function finish(d: CaseDraft): NativeCase {
  const code = d.asm.code();
  if (code.length > CODE_MAX) throw new Error(`case ${d.name}: code too long (${code.length})`);
  const c: NativeCase = {
    cls: d.cls,
    name: d.name,
    code,
    regs: d.regs,
    eflags: d.eflags,
    data: d.data,
    flagsMask: CONTROLLED & ~d.undefFlags,
    requires: d.requires,
    ...(d.regMask ? { regMask: d.regMask } : {}),
    ...(d.dataMask ? { dataMask: d.dataMask } : {}),
  };
  return c;
}
