/**
 * Correct rounding for SSE/SSE2 under MXCSR (SDM vol. 1, 10.2.3 and 4.8.4):
 * every operation first gets its round-to-nearest result from the host
 * (JavaScript doubles, or `Math.fround` for singles) and then the sign of
 * the exact error, `sign(exact - result)`, from error-free transformations
 * (TwoSum, Dekker's TwoProduct, the exact division and square-root
 * remainders, on operands scaled into [1, 2) so nothing under- or
 * overflows). {@link finish} turns that pair into the result for any
 * rounding mode, with overflow (OE), underflow (UE, tininess after
 * rounding as on x86), inexact (PE) and flush-to-zero (FZ). The state is
 * module-level so an instruction allocates nothing.
 *
 * @module
 */

/** MXCSR flag bits. */
export const Mx = { IE: 1, DE: 2, ZE: 4, OE: 8, UE: 16, PE: 32 } as const;

/** MXCSR exception flags raised by the current instruction. */
export let raised = 0;
/** MXCSR.RC of the current instruction (0 nearest, 1 down, 2 up, 3 toward zero). */
export let rc = 0;
let fz = false;
let ueMasked = true;

/** Start an instruction under `mxcsr`: forget the previous flags, latch RC, FZ and the UE mask. */
export function begin(mxcsr: number): void {
  raised = 0;
  rc = (mxcsr >> 13) & 3;
  fz = (mxcsr & 0x8000) !== 0;
  ueMasked = (mxcsr & 0x800) !== 0;
}

/** Record exception flags. */
export function flag(f: number): void {
  raised |= f;
}

const F64 = new Float64Array(1);
const W64 = new Int32Array(F64.buffer); // [lo, hi] (little-endian host, as the lane views assume)
const F32 = new Float32Array(1);
const W32 = new Int32Array(F32.buffer);

const MIN_NORMAL64 = 2.2250738585072014e-308;
const MIN_NORMAL32 = 1.1754943508222875e-38;
const MAX64 = Number.MAX_VALUE;
const MAX32 = 3.4028234663852886e38;
const TWO64 = 18446744073709551616;
const TWO128 = TWO64 * TWO64;

/** True for a nonzero value below the smallest normal of its format (a denormal operand). */
export function denormal(x: number, single: boolean): boolean {
  return x !== 0 && (x < 0 ? -x : x) < (single ? MIN_NORMAL32 : MIN_NORMAL64);
}

/** The next representable value above x (finite) in the format; FLT/DBL_MAX steps to +Infinity. */
function nextUp(x: number, single: boolean): number {
  if (x === 0) return single ? 1.401298464324817e-45 : Number.MIN_VALUE;
  if (single) {
    F32[0] = x;
    W32[0] = x > 0 ? W32[0]! + 1 : W32[0]! - 1;
    return F32[0]!;
  }
  F64[0] = x;
  let lo = W64[0]!;
  let hi = W64[1]!;
  if (x > 0) {
    lo = (lo + 1) | 0;
    if (lo === 0) hi = (hi + 1) | 0;
  } else {
    if (lo === 0) hi = (hi - 1) | 0;
    lo = (lo - 1) | 0;
  }
  W64[0] = lo;
  W64[1] = hi;
  return F64[0]!;
}

/** Masked overflow result by RC (SDM vol. 1, table 4-8): infinity or the largest finite value. */
function overflow(positive: boolean, single: boolean): number {
  raised |= Mx.OE | Mx.PE;
  const max = single ? MAX32 : MAX64;
  switch (rc) {
    case 0:
      return positive ? Infinity : -Infinity;
    case 1:
      return positive ? max : -Infinity;
    case 2:
      return positive ? Infinity : -max;
    default:
      return positive ? max : -max;
  }
}

/** x stepped to the neighbour RC selects, given the sign `dir` of the exact value minus x. */
function step(x: number, dir: number, single: boolean): number {
  switch (rc) {
    case 1:
      return dir < 0 ? -nextUp(-x, single) : x;
    case 2:
      return dir > 0 ? nextUp(x, single) : x;
    case 3:
      if (x > 0 && dir < 0) return -nextUp(-x, single);
      if (x < 0 && dir > 0) return nextUp(x, single);
      return x;
    default:
      return x;
  }
}

/*
 * How to recompute the exact result with an unbounded exponent near the ends
 * of the range: 1 product edgeA*edgeB*2^edgeK, 2 quotient edgeA/edgeB*2^edgeK
 * (edgeA, edgeB in [1, 2)), 3 single from the double edgeA whose own error
 * sign is edgeDir, 4 sum (edgeA+edgeB)*2; 0 none.
 */
