/**
 * Arithmetic semantics shared by every encoding: the eight ALU operations,
 * shifts and rotates, multiply/divide and BCD adjust. Each function takes
 * operands and returns the result, setting the flags on the CPU (lazily for
 * the ALU group, eagerly for the rest).
 *
 * @module
 */

import type { Cpu } from '../cpu.js';
import { Flag, LazyOp, PARITY, Vec } from '../constants.js';

/** Mask for an operand size in bits. */
export function sizeMask(size: number): number {
  return size === 32 ? -1 : (1 << size) - 1;
}

/**
 * ALU operation `op` (0 ADD, 1 OR, 2 ADC, 3 SBB, 4 AND, 5 SUB, 6 XOR, 7 CMP) on
 * `a` and `b` at `size` bits. Returns the result (CMP returns `a` unchanged).
 */
export function alu(cpu: Cpu, op: number, a: number, b: number, size: number): number {
  const m = sizeMask(size);
  a &= m;
  b &= m;
  let r: number;
  switch (op) {
    case 0:
      r = (a + b) & m;
      cpu.lazy(LazyOp.ADD, size, a, b, r);
      return r;
    case 1:
      r = a | b;
      cpu.lazy(LazyOp.LOGIC, size, a, b, r);
      return r;
    case 2: {
      const c = cpu.cf();
      r = (a + b + c) & m;
      cpu.lazy(c !== 0 ? LazyOp.ADC : LazyOp.ADD, size, a, b, r);
      return r;
    }
    case 3: {
      const c = cpu.cf();
      r = (a - b - c) & m;
      cpu.lazy(c !== 0 ? LazyOp.SBB : LazyOp.SUB, size, a, b, r);
      return r;
    }
    case 4:
      r = a & b;
      cpu.lazy(LazyOp.LOGIC, size, a, b, r);
      return r;
    case 5:
      r = (a - b) & m;
      cpu.lazy(LazyOp.SUB, size, a, b, r);
      return r;
    case 6:
      r = a ^ b;
      cpu.lazy(LazyOp.LOGIC, size, a, b, r);
      return r;
    default:
      r = (a - b) & m;
      cpu.lazy(LazyOp.SUB, size, a, b, r);
      return a;
  }
}

/** INC at `size` bits (CF preserved). */
export function inc(cpu: Cpu, a: number, size: number): number {
  const m = sizeMask(size);
  a &= m;
  const r = (a + 1) & m;
  cpu.lazy(LazyOp.INC, size, a, 1, r);
  return r;
}

/** DEC at `size` bits (CF preserved). */
export function dec(cpu: Cpu, a: number, size: number): number {
  const m = sizeMask(size);
  a &= m;
  const r = (a - 1) & m;
  cpu.lazy(LazyOp.DEC, size, a, 1, r);
  return r;
}

/** NEG at `size` bits. */
export function neg(cpu: Cpu, a: number, size: number): number {
  const m = sizeMask(size);
  a &= m;
  const r = -a & m;
  cpu.lazy(LazyOp.SUB, size, 0, a, r);
  return r;
}

function szp(r: number, size: number): number {
  return PARITY[r & 0xff]! | ((r & sizeMask(size)) === 0 ? Flag.ZF : 0) | ((r >>> (size - 1)) & 1 ? Flag.SF : 0);
}

const ALL = 0x8d5;

/**
 * Shift/rotate group operation `op` (0 ROL, 1 ROR, 2 RCL, 3 RCR, 4 SHL, 5 SHR,
 * 6 SAL (= SHL), 7 SAR) of `a` by `count` (masked to 5 bits, as on the 80286
 * and later). A zero count leaves value and flags unchanged. Undefined flags
 * follow the P6 family: OF from the last step's formula, AF cleared.
 */
