/**
 * Floating-point operand bit patterns: specials (zeros, infinities, quiet and
 * signalling NaNs, denormals, extremes), exactly-halfway values for rounding,
 * "ordinary" numbers with modest exponents and raw random bits.
 */
import type { Prng } from '../prng.js';

const F64 = new Float64Array(1);
const F64B = new Uint8Array(F64.buffer);
const F32 = new Float32Array(1);
const F32B = new Uint8Array(F32.buffer);

const NICE = [0, 1, -1, 2, 0.5, 1.5, 2.5, 3, -2.5, 10, 0.1, 1 / 3, Math.PI, 1e10, 1e-10, 65535.5, 2147483647.5, -2147483648.5, 4294967296, 1e300, 1e-300, 2 ** 63, -(2 ** 63), 2 ** 52 + 0.5];

/** Eight little-endian bytes of a double. */
export function f64(rng: Prng): number[] {
  const k = rng.below(12);
  if (k === 0) {
    // Specials by bit pattern.
    const hi = rng.pick([0x00000000, 0x80000000, 0x7ff00000, 0xfff00000, 0x7ff80000, 0xfff80000, 0x7ff00000, 0x000fffff, 0x80000000, 0x7fefffff, 0x00100000]);
    let lo = rng.pick([0, 0, 1, 0xffffffff, rng.u32()]);
    if (hi === 0x7ff00000 || hi === 0xfff00000) lo = rng.pick([0, 0, 1, 0x12345]);
    return le32(lo).concat(le32(hi));
  }
  if (k === 1) {
    // Denormal.
    return le32(rng.u32()).concat(le32((rng.below(0x100000) | (rng.chance(0.5) ? 0x80000000 : 0)) >>> 0));
  }
  if (k < 4) {
    F64[0] = rng.pick(NICE) * (rng.chance(0.3) ? -1 : 1);
    return Array.from(F64B);
  }
  if (k < 10) {
    // Modest exponent, random mantissa, so results are ordinary numbers.
    const exp = 1023 + rng.range(-40, 40);
    const hi = ((rng.chance(0.5) ? 0x80000000 : 0) | (exp << 20) | rng.below(0x100000)) >>> 0;
    return le32(rng.chance(0.2) ? 0 : rng.u32()).concat(le32(hi));
  }
  if (k === 10) {
    F64[0] = rng.range(-100000, 100000) / rng.pick([1, 2, 4, 8, 10]);
    return Array.from(F64B);
  }
  return le32(rng.u32()).concat(le32(rng.u32()));
}

/** Four little-endian bytes of a float. */
export function f32(rng: Prng): number[] {
  const k = rng.below(12);
  if (k === 0) {
    const v = rng.pick([0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00000, 0x007fffff, 0x00000001, 0x7f7fffff, 0x00800000, 0x80800000]);
    return le32(v >>> 0);
  }
  if (k === 1) return le32((rng.below(0x800000) | (rng.chance(0.5) ? 0x80000000 : 0)) >>> 0);
  if (k < 4) {
    F32[0] = rng.pick(NICE) * (rng.chance(0.3) ? -1 : 1);
    return Array.from(F32B);
  }
  if (k < 10) {
    const exp = 127 + rng.range(-20, 20);
    return le32(((rng.chance(0.5) ? 0x80000000 : 0) | (exp << 23) | rng.below(0x800000)) >>> 0);
  }
  if (k === 10) {
    F32[0] = rng.range(-100000, 100000) / rng.pick([1, 2, 4, 8, 10]);
    return Array.from(F32B);
  }
  return le32(rng.u32());
}

/** Ten little-endian bytes of an 80-bit extended value. */
export function f80(rng: Prng): number[] {
  const k = rng.below(8);
  if (k < 3) return fromF64(f64(rng));
  const sign = rng.chance(0.5) ? 0x8000 : 0;
  let exp: number;
  let hi: number;
  const lo = rng.u32();
  if (k === 3) {
    // Specials: zero, infinity, NaNs, denormal, pseudo-denormal, unnormal, max.
    const s = rng.below(7);
    exp = [0, 0x7fff, 0x7fff, 0, 0, 0x3fff, 0x7ffe][s]!;
    hi = [0, 0x80000000, 0xc0000000 | rng.below(0x40000000), rng.below(0x80000000), 0x80000000 | rng.u32(), rng.below(0x80000000), 0xffffffff][s]! >>> 0;
    const l = s <= 1 ? 0 : lo;
    return le32(l).concat(le32(hi), [exp & 0xff, (exp >>> 8) | (sign >>> 8)]);
  }
  exp = 0x3fff + rng.range(-60, 60);
  hi = (0x80000000 | rng.u32()) >>> 0;
  return le32(lo).concat(le32(hi), [exp & 0xff, (exp >>> 8) | (sign >>> 8)]);
}

function fromF64(b: number[]): number[] {
  F64B.set(b);
  const v = F64[0]!;
  // Build the exact 80-bit image of a double (normal or zero/inf/NaN; denormals normalised).
  const hiW = (b[7]! << 24) | (b[6]! << 16) | (b[5]! << 8) | b[4]!;
  const sign = hiW < 0 ? 0x8000 : 0;
  let e = (hiW >>> 20) & 0x7ff;
  let mantHi = ((hiW & 0xfffff) << 11) | (((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 21);
  let mantLo = (((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) << 11) >>> 0;
  if (e === 0x7ff) {
    return le32(mantLo).concat(le32((0x80000000 | mantHi) >>> 0), [0xff, 0x7f | (sign >>> 8)]);
  }
  if (e === 0) {
    if (v === 0) return [0, 0, 0, 0, 0, 0, 0, 0, 0, sign >>> 8];
    // Normalise the denormal.
    e = 1;
    while ((mantHi & 0x80000000) === 0) {
      mantHi = ((mantHi << 1) | (mantLo >>> 31)) >>> 0;
      mantLo = (mantLo << 1) >>> 0;
      e--;
    }
    const ex = e - 1023 + 16383 - 1 + 1;
    return le32(mantLo).concat(le32(mantHi >>> 0), [ex & 0xff, (ex >>> 8) | (sign >>> 8)]);
  }
  const ex = e - 1023 + 16383;
  return le32(mantLo).concat(le32((0x80000000 | mantHi) >>> 0), [ex & 0xff, (ex >>> 8) | (sign >>> 8)]);
}

/** Little-endian bytes of a 32-bit value. */
export function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