let edgeOp = 0;
let edgeA = 0;
let edgeB = 0;
let edgeK = 0;
let edgeDir = 0;
/** Output of {@link scaled}: RN of the exact result times 2^-scaledK, and the sign of its error. */
let scaledX = 0;
let scaledDir = 0;
let scaledK = 0;

/** Recompute the exact result as (scaledX + error of sign scaledDir) * 2^scaledK, in range; false if unknown. */
function scaled(): boolean {
  let x: number;
  let dir: number;
  if (edgeOp === 3) {
    x = edgeA;
    dir = edgeDir;
    scaledK = 0;
  } else if (edgeOp === 1) {
    x = edgeA * edgeB;
    const e = prodErr(edgeA, edgeB, x);
    dir = e > 0 ? 1 : e < 0 ? -1 : 0;
    scaledK = edgeK;
  } else if (edgeOp === 2) {
    x = edgeA / edgeB;
    const p = x * edgeB;
    const rem = edgeA - p - prodErr(x, edgeB, p);
    dir = (rem > 0 ? 1 : rem < 0 ? -1 : 0) * (edgeB < 0 ? -1 : 1);
    scaledK = edgeK;
  } else if (edgeOp === 4) {
    x = edgeA + edgeB;
    dir = sumDir(edgeA, edgeB, x);
    scaledK = 1;
  } else return false;
  scaledX = x;
  scaledDir = dir;
  return true;
}

/** Record that the current double result is the sum a + b (for the overflow test). */
export function edgeSum(a: number, b: number): void {
  edgeOp = 4;
  edgeA = a * 0.5; // exact: a sum that overflows has two huge operands
  edgeB = b * 0.5;
}

/** Whether the exact result is tiny after rounding to the format's precision with an unbounded exponent. */
function tinyUnbounded(single: boolean): boolean {
  if (!scaled()) return true;
  let x = scaledX;
  let dir = scaledDir;
  let lim: number;
  if (single) {
    // a single result comes from a double: round that to 24 bits, scaled into the normal range
    const v = x * TWO64;
    x = Math.fround(v);
    const d = v - x;
    if (d !== 0) dir = d > 0 ? 1 : -1;
    lim = MIN_NORMAL32 * TWO64;
  } else lim = pow2(-1022 - scaledK);
  const y = step(x, dir, single);
  return (y < 0 ? -y : y) < lim;
}

/**
 * Whether an exact result that rounds to nearest as infinity is still below
 * 2^(emax+1), so that rounding toward zero gives the largest finite value
 * without overflow.
 */
function belowOverflow(single: boolean): boolean {
  if (!scaled()) return false;
  const lim = single ? TWO128 : pow2(1023 - scaledK) * 2;
  const ax = scaledX < 0 ? -scaledX : scaledX;
  return ax < lim || (ax === lim && (scaledX > 0 ? scaledDir < 0 : scaledDir > 0));
}

/**
 * The correctly rounded result under RC/FZ, given `x`, the round-to-nearest
 * result in the target format (±Infinity when it overflowed), and `dir`, the
 * sign of the exact value minus `x` (0: exact). Tininess is detected after
 * rounding, as x86 does (a product just below the smallest normal that
 * rounds up to it raises no UE).
 */
export function finish(x: number, dir: number, single: boolean): number {
  if (x === Infinity || x === -Infinity) {
    // rounding toward zero reaches infinity only from 2^(emax+1) up
    const inward = rc === 3 || (rc === 1 && x > 0) || (rc === 2 && x < 0);
    if (inward && belowOverflow(single)) {
      raised |= Mx.PE;
      return x > 0 ? (single ? MAX32 : MAX64) : single ? -MAX32 : -MAX64;
    }
    return overflow(x > 0, single);
  }
  const minN = single ? MIN_NORMAL32 : MIN_NORMAL64;
  if (dir === 0) {
    if (x !== 0 && (x < 0 ? -x : x) < minN) {
      // exact but tiny: UE only when unmasked; FZ flushes it
      if (!ueMasked) raised |= Mx.UE;
      else if (fz) {
        raised |= Mx.UE | Mx.PE;
        return x < 0 ? -0 : 0;
      }
    }
    return x;
  }
  const negative = x < 0 || (x === 0 && dir < 0);
  const y = step(x, dir, single);
  if (y === Infinity || y === -Infinity) return overflow(y > 0, single);
  raised |= Mx.PE;
  const ay = y < 0 ? -y : y;
  let tiny = ay < minN;
  // rounded to the smallest normal from below: tiny only if the unbounded rounding stays below it
  if (ay === minN && (x !== y || (x > 0 ? dir < 0 : dir > 0))) tiny = tinyUnbounded(single);
  if (tiny) {
    raised |= Mx.UE;
    if (ueMasked && fz) return negative ? -0 : 0;
  }
  return y;
}

