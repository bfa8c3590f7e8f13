/**
 * 128-bit scratch registers with every lane view, and the moves between them
 * and the MMX/XMM register files or guest memory. SIMD instructions work on a
 * destination and a source {@link Lanes} (2 dwords for MMX, 4 for XMM), then
 * write the destination back.
 *
 * @module
 */

import type { Cpu } from '../cpu.js';
import type { FloatingPointUnit } from '../fpu/floating-point-unit.js';

/** One 16-byte value seen as every lane type. */
export class Lanes {
  /** The bytes. */
  readonly buf = new ArrayBuffer(16);
  /** Signed dwords. */
  readonly i32 = new Int32Array(this.buf);
  /** Unsigned dwords. */
  readonly u32 = new Uint32Array(this.buf);
  /** Signed words. */
  readonly i16 = new Int16Array(this.buf);
  /** Unsigned words. */
  readonly u16 = new Uint16Array(this.buf);
  /** Signed bytes. */
  readonly i8 = new Int8Array(this.buf);
  /** Unsigned bytes. */
  readonly u8 = new Uint8Array(this.buf);
  /** Singles. */
  readonly f32 = new Float32Array(this.buf);
  /** Doubles. */
  readonly f64 = new Float64Array(this.buf);
}

/** Destination scratch. */
export const D = new Lanes();
/** Source scratch. */
export const S = new Lanes();
/** Spare scratch for results built from both. */
export const T = new Lanes();

/** ModRM reg field. */
export function regOf(cpu: Cpu): number {
  return (cpu.modrm >> 3) & 7;
}

/** Load MMX register r into `l` (2 dwords). */
export function getMmx(unit: FloatingPointUnit, r: number, l: Lanes): void {
  l.i32[0] = unit.fpu.mmxLo(r);
  l.i32[1] = unit.fpu.mmxHi(r);
}

/** Store `l`'s low qword into MMX register r (TOP = 0, all tags valid). */
export function setMmx(unit: FloatingPointUnit, r: number, l: Lanes): void {
  unit.fpu.mmxWrite(r, l.i32[0]!, l.i32[1]!);
}

/** Load XMM register r into `l`. */
export function getXmm(unit: FloatingPointUnit, r: number, l: Lanes): void {
  const x = unit.xmm;
  const b = r << 2;
  l.i32[0] = x[b]!;
  l.i32[1] = x[b + 1]!;
  l.i32[2] = x[b + 2]!;
  l.i32[3] = x[b + 3]!;
}

/** Store `l` into XMM register r. */
export function setXmm(unit: FloatingPointUnit, r: number, l: Lanes): void {
  const x = unit.xmm;
  const b = r << 2;
  x[b] = l.i32[0]!;
  x[b + 1] = l.i32[1]!;
  x[b + 2] = l.i32[2]!;
  x[b + 3] = l.i32[3]!;
}

/** Read `dwords` dwords of the memory operand into `l`; `align` bytes of alignment or #GP(0). */
export function loadMem(cpu: Cpu, l: Lanes, dwords: number, align: number): void {
  const seg = cpu.eaSeg;
  const off = cpu.eaOff;
  if (align > 1 && ((cpu.segBase[seg]! + off) & (align - 1)) !== 0) cpu.gp(0);
  for (let i = 0; i < dwords; i++) l.i32[i] = cpu.read32(seg, (off + i * 4) | 0);
}

/** Write `dwords` dwords of `l` to the memory operand (checked first, so it never half-completes). */
export function storeMem(cpu: Cpu, l: Lanes, dwords: number, align: number): void {
  const seg = cpu.eaSeg;
  const off = cpu.eaOff;
  const lin = (cpu.segBase[seg]! + off) | 0;
  if (align > 1 && (lin & (align - 1)) !== 0) cpu.gp(0);
  if (dwords > 1) {
    cpu.segCheck(seg, off, dwords * 4, true);
    cpu.probeWrite(lin, dwords * 4);
  }
  for (let i = 0; i < dwords; i++) cpu.write32(seg, (off + i * 4) | 0, l.i32[i]!);
}

/** Source operand of an MMX instruction: MMX register or m64. */
export function mmxSrc(cpu: Cpu, unit: FloatingPointUnit, l: Lanes): void {
  if (cpu.modrm >= 0xc0) getMmx(unit, cpu.modrm & 7, l);
  else loadMem(cpu, l, 2, 1);
}

/** Source operand of an XMM instruction: XMM register or m128 (aligned unless `align` is 1). */
export function xmmSrc(cpu: Cpu, unit: FloatingPointUnit, l: Lanes, align = 16): void {
  if (cpu.modrm >= 0xc0) getXmm(unit, cpu.modrm & 7, l);
  else loadMem(cpu, l, 4, align);
}

/** True when the unit advertises SSE2 (CPUID.1:EDX bit 26). */
export function hasSse2(unit: FloatingPointUnit): boolean {
  return (unit.cpuidEdx & (1 << 26)) !== 0;
}