export function shift(cpu: Cpu, op: number, a: number, count: number, size: number): number {
  count &= 31;
  const m = sizeMask(size);
  a &= m;
  if (count === 0) return a;
  const top = size - 1;
  let r: number;
  let cf: number;
  let of: number;
  switch (op) {
    case 0: {
      const c = count % size;
      r = c === 0 ? a : ((a << c) | (a >>> (size - c))) & m;
      cf = r & 1;
      of = ((r >>> top) & 1) ^ cf;
      cpu.setArith(Flag.CF | Flag.OF, (cf ? Flag.CF : 0) | (of ? Flag.OF : 0));
      return r;
    }
    case 1: {
      const c = count % size;
      r = c === 0 ? a : ((a >>> c) | (a << (size - c))) & m;
      cf = (r >>> top) & 1;
      of = cf ^ ((r >>> (top - 1)) & 1);
      cpu.setArith(Flag.CF | Flag.OF, (cf ? Flag.CF : 0) | (of ? Flag.OF : 0));
      return r;
    }
    case 2: {
      const c = size === 32 ? count : count % (size + 1);
      cf = cpu.cf();
      r = a;
      for (let i = 0; i < c; i++) {
        const out = (r >>> top) & 1;
        r = ((r << 1) | cf) & m;
        cf = out;
      }
      of = ((r >>> top) & 1) ^ cf;
      cpu.setArith(Flag.CF | Flag.OF, (cf ? Flag.CF : 0) | (of ? Flag.OF : 0));
      return r;
    }
    case 3: {
      const c = size === 32 ? count : count % (size + 1);
      cf = cpu.cf();
      r = a;
      for (let i = 0; i < c; i++) {
        const out = r & 1;
        r = ((r >>> 1) | (cf << top)) & m;
        cf = out;
      }
      of = ((r >>> top) & 1) ^ ((r >>> (top - 1)) & 1);
      cpu.setArith(Flag.CF | Flag.OF, (cf ? Flag.CF : 0) | (of ? Flag.OF : 0));
      return r;
    }
    case 4:
    case 6:
      r = count < 32 ? (a << count) & m : 0;
      cf = count <= size ? (a >>> (size - count)) & 1 : 0;
      of = ((r >>> top) & 1) ^ cf;
      break;
    case 5:
      r = a >>> count;
      cf = count <= size ? (a >>> (count - 1)) & 1 : 0;
      of = count === 1 ? (a >>> top) & 1 : 0;
      break;
    default: {
      const s = (a << (32 - size)) >> (32 - size);
      r = (s >> (count > top ? top : count)) & m;
      cf = (s >> (count - 1 > top ? top : count - 1)) & 1;
      of = 0;
      break;
    }
  }
  cpu.setArith(ALL, szp(r, size) | (cf ? Flag.CF : 0) | (of ? Flag.OF : 0));
  return r;
}

/** SHLD (`left`) / SHRD: shift `a` by `count` filling from `b` (count masked to 5 bits). */
export function shiftDouble(cpu: Cpu, left: boolean, a: number, b: number, count: number, size: number): number {
  count &= 31;
  const m = sizeMask(size);
  a &= m;
  b &= m;
  if (count === 0) return a;
  const top = size - 1;
  let r: number;
  let cf: number;
  if (size === 32) {
    if (left) {
      r = (a << count) | (b >>> (32 - count));
      cf = (a >>> (32 - count)) & 1;
    } else {
      r = (a >>> count) | (b << (32 - count));
      cf = (a >>> (count - 1)) & 1;
    }
  } else {
    // 16-bit counts above 16 are undefined; P6 shifts through the 48-bit pattern a:b:a
    const pat = a * 0x100000000 + b * 0x10000 + a;
    if (left) {
      r = Math.floor(pat / 2 ** (32 - count)) % 0x10000;
      cf = Math.floor(pat / 2 ** (48 - count)) % 2;
    } else {
      r = Math.floor(pat / 2 ** count) % 0x10000;
      cf = Math.floor(pat / 2 ** (count - 1)) % 2;
    }
  }
  r &= m;
  const of = ((r ^ a) >>> top) & 1;
  cpu.setArith(ALL, szp(r, size) | (cf ? Flag.CF : 0) | (of ? Flag.OF : 0));
  return r;
}