/** Round a double `rd`, whose own error sign is `dir`, to single under RC/FZ. */
export function roundSingle(rd: number, dir: number): number {
  const f = Math.fround(rd);
  edgeOp = 3;
  edgeA = rd;
  edgeDir = dir;
  const d = rd - f;
  return finish(f, d > 0 ? 1 : d < 0 ? -1 : dir, true);
}

/** Round an exactly known double `v` to single under RC/FZ (conversions). */
export function toSingle(v: number): number {
  return roundSingle(v, 0);
}

/** Sign of the error of r = RN(a + b): the TwoSum error term (exact when r is finite). */
export function sumDir(a: number, b: number, r: number): number {
  edgeOp = 0; // a sum this small is exact
  const bb = r - a;
  const e = a - (r - bb) + (b - bb);
  return e > 0 ? 1 : e < 0 ? -1 : 0;
}

/** Dekker's high half of a (Veltkamp split, 27 bits), for |a| well below 2^996. */
function hiHalf(a: number): number {
  const c = 134217729 * a;
  return c - (c - a);
}

/** The exact error of p = RN(a * b) (Dekker's TwoProduct), a and b of moderate exponent. */
function prodErr(a: number, b: number, p: number): number {
  const ah = hiHalf(a);
  const al = a - ah;
  const bh = hiHalf(b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

let expOut = 0;
/** x (finite, nonzero) scaled by a power of two into ±[1, 2); the exponent goes to `expOut`. */
function mant(x: number): number {
  let bias = 0;
  if ((x < 0 ? -x : x) < MIN_NORMAL64) {
    x *= TWO64;
    bias = 64;
  }
  F64[0] = x;
  const hi = W64[1]!;
  expOut = ((hi >>> 20) & 0x7ff) - 1023 - bias;
  W64[1] = (hi & 0x800fffff) | (1023 << 20);
  return F64[0]!;
}

/** 2^k for -1022 <= k <= 1023. */
function pow2(k: number): number {
  W64[0] = 0;
  W64[1] = (k + 1023) << 20;
  return F64[0]!;
}

/** x * 2^k exactly, for results in the normal range (k may exceed one double's exponent range). */
function scale(x: number, k: number): number {
  while (k > 1000) {
    x *= pow2(1000);
    k -= 1000;
  }
  while (k < -1000) {
    x *= pow2(-1000);
    k += 1000;
  }
  return x * pow2(k);
}

/** Sign of (a * b - r) for finite nonzero a, b and r = RN(a * b) finite. */
export function mulDir(a: number, b: number, r: number): number {
  const am = mant(a);
  const ea = expOut;
  const bm = mant(b);
  const k = ea + expOut;
  edgeOp = 1;
  edgeA = am;
  edgeB = bm;
  edgeK = k;
  if (r === Infinity || r === -Infinity) return 0;
  if (r === 0) return (a < 0) !== (b < 0) ? -1 : 1;
  const p = am * bm;
  const e = prodErr(am, bm, p);
  const d = p - scale(r, -k) + e;
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

/** Sign of (a / b - r) for finite nonzero a, b and r = RN(a / b) finite. */
export function divDir(a: number, b: number, r: number): number {
  const am = mant(a);
  const ea = expOut;
  const bm = mant(b);
  edgeOp = 2;
  edgeA = am;
  edgeB = bm;
  edgeK = ea - expOut;
  if (r === Infinity || r === -Infinity) return 0;
  if (r === 0) return (a < 0) !== (b < 0) ? -1 : 1;
  const q = scale(r, expOut - ea);
  const p = q * bm;
  const rem = am - p - prodErr(q, bm, p);
  const s = rem > 0 ? 1 : rem < 0 ? -1 : 0;
  return bm < 0 ? -s : s;
}

/** Sign of (sqrt(a) - r) for finite positive a and r = RN(sqrt(a)). */
export function sqrtDir(a: number, r: number): number {
  let am = mant(a);
  let ea = expOut;
  if ((ea & 1) !== 0) {
    am *= 2;
    ea -= 1;
  }
  const q = scale(r, -(ea >> 1));
  const p = q * q;
  const rem = am - p - prodErr(q, q, p);
  return rem > 0 ? 1 : rem < 0 ? -1 : 0;
}
