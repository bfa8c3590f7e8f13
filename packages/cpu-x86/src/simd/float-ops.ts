/**
 * SSE/SSE2 floating-point lane arithmetic with the x86 NaN and exception
 * rules (SDM vol. 1, 11.5 and 4.8.3.5): a NaN operand propagates quieted
 * (the first operand's when both are NaN), an invalid operation gives the
 * negative quiet "indefinite", a denormal operand raises DE, and finite
 * results are rounded by MXCSR.RC/FZ through {@link finish} (PE, UE, OE).
 * Results are built in a scratch register so an unmasked exception leaves
 * the destination unchanged.
 *
 * @module
 */

import type { Lanes } from './lanes.js';
import { Mx, begin, denormal, divDir, edgeSum, finish, flag, mulDir, raised, rc, roundSingle, sqrtDir, sumDir, toSingle } from './rounding.js';

export { Mx, begin, raised };

const SINGLE_INDEFINITE = 0xffc00000 | 0;

const isNaN32 = (b: number): boolean => (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0;
const isSNaN32 = (b: number): boolean => isNaN32(b) && (b & 0x400000) === 0;
const isNaN64 = (hi: number, lo: number): boolean => (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0;
const isSNaN64 = (hi: number, lo: number): boolean => isNaN64(hi, lo) && (hi & 0x80000) === 0;
const isInf = (x: number): boolean => x === Infinity || x === -Infinity;


/**
 * d op s for non-NaN operands (op: 0 add, 1 mul, 4 sub, 6 div), rounded to
 * the lane format; NaN when the operation is invalid (IE already raised).
 */
function arith(op: number, a: number, b: number, single: boolean): number {
  if (op !== 6 ? denormal(a, single) || denormal(b, single) : denormal(b, single)) flag(Mx.DE);
  let r: number;
  let dir = 0;
  if (op === 0 || op === 4) {
    if (op === 4) b = -b;
    r = a + b;
    if (r !== r) {
      flag(Mx.IE);
      return r;
    }
    if (isInf(a) || isInf(b)) return r;
    // an exact zero sum of opposite signs is -0 when rounding down (IEEE 754 6.3)
    if (r === 0) return rc === 1 && !(a === 0 && b === 0 && 1 / a > 0 && 1 / b > 0) ? -0 : r;
    if (isInf(r)) edgeSum(a, b);
    else dir = sumDir(a, b, r);
  } else if (op === 1) {
    r = a * b;
    if (r !== r) {
      flag(Mx.IE);
      return r;
    }
    if (isInf(a) || isInf(b) || a === 0 || b === 0) return r;
    if (!single) dir = mulDir(a, b, r); // a product of singles is exact in a double
  } else {
    r = a / b;
    if (r !== r) {
      flag(Mx.IE);
      return r;
    }
    if (b === 0) {
      // ZE only for a finite dividend, and it outranks DE
      if (!isInf(a)) flag(Mx.ZE);
      return r;
    }
    if (denormal(a, single)) flag(Mx.DE);
    if (isInf(a) || isInf(b) || a === 0) return r;
    dir = divDir(a, b, r);
  }
  return single ? roundSingle(r, dir) : finish(r, dir, false);
}

/** Square root of a non-NaN value, rounded to the lane format; NaN when invalid (IE raised). */
function sqrt(a: number, single: boolean): number {
  if (a === 0 || a === Infinity) return a;
  if (a < 0) {
    flag(Mx.IE);
    return NaN;
  }
  if (denormal(a, single)) flag(Mx.DE);
  const r = Math.sqrt(a);
  const dir = sqrtDir(a, r);
  return single ? roundSingle(r, dir) : finish(r, dir, false);
}

/** Single-precision lane i of `out` = d op s (0 add, 1 mul, 4 sub, 5 min, 6 div, 7 max: 0F 58..5F numbering). */
export function single(op: number, out: Lanes, d: Lanes, s: Lanes, i: number): void {
  const db = d.i32[i]!;
  const sb = s.i32[i]!;
  if (op === 5 || op === 7) {
    // MIN/MAX: any NaN or equal zeros -> the second operand, unchanged
    if (isNaN32(db) || isNaN32(sb)) {
      flag(Mx.IE);
      out.i32[i] = sb;
      return;
    }
    const a = d.f32[i]!;
    const b = s.f32[i]!;
    if (denormal(a, true) || denormal(b, true)) flag(Mx.DE);
    out.i32[i] = (op === 5 ? a < b : a > b) ? db : sb;
    return;
  }
  if (isNaN32(db) || isNaN32(sb)) {
    if (isSNaN32(db) || isSNaN32(sb)) flag(Mx.IE);
    out.i32[i] = (isNaN32(db) ? db : sb) | 0x400000;
    return;
  }
  const r = arith(op, d.f32[i]!, s.f32[i]!, true);
  if (r !== r) out.i32[i] = SINGLE_INDEFINITE;
  else out.f32[i] = r;
}

/** Double-precision lane i (dword pair 2i, 2i+1) of `out` = d op s. */
export function double(op: number, out: Lanes, d: Lanes, s: Lanes, i: number): void {
  const dh = d.i32[2 * i + 1]!;
  const dl = d.i32[2 * i]!;
  const sh = s.i32[2 * i + 1]!;
  const sl = s.i32[2 * i]!;
  if (op === 5 || op === 7) {
    if (isNaN64(dh, dl) || isNaN64(sh, sl)) {
      flag(Mx.IE);
      out.i32[2 * i] = sl;
      out.i32[2 * i + 1] = sh;
      return;
    }
    const a = d.f64[i]!;
    const b = s.f64[i]!;
    if (denormal(a, false) || denormal(b, false)) flag(Mx.DE);
    const pickD = op === 5 ? a < b : a > b;
    out.i32[2 * i] = pickD ? dl : sl;
    out.i32[2 * i + 1] = pickD ? dh : sh;
    return;
  }
  if (isNaN64(dh, dl) || isNaN64(sh, sl)) {
    if (isSNaN64(dh, dl) || isSNaN64(sh, sl)) flag(Mx.IE);
    const useD = isNaN64(dh, dl);
    out.i32[2 * i] = useD ? dl : sl;
    out.i32[2 * i + 1] = (useD ? dh : sh) | 0x80000;
    return;
  }
  const r = arith(op, d.f64[i]!, s.f64[i]!, false);
  if (r !== r) {
    out.i32[2 * i] = 0;
    out.i32[2 * i + 1] = 0xfff80000 | 0;
  } else out.f64[i] = r;
}

/** Unary single op on lane i of s into out: 1 sqrt, 2 rsqrt, 3 rcp (0F 51..53 numbering). */
export function singleUnary(op: number, out: Lanes, s: Lanes, i: number): void {
  const b = s.i32[i]!;
  if (isNaN32(b)) {
    if (op === 1 && isSNaN32(b)) flag(Mx.IE); // RCP/RSQRT signal nothing
    out.i32[i] = b | 0x400000;
    return;
  }
  const x = s.f32[i]!;
  if (op === 1) {
    const r = sqrt(x, true);
    if (r !== r) out.i32[i] = SINGLE_INDEFINITE;
    else out.f32[i] = r;
    return;
  }
  // RSQRT/RCP approximations raise no flags (SDM vol. 2: "Exceptions: None");
  // a denormal source counts as a zero of its sign, and RCP flushes results
  // that would be tiny (inputs from 1.11111111110100000000000B * 2^125 up)
  const z = x === 0 || denormal(x, true);
  let r: number;
  if (z) r = b < 0 ? -Infinity : Infinity;
  else if (op === 2) r = x < 0 ? NaN : 1 / Math.sqrt(x);
  else if ((b & 0x7fffffff) >= 0x7e7fe800) r = b < 0 ? -0 : 0;
  else r = 1 / x;
  r = Math.fround(r);
  if (r !== r) out.i32[i] = SINGLE_INDEFINITE;
  else out.f32[i] = r;
}

/** SQRTPD/SQRTSD lane i. */
export function doubleSqrt(out: Lanes, s: Lanes, i: number): void {
  const h = s.i32[2 * i + 1]!;
  const l = s.i32[2 * i]!;
  if (isNaN64(h, l)) {
    if (isSNaN64(h, l)) flag(Mx.IE);
    out.i32[2 * i] = l;
    out.i32[2 * i + 1] = h | 0x80000;
    return;
  }
  const r = sqrt(s.f64[i]!, false);
  if (r !== r) {
    out.i32[2 * i] = 0;
    out.i32[2 * i + 1] = 0xfff80000 | 0;
  } else out.f64[i] = r;
}

/**
 * CMPPS/CMPSS/CMPPD/CMPSD predicate `p` (0..7) on a, b: an SNaN raises IE,
 * a QNaN too for LT/LE/NLT/NLE; a denormal operand raises DE unless the
 * other is a NaN (a NaN operand outranks DE in the SSE exception priority).
 */
export function compare(p: number, a: number, b: number, snan: boolean, single: boolean): boolean {
  const unordered = a !== a || b !== b;
  if (snan || (unordered && (p === 1 || p === 2 || p === 5 || p === 6))) flag(Mx.IE);
  if (!unordered && (denormal(a, single) || denormal(b, single))) flag(Mx.DE);
  switch (p & 7) {
    case 0:
      return a === b;
    case 1:
      return a < b;
    case 2:
      return a <= b;
    case 3:
      return unordered;
    case 4:
      return !(a === b);
    case 5:
      return !(a < b);
    case 6:
      return !(a <= b);
    default:
      return !unordered;
  }
}

/** True when a single's bits are a signaling NaN. */
export function snan32(b: number): boolean {
  return isSNaN32(b);
}
/** True when a double's bits are a signaling NaN. */
export function snan64(hi: number, lo: number): boolean {
  return isSNaN64(hi, lo);
}

/** CVTSS2SD/CVTPS2PD: single lane `i` of s into double lane `j` of out (exact; SNaN -> IE, denormal -> DE). */
export function singleToDouble(out: Lanes, j: number, s: Lanes, i: number): void {
  const b = s.i32[i]!;
  if (isNaN32(b)) {
    if (isSNaN32(b)) flag(Mx.IE);
    // quietened, the fraction left-aligned (SDM vol. 1, 4.8.3.7)
    out.i32[2 * j + 1] = (b & 0x80000000) | 0x7ff80000 | ((b & 0x7fffff) >>> 3);
    out.i32[2 * j] = b << 29;
    return;
  }
  const x = s.f32[i]!;
  if (denormal(x, true)) flag(Mx.DE);
  out.f64[j] = x;
}

/** CVTSD2SS/CVTPD2PS: double lane `i` of s into single lane `j` of out, rounded by RC/FZ. */
export function doubleToSingle(out: Lanes, j: number, s: Lanes, i: number): void {
  const h = s.i32[2 * i + 1]!;
  const l = s.i32[2 * i]!;
  if (isNaN64(h, l)) {
    if (isSNaN64(h, l)) flag(Mx.IE);
    // quietened, the fraction's top bits kept
    out.i32[j] = (h & 0x80000000) | 0x7fc00000 | ((h & 0xfffff) << 3) | (l >>> 29);
    return;
  }
  const x = s.f64[i]!;
  if (isInf(x)) {
    out.f32[j] = x;
    return;
  }
  if (denormal(x, false)) flag(Mx.DE);
  out.f32[j] = toSingle(x);
}

/** CVTSI2SS/CVTPI2PS/CVTDQ2PS: an int32 rounded to single by RC (PE when inexact). */
export function intToSingle(v: number): number {
  return toSingle(v);
}

/** Round a double to int32 under MXCSR rounding (or truncation); NaN/out of range -> 0x80000000 with IE. */
export function toInt32(v: number, rcMode: number, truncate: boolean): number {
  if (v !== v) {
    flag(Mx.IE);
    return 0x80000000 | 0;
  }
  let r: number;
  if (truncate) r = Math.trunc(v);
  else if (rcMode === 0) {
    r = Math.round(v);
    if (r - v === 0.5 && r % 2 !== 0) r -= 1;
  } else r = rcMode === 1 ? Math.floor(v) : rcMode === 2 ? Math.ceil(v) : Math.trunc(v);
  if (r >= 2147483648 || r < -2147483648) {
    flag(Mx.IE);
    return 0x80000000 | 0;
  }
  if (r !== v) flag(Mx.PE);
  return r | 0;
}
