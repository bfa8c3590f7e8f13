/**
 * Conversions between JavaScript doubles and the x87 formats: 80-bit
 * extended precision (1 sign, 15 exponent, 64 significand bits with an
 * explicit integer bit), 64-bit double and 32-bit single bit patterns, and
 * 64-bit integers as two 32-bit halves. No BigInt: values are split into
 * 32-bit halves (SDM vol. 1, 4.2 and 8.2).
 *
 * @module
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const f32 = new Float32Array(1);
const u32s = new Uint32Array(f32.buffer);

const TWO32 = 4294967296;

/** 2^n for any integer n, without overflowing an intermediate (exact while the result is representable). */
export function pow2(n: number): number {
  // beyond +-2200 the result is 0 or Infinity whatever the scale; clamping keeps huge FSCALE counts O(1)
  if (n > 2200) n = 2200;
  else if (n < -2200) n = -2200;
  let r = 1;
  while (n > 1000) {
    r *= 2 ** 1000;
    n -= 1000;
  }
  while (n < -1000) {
    r *= 2 ** -1000;
    n += 1000;
  }
  return r * 2 ** n;
}

/** x * 2^n without intermediate overflow or premature underflow (C's ldexp). */
export function ldexp(x: number, n: number): number {
  if (n > 2200) n = 2200;
  else if (n < -2200) n = -2200;
  while (n > 1000) {
    x *= 2 ** 1000;
    n -= 1000;
  }
  while (n < -1000) {
    x *= 2 ** -1000;
    n += 1000;
  }
  return x * 2 ** n;
}

/** An 80-bit value: `se` = sign << 15 | exponent, `hi`/`lo` = significand (hi has the integer bit at bit 31). */
export interface Raw80 {
  se: number;
  hi: number;
  lo: number;
}

/** Convert a double to 80-bit extended (exact: every double is representable). Writes into `out`. */
export function doubleTo80(v: number, out: Raw80): void {
  f64[0] = v;
  const hi = u32[1]!;
  const lo = u32[0]!;
  const sign = (hi >>> 31) << 15;
  const e = (hi >>> 20) & 0x7ff;
  const m = hi & 0xfffff;
  if (e === 0x7ff) {
    out.se = sign | 0x7fff;
    out.hi = (0x80000000 | (m << 11) | (lo >>> 21)) >>> 0;
    out.lo = (lo << 11) >>> 0;
    return;
  }
  if (e === 0) {
    if (m === 0 && lo === 0) {
      out.se = sign;
      out.hi = 0;
      out.lo = 0;
      return;
    }
    // A double denormal is a normal extended number: scale it up and redo.
    doubleTo80(Math.abs(v) * 2 ** 64, out);
    out.se = sign | ((out.se & 0x7fff) - 64);
    return;
  }
  out.se = sign | (e - 1023 + 16383);
  out.hi = (0x80000000 | (m << 11) | (lo >>> 21)) >>> 0;
  out.lo = (lo << 11) >>> 0;
}

/** Convert an 80-bit extended value to the nearest double (NaN payloads are not kept; see {@link Raw80}). */
export function float80ToDouble(se: number, hi: number, lo: number): number {
  const sign = (se & 0x8000) !== 0 ? -1 : 1;
  const e = se & 0x7fff;
  hi >>>= 0;
  lo >>>= 0;
  if (e === 0x7fff) {
    // Infinity needs the integer bit and a zero fraction; everything else is a NaN (or unsupported).
    return (hi & 0x7fffffff) === 0 && lo === 0 ? sign * Infinity : NaN;
  }
  if (e !== 0 && (hi & 0x80000000) === 0) return NaN; // unnormal: unsupported since the 387
  const mant = hi * TWO32 + lo; // one correctly rounded addition
  if (mant === 0) return sign * 0;
  return sign * ldexp(mant * 2 ** -63, (e === 0 ? 1 : e) - 16383);
}

/** The bit pattern of `v` as a double: returns the high word, low word in {@link lastLow}. */
export function doubleBits(v: number): number {
  f64[0] = v;
  lastLowWord = u32[0]! | 0;
  return u32[1]! | 0;
}
let lastLowWord = 0;
/** The low word of the last {@link doubleBits} call. */
export function lastLow(): number {
  return lastLowWord;
}

/** The double with bit pattern `hi:lo`. */
export function doubleFromBits(hi: number, lo: number): number {
  u32[1] = hi;
  u32[0] = lo;
  return f64[0]!;
}

/** The bit pattern of `v` rounded to single precision. */
export function singleBits(v: number): number {
  f32[0] = v;
  return u32s[0]! | 0;
}

/** The single with bit pattern `bits`, as a double. */
export function singleFromBits(bits: number): number {
  u32s[0] = bits;
  return f32[0]!;
}

/** A signed 64-bit integer `hi:lo` as the nearest double. */
export function int64ToDouble(hi: number, lo: number): number {
  return (hi | 0) * TWO32 + (lo >>> 0);
}

/** Round `v` to an integer under x87 rounding control `rc` (0 nearest-even, 1 down, 2 up, 3 toward zero). */
export function roundRc(v: number, rc: number): number {
  switch (rc & 3) {
    case 0: {
      const r = Math.round(v);
      return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }
    case 1:
      return Math.floor(v);
    case 2:
      return Math.ceil(v);
    default:
      return Math.trunc(v);
  }
}