/** Unsigned 32x32 multiply: returns the low dword, stores the high dword in `mulHi`. */
export function mul32(a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const mid = ah * bl + al * bh; // < 2^33, exact
  const lo = ll + (mid % 0x10000) * 0x10000; // < 2^49
  const hi = ah * bh + Math.floor(mid / 0x10000) + Math.floor(lo / 0x100000000);
  mulHi = hi | 0;
  return lo | 0;
}
/** High dword of the last {@link mul32}/{@link imul32}. */
export let mulHi = 0;

/** Signed 32x32 multiply: low dword returned, high in {@link mulHi}. */
export function imul32(a: number, b: number): number {
  const lo = mul32(a, b);
  let hi = mulHi;
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  mulHi = hi;
  return lo;
}

/** Set flags after MUL/IMUL: CF=OF=`overflow`; SF/ZF/PF from the low result (P6). */
export function mulFlags(cpu: Cpu, overflow: boolean, lo: number, size: number): void {
  cpu.setArith(ALL, szp(lo, size) | (overflow ? Flag.CF | Flag.OF : 0));
}

/** Quotient/remainder of the last {@link udiv64}. */
export let divQ = 0;
/** Remainder of the last {@link udiv64}. */
export let divR = 0;

/**
 * Unsigned 64/32 division of `hi:lo` by `d` (nonzero, unsigned). Returns false if
 * the quotient does not fit in 32 bits.
 */
export function udiv64(hi: number, lo: number, d: number): boolean {
  hi >>>= 0;
  lo >>>= 0;
  d >>>= 0;
  if (hi >= d) return false;
  let r = hi;
  const n1 = r * 0x10000 + (lo >>> 16);
  const q1 = Math.floor(n1 / d);
  r = n1 - q1 * d;
  const n0 = r * 0x10000 + (lo & 0xffff);
  const q0 = Math.floor(n0 / d);
  r = n0 - q0 * d;
  divQ = (q1 * 0x10000 + q0) | 0;
  divR = r | 0;
  return true;
}

/** DIV r/m: `op` 6 = DIV, 7 = IDIV, at `size` bits. Raises #DE on zero or overflow. */
export function divide(cpu: Cpu, signed: boolean, src: number, size: number): void {
  const r16 = cpu.reg16;
  const r32 = cpu.reg32;
  if (size === 8) {
    const ax = r16[0]!;
    if (!signed) {
      const d = src & 0xff;
      if (d === 0) cpu.raise(Vec.DE);
      const q = Math.floor(ax / d);
      if (q > 0xff) cpu.raise(Vec.DE);
      r16[0] = (q & 0xff) | ((ax % d) << 8);
    } else {
      const d = (src << 24) >> 24;
      if (d === 0) cpu.raise(Vec.DE);
      const n = (ax << 16) >> 16;
      const q = Math.trunc(n / d);
      if (q > 127 || q < -128) cpu.raise(Vec.DE);
      r16[0] = (q & 0xff) | ((n % d & 0xff) << 8);
    }
  } else if (size === 16) {
    const n = ((r16[4]! << 16) | r16[0]!) >>> 0;
    if (!signed) {
      const d = src & 0xffff;
      if (d === 0) cpu.raise(Vec.DE);
      const q = Math.floor(n / d);
      if (q > 0xffff) cpu.raise(Vec.DE);
      r16[0] = q;
      r16[4] = n % d;
    } else {
      const d = (src << 16) >> 16;
      if (d === 0) cpu.raise(Vec.DE);
      const sn = n | 0;
      const q = Math.trunc(sn / d);
      if (q > 32767 || q < -32768) cpu.raise(Vec.DE);
      r16[0] = q;
      r16[4] = sn % d;
    }
  } else {
    let hi = r32[2]!;
    let lo = r32[0]!;
    if (!signed) {
      if (src === 0) cpu.raise(Vec.DE);
      if (!udiv64(hi, lo, src)) cpu.raise(Vec.DE);
      r32[0] = divQ;
      r32[2] = divR;
    } else {
      if (src === 0) cpu.raise(Vec.DE);
      const negN = hi < 0;
      if (negN) {
        lo = -lo | 0;
        hi = (~hi + (lo === 0 ? 1 : 0)) | 0;
      }
      const negD = src < 0;
      const d = negD ? -src >>> 0 : src >>> 0;
      if (!udiv64(hi, lo, d)) cpu.raise(Vec.DE);
      const qNeg = negN !== negD;
      const q = divQ >>> 0;
      if (qNeg ? q > 0x80000000 : q > 0x7fffffff) cpu.raise(Vec.DE);
      r32[0] = qNeg ? -q | 0 : q | 0;
      r32[2] = negN ? -divR | 0 : divR;
    }
  }
}

