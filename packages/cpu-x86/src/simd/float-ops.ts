/**
 * SSE/SSE2 floating-point lane arithmetic with the x86 NaN and exception
 * rules (SDM vol. 1, 11.5 and 4.8.3.5): a NaN operand propagates quieted
 * (the first operand's when both are NaN), an invalid operation gives the
 * negative quiet "indefinite", and MXCSR's flags record IE/ZE. Arithmetic is
 * done in doubles and rounded once to single, which is exact for + - * / and
 * square root. Results are built in a scratch register so an unmasked
 * exception leaves the destination unchanged.
 *
 * @module
 */

import type { Lanes } from './lanes.js';

/** MXCSR exception flags raised by the current instruction. */
export let raised = 0;
/** Forget the flags of the previous instruction. */
export function clearRaised(): void {
  raised = 0;
}

/** MXCSR flag bits. */
export const Mx = { IE: 1, DE: 2, ZE: 4, OE: 8, UE: 16, PE: 32 } as const;

const SINGLE_INDEFINITE = 0xffc00000 | 0;

const isNaN32 = (b: number): boolean => (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0;
const isSNaN32 = (b: number): boolean => isNaN32(b) && (b & 0x400000) === 0;
const isNaN64 = (hi: number, lo: number): boolean => (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0;
const isSNaN64 = (hi: number, lo: number): boolean => isNaN64(hi, lo) && (hi & 0x80000) === 0;

/** Binary op codes: 0 add, 1 mul, 4 sub, 6 div, 5 min, 7 max (ModRM-style numbering of 0F 58..5F). */
function apply(op: number, a: number, b: number): number {
  switch (op) {
    case 0:
      return a + b;
    case 1:
      return a * b;
    case 4:
      return a - b;
    default:
      if (b === 0 && a === a && a !== 0 && Number.isFinite(a)) raised |= Mx.ZE;
      return a / b;
  }
}

/** Single-precision lane i of `out` = d op s (op per {@link apply}; 5 = MIN, 7 = MAX). */
export function single(op: number, out: Lanes, d: Lanes, s: Lanes, i: number): void {
  const db = d.i32[i]!;
  const sb = s.i32[i]!;
  if (op === 5 || op === 7) {
    // MIN/MAX: any NaN or equal zeros -> the second operand, unchanged
    if (isNaN32(db) || isNaN32(sb)) {
      raised |= Mx.IE;
      out.i32[i] = sb;
      return;
    }
    const a = d.f32[i]!;
    const b = s.f32[i]!;
    out.i32[i] = (op === 5 ? a < b : a > b) ? db : sb;
    return;
  }
  if (isNaN32(db) || isNaN32(sb)) {
    if (isSNaN32(db) || isSNaN32(sb)) raised |= Mx.IE;
    out.i32[i] = (isNaN32(db) ? db : sb) | 0x400000;
    return;
  }
  const r = Math.fround(apply(op, d.f32[i]!, s.f32[i]!));
  if (r !== r) {
    raised |= Mx.IE;
    out.i32[i] = SINGLE_INDEFINITE;
  } else out.f32[i] = r;
}

/** Double-precision lane i (dword pair 2i, 2i+1) of `out` = d op s. */
export function double(op: number, out: Lanes, d: Lanes, s: Lanes, i: number): void {
  const dh = d.i32[2 * i + 1]!;
  const dl = d.i32[2 * i]!;
  const sh = s.i32[2 * i + 1]!;
  const sl = s.i32[2 * i]!;
  if (op === 5 || op === 7) {
    if (isNaN64(dh, dl) || isNaN64(sh, sl)) {
      raised |= Mx.IE;
      out.i32[2 * i] = sl;
      out.i32[2 * i + 1] = sh;
      return;
    }
    const a = d.f64[i]!;
    const b = s.f64[i]!;
    const pickD = op === 5 ? a < b : a > b;
    out.i32[2 * i] = pickD ? dl : sl;
    out.i32[2 * i + 1] = pickD ? dh : sh;
    return;
  }
  if (isNaN64(dh, dl) || isNaN64(sh, sl)) {
    if (isSNaN64(dh, dl) || isSNaN64(sh, sl)) raised |= Mx.IE;
    const useD = isNaN64(dh, dl);
    out.i32[2 * i] = useD ? dl : sl;
    out.i32[2 * i + 1] = (useD ? dh : sh) | 0x80000;
    return;
  }
  const r = apply(op, d.f64[i]!, s.f64[i]!);
  if (r !== r) {
    raised |= Mx.IE;
    out.i32[2 * i] = 0;
    out.i32[2 * i + 1] = 0xfff80000 | 0;
  } else out.f64[i] = r;
}

/** Unary single op on lane i of s into out: 1 sqrt, 2 rsqrt, 3 rcp (0F 51..53 numbering). */
export function singleUnary(op: number, out: Lanes, s: Lanes, i: number): void {
  const b = s.i32[i]!;
  if (isNaN32(b)) {
    if (isSNaN32(b)) raised |= Mx.IE;
    out.i32[i] = b | 0x400000;
    return;
  }
  const x = s.f32[i]!;
  let r: number;
  if (op === 1) r = Object.is(x, -0) ? -0 : Math.sqrt(x);
  else if (op === 2) r = x === 0 ? (Object.is(x, -0) ? -Infinity : Infinity) : x < 0 ? NaN : 1 / Math.sqrt(x);
  else r = 1 / x;
  r = Math.fround(r);
  if (r !== r) {
    if (op === 1) raised |= Mx.IE; // RSQRT of a negative gives the indefinite without IE
    out.i32[i] = SINGLE_INDEFINITE;
  } else out.f32[i] = r;
}

/** SQRTPD/SQRTSD lane i. */
export function doubleSqrt(out: Lanes, s: Lanes, i: number): void {
  const h = s.i32[2 * i + 1]!;
  const l = s.i32[2 * i]!;
  if (isNaN64(h, l)) {
    if (isSNaN64(h, l)) raised |= Mx.IE;
    out.i32[2 * i] = l;
    out.i32[2 * i + 1] = h | 0x80000;
    return;
  }
  const x = s.f64[i]!;
  if (x < 0) {
    raised |= Mx.IE;
    out.i32[2 * i] = 0;
    out.i32[2 * i + 1] = 0xfff80000 | 0;
    return;
  }
  out.f64[i] = Object.is(x, -0) ? -0 : Math.sqrt(x);
}

/** CMPPS/CMPSS/CMPPD/CMPSD predicate `p` (0..7) on a, b; QNaN raises IE for LT/LE/NLT/NLE. */
export function compare(p: number, a: number, b: number, snan: boolean): boolean {
  const unordered = a !== a || b !== b;
  if (snan || (unordered && (p === 1 || p === 2 || p === 5 || p === 6))) raised |= Mx.IE;
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

/** Round a double to int32 under MXCSR rounding (or truncation); NaN/out of range -> 0x80000000 with IE. */
export function toInt32(v: number, rc: number, truncate: boolean): number {
  if (v !== v) {
    raised |= Mx.IE;
    return 0x80000000 | 0;
  }
  let r: number;
  if (truncate) r = Math.trunc(v);
  else if (rc === 0) {
    r = Math.round(v);
    if (r - v === 0.5 && r % 2 !== 0) r -= 1;
  } else r = rc === 1 ? Math.floor(v) : rc === 2 ? Math.ceil(v) : Math.trunc(v);
  if (r >= 2147483648 || r < -2147483648) {
    raised |= Mx.IE;
    return 0x80000000 | 0;
  }
  if (r !== v) raised |= Mx.PE;
  return r | 0;
}