/** DAA (SDM vol. 2). */
export function daa(cpu: Cpu): void {
  const f = cpu.getFlags();
  const oldAl = cpu.reg8[0]!;
  const oldCf = f & 1;
  let al = oldAl;
  let cf = 0;
  let af = 0;
  if ((al & 0xf) > 9 || (f & Flag.AF) !== 0) {
    al += 6;
    cf = oldCf | (al > 0xff ? 1 : 0);
    al &= 0xff;
    af = 1;
  }
  if (oldAl > 0x99 || oldCf !== 0) {
    al = (al + 0x60) & 0xff;
    cf = 1;
  } else cf = 0;
  cpu.reg8[0] = al;
  cpu.setArith(ALL, szp(al, 8) | cf | (af ? Flag.AF : 0));
}

/** DAS (SDM vol. 2). */
export function das(cpu: Cpu): void {
  const f = cpu.getFlags();
  const oldAl = cpu.reg8[0]!;
  const oldCf = f & 1;
  let al = oldAl;
  let cf = 0;
  let af = 0;
  if ((al & 0xf) > 9 || (f & Flag.AF) !== 0) {
    cf = oldCf | (al < 6 ? 1 : 0);
    al = (al - 6) & 0xff;
    af = 1;
  }
  if (oldAl > 0x99 || oldCf !== 0) {
    al = (al - 0x60) & 0xff;
    cf = 1;
  }
  cpu.reg8[0] = al;
  cpu.setArith(ALL, szp(al, 8) | cf | (af ? Flag.AF : 0));
}

/** AAA / AAS (`sub`). */
export function aaa(cpu: Cpu, sub: boolean): void {
  const f = cpu.getFlags();
  let ax = cpu.reg16[0]!;
  let adj = 0;
  if ((ax & 0xf) > 9 || (f & Flag.AF) !== 0) {
    ax = sub ? (((ax - 6) & 0xffff) - 0x100) & 0xffff : (ax + 0x106) & 0xffff;
    adj = Flag.AF | Flag.CF;
  }
  ax &= 0xff0f;
  cpu.reg16[0] = ax;
  cpu.setArith(ALL, adj | szp(ax & 0xff, 8));
}

/** AAM imm8. */
export function aam(cpu: Cpu, base: number): void {
  if (base === 0) cpu.raise(Vec.DE);
  const al = cpu.reg8[0]!;
  const r = al % base;
  cpu.reg16[0] = (Math.floor(al / base) << 8) | r;
  cpu.setArith(ALL, szp(r, 8));
}

/** AAD imm8. */
export function aad(cpu: Cpu, base: number): void {
  const al = cpu.reg8[0]!;
  const t = (cpu.reg8[1]! * base) & 0xff;
  const r = (al + t) & 0xff;
  cpu.reg16[0] = r;
  // P6: flags as for the 8-bit ADD of AL and AH*imm
  cpu.lazy(LazyOp.ADD, 8, al, t, r);
}
