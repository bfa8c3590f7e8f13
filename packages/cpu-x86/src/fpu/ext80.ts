/**
 * Software 80-bit extended-precision arithmetic for the x87: add, subtract,
 * multiply and divide of finite operands with rounding under the control
 * word's RC and PC fields, the masked/unmasked underflow and overflow
 * responses, and the PE/UE/OE/DE flags plus C1 (rounded up) (SDM vol. 1,
 * 4.8 and 8.1.5, 8.5.x). Significands are 64-bit, held as two unsigned
 * 32-bit words; intermediate results carry a third word and a sticky bit.
 * No BigInt and no allocation: operands and the result pass through
 * module-level scratch state.
 *
 * @module
 */

import type { Raw80 } from './float80.js';

/** Flag bits returned by the operations (status-word positions; C1 = rounded up). */
export const ExtFlag = { IE: 0x1, DE: 0x2, ZE: 0x4, OE: 0x8, UE: 0x10, PE: 0x20, C1: 0x200 } as const;

// unpacked operands: sign (0/1), biased exponent (may be < 1 after normalizing a denormal), significand words
let aS = 0, aE = 0, aH = 0, aL = 0, aZ = false;
let bS = 0, bE = 0, bH = 0, bL = 0, bZ = false;
// the working significand (m0 has the integer bit at bit 31), extension word and sticky bit
let m0 = 0, m1 = 0, m2 = 0, st = 0;

/** Unpack a finite 80-bit value into a or b; returns DE when it is a denormal. Zero is flagged, not normalized. */
function unpack(x: Raw80, into: number): number {
  const s = (x.se >>> 15) & 1;
  let e = x.se & 0x7fff;
  let h = x.hi >>> 0;
  let l = x.lo >>> 0;
  let de = 0;
  const z = h === 0 && l === 0;
  if (!z && e === 0) {
    // denormal or pseudo-denormal: scaled as exponent 1
    de = ExtFlag.DE;
    e = 1;
  }
  if (!z && (h & 0x80000000) === 0) {
    if (h === 0) {
      h = l;
      l = 0;
      e -= 32;
    }
    const n = Math.clz32(h);
    if (n > 0) {
      h = ((h << n) | (l >>> (32 - n))) >>> 0;
      l = (l << n) >>> 0;
      e -= n;
    }
  }
  if (into === 0) {
    aS = s; aE = e; aH = h; aL = l; aZ = z;
  } else {
    bS = s; bE = e; bH = h; bL = l; bZ = z;
  }
  return de;
}

/** Shift (m0,m1,m2) right by n bits, collecting lost bits in the sticky bit. */
function shiftRight(n: number): void {
  while (n >= 32) {
    if (m2 !== 0) st = 1;
    m2 = m1;
    m1 = m0;
    m0 = 0;
    n -= 32;
    if (m0 === 0 && m1 === 0 && m2 === 0) return;
  }
  if (n > 0) {
    if ((m2 << (32 - n)) !== 0) st = 1;
    m2 = ((m2 >>> n) | (m1 << (32 - n))) >>> 0;
    m1 = ((m1 >>> n) | (m0 << (32 - n))) >>> 0;
    m0 = m0 >>> n;
  }
}

/** Shift (m0,m1,m2) left until m0's bit 31 is set (the value is non-zero); returns the shift. */
function normalize(): number {
  let k = 0;
  while (m0 === 0) {
    m0 = m1;
    m1 = m2;
    m2 = 0;
    k += 32;
  }
  const n = Math.clz32(m0);
  if (n > 0) {
    m0 = ((m0 << n) | (m1 >>> (32 - n))) >>> 0;
    m1 = ((m1 << n) | (m2 >>> (32 - n))) >>> 0;
    m2 = (m2 << n) >>> 0;
  }
  return k + n;
}

/**
 * Round the working significand (value = m * 2^(e - 16383 - 63)) to the
 * precision of `cw` and pack it into `out`. Returns PE/UE/OE and C1.
 */
function roundPack(sign: number, e: number, cw: number, out: Raw80): number {
  let flags = 0;
  const rc = (cw >>> 10) & 3;
  const pc = (cw >>> 8) & 3;
  let tiny = false;
  if (e < 1) {
    if ((cw & ExtFlag.UE) !== 0) {
      // masked underflow: denormalize (SDM 4.9.1.5)
      tiny = true;
      shiftRight(1 - e);
      e = 0;
    } else {
      // unmasked: deliver the result scaled up by 2^24576
      flags |= ExtFlag.UE;
      e += 24576;
    }
  }
  let rb: number, rest: number, lsb: number;
  if (pc === 0) {
    rb = (m0 >>> 7) & 1;
    rest = (m0 & 0x7f) | m1 | m2 | st;
    lsb = (m0 >>> 8) & 1;
    m0 = (m0 & ~0xff) >>> 0;
    m1 = 0;
  } else if (pc === 2) {
    rb = (m1 >>> 10) & 1;
    rest = (m1 & 0x3ff) | m2 | st;
    lsb = (m1 >>> 11) & 1;
    m1 = (m1 & ~0x7ff) >>> 0;
  } else {
    rb = m2 >>> 31;
    rest = (m2 & 0x7fffffff) | st;
    lsb = m1 & 1;
  }
  const inexact = rb !== 0 || rest !== 0;
  let up = false;
  if (inexact) {
    flags |= ExtFlag.PE;
    if (rc === 0) up = rb !== 0 && (rest !== 0 || lsb !== 0);
    else if (rc === 1) up = sign !== 0;
    else if (rc === 2) up = sign === 0;
    if (tiny && (cw & ExtFlag.UE) !== 0) flags |= ExtFlag.UE;
  }
  if (up) {
    flags |= ExtFlag.C1;
    const inc = pc === 0 ? 0x100 : pc === 2 ? 0x800 : 1;
    if (pc === 0) {
      m0 += inc;
    } else {
      m1 += inc;
      if (m1 > 0xffffffff) {
        m1 = m1 >>> 0;
        m0 += 1;
      }
    }
    if (m0 > 0xffffffff) {
      m0 = 0x80000000;
      e++;
    }
  }
  if (e === 0 && (m0 & 0x80000000) !== 0) e = 1; // a denormal rounded up to the smallest normal
  if (e >= 0x7fff) {
    if ((cw & ExtFlag.OE) === 0) {
      flags |= ExtFlag.OE;
      e -= 24576;
    } else {
      flags |= ExtFlag.OE | ExtFlag.PE;
      flags &= ~ExtFlag.C1;
      const toInf = rc === 0 || (rc === 1 && sign !== 0) || (rc === 2 && sign === 0);
      if (toInf) {
        flags |= ExtFlag.C1;
        out.se = (sign << 15) | 0x7fff;
        out.hi = 0x80000000;
        out.lo = 0;
      } else {
        out.se = (sign << 15) | 0x7ffe;
        out.hi = pc === 0 ? 0xffffff00 : 0xffffffff;
        out.lo = pc === 0 ? 0 : pc === 2 ? 0xfffff800 : 0xffffffff;
      }
      return flags;
    }
  }
  out.se = (sign << 15) | e;
  out.hi = m0 >>> 0;
  out.lo = m1 >>> 0;
  return flags;
}

/** A signed zero into `out`. */
function zero(sign: number, out: Raw80): void {
  out.se = sign << 15;
  out.hi = 0;
  out.lo = 0;
}

/** a + b (negate b first for subtraction: pass `negB`). Both finite. */
export function add80(a: Raw80, b: Raw80, negB: boolean, cw: number, out: Raw80): number {
  const de = unpack(a, 0) | unpack(b, 1);
  if (negB) bS ^= 1;
  if (aZ && bZ) {
    zero(aS === bS ? aS : ((cw >>> 10) & 3) === 1 ? 1 : 0, out);
    return de;
  }
  st = 0;
  m2 = 0;
  if (bZ || aZ) {
    if (aZ) {
      m0 = bH; m1 = bL;
      return de | roundPack(bS, bE, cw, out);
    }
    m0 = aH; m1 = aL;
    return de | roundPack(aS, aE, cw, out);
  }
  // order so that |a| >= |b|
  if (bE > aE || (bE === aE && (bH > aH || (bH === aH && bL > aL)))) {
    let t = aS; aS = bS; bS = t;
    t = aE; aE = bE; bE = t;
    t = aH; aH = bH; bH = t;
    t = aL; aL = bL; bL = t;
  }
  m0 = bH; m1 = bL;
  shiftRight(aE - bE);
  let e = aE;
  if (aS === bS) {
    let w1 = aL + m1;
    let w0 = aH + m0;
    if (w1 > 0xffffffff) {
      w1 -= 0x100000000;
      w0 += 1;
    }
    m1 = w1;
    m0 = w0;
    if (m0 > 0xffffffff) {
      m0 -= 0x100000000;
      if ((m2 & 1) !== 0) st = 1;
      m2 = ((m2 >>> 1) | ((m1 & 1) << 31)) >>> 0;
      m1 = ((m1 >>> 1) | ((m0 & 1) << 31)) >>> 0;
      m0 = ((m0 >>> 1) | 0x80000000) >>> 0;
      e++;
    }
    return de | roundPack(aS, e, cw, out);
  }
  // magnitude subtraction; the sticky bit counts as a borrow below m2
  let w2 = 0 - m2 - st;
  let borrow = 0;
  if (w2 < 0) {
    w2 += 0x100000000;
    borrow = 1;
  }
  let w1 = aL - m1 - borrow;
  borrow = 0;
  if (w1 < 0) {
    w1 += 0x100000000;
    borrow = 1;
  }
  const w0 = aH - m0 - borrow;
  m0 = w0 >>> 0;
  m1 = w1 >>> 0;
  m2 = w2 >>> 0;
  if (m0 === 0 && m1 === 0 && m2 === 0 && st === 0) {
    zero(((cw >>> 10) & 3) === 1 ? 1 : 0, out);
    return de;
  }
  e -= normalize();
  return de | roundPack(aS, e, cw, out);
}

const la = new Float64Array(4);
const lb = new Float64Array(4);
const col = new Float64Array(8);

/** a * b, both finite. */
export function mul80(a: Raw80, b: Raw80, cw: number, out: Raw80): number {
  const de = unpack(a, 0) | unpack(b, 1);
  const s = aS ^ bS;
  if (aZ || bZ) {
    zero(s, out);
    return de;
  }
  la[0] = aL & 0xffff; la[1] = aL >>> 16; la[2] = aH & 0xffff; la[3] = aH >>> 16;
  lb[0] = bL & 0xffff; lb[1] = bL >>> 16; lb[2] = bH & 0xffff; lb[3] = bH >>> 16;
  col.fill(0);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) col[i + j] += la[i]! * lb[j]!;
  let carry = 0;
  for (let k = 0; k < 8; k++) {
    const v = col[k]! + carry;
    col[k] = v % 65536;
    carry = Math.floor(v / 65536);
  }
  m0 = (col[7]! * 65536 + col[6]!) >>> 0;
  m1 = (col[5]! * 65536 + col[4]!) >>> 0;
  m2 = (col[3]! * 65536 + col[2]!) >>> 0;
  st = col[1]! !== 0 || col[0]! !== 0 ? 1 : 0;
  let e = aE + bE - 16383 + 1;
  if ((m0 & 0x80000000) === 0) {
    m0 = ((m0 << 1) | (m1 >>> 31)) >>> 0;
    m1 = ((m1 << 1) | (m2 >>> 31)) >>> 0;
    m2 = (m2 << 1) >>> 0;
    e--;
  }
  return de | roundPack(s, e, cw, out);
}

/** a / b, both finite; returns ZE (nothing stored) for a non-zero a over zero. */
export function div80(a: Raw80, b: Raw80, cw: number, out: Raw80): number {
  const de = unpack(a, 0) | unpack(b, 1);
  const s = aS ^ bS;
  if (bZ) {
    // the hardware reports a zero divisor without DE for a denormal dividend
    if (aZ) return ExtFlag.IE;
    out.se = (s << 15) | 0x7fff;
    out.hi = 0x80000000;
    out.lo = 0;
    return ExtFlag.ZE;
  }
  if (aZ) {
    zero(s, out);
    return de;
  }
  let e = aE - bE + 16383;
  // remainder r = rt:rh:rl (65 bits), starting with A (or 2A when A < B so the quotient's first bit is 1)
  let rt = 0, rh = aH, rl = aL;
  if (aH < bH || (aH === bH && aL < bL)) {
    rt = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = (rl << 1) >>> 0;
    e--;
  }
  let q0 = 0, q1 = 0, q2 = 0;
  for (let i = 0; i < 66; i++) {
    let bit = 0;
    if (rt !== 0 || rh > bH || (rh === bH && rl >= bL)) {
      bit = 1;
      let l = rl - bL;
      let br = 0;
      if (l < 0) {
        l += 0x100000000;
        br = 1;
      }
      const h = rh - bH - br;
      rl = l;
      rh = h >>> 0;
      rt = 0;
    }
    if (i < 32) q0 = ((q0 << 1) | bit) >>> 0;
    else if (i < 64) q1 = ((q1 << 1) | bit) >>> 0;
    else q2 = ((q2 << 1) | bit) >>> 0;
    rt = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = (rl << 1) >>> 0;
  }
  m0 = q0;
  m1 = q1;
  m2 = (q2 << 30) >>> 0;
  st = rt !== 0 || rh !== 0 || rl !== 0 ? 1 : 0;
  return de | roundPack(s, e, cw, out);
}

/** A signed 64-bit integer `hi:lo` as an exact 80-bit value (FILD m64int). */
export function int64To80(hi: number, lo: number, out: Raw80): void {
  let s = 0;
  let h = hi >>> 0;
  let l = lo >>> 0;
  if ((hi | 0) < 0) {
    s = 1;
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  if (h === 0 && l === 0) {
    zero(s, out);
    return;
  }
  let e = 16383 + 63;
  if (h === 0) {
    h = l;
    l = 0;
    e -= 32;
  }
  const n = Math.clz32(h);
  if (n > 0) {
    h = ((h << n) | (l >>> (32 - n))) >>> 0;
    l = (l << n) >>> 0;
    e -= n;
  }
  out.se = (s << 15) | e;
  out.hi = h;
  out.lo = l;
}

// FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2 rounded to nearest: exponent, significand, and which way the
// exact value lies from it (+1 above: RC up adds one; -1 below: RC down/zero subtract one) (SDM vol. 1, 8.3.4)
const CONST_SE = [0x4000, 0x3fff, 0x4000, 0x3ffd, 0x3ffe];
const CONST_HI = [0xd49a784b, 0xb8aa3b29, 0xc90fdaa2, 0x9a209a84, 0xb17217f7];
const CONST_LO = [0xcd1b8afe, 0x5c17f0bc, 0x2168c235, 0xfbcff799, 0xd1cf79ac];
const CONST_DIR = [1, -1, -1, -1, -1];

/** The x87 constant `k` (0 L2T .. 4 LN2) rounded under `rc` into `out`. */
export function constant80(k: number, rc: number, out: Raw80): void {
  out.se = CONST_SE[k]!;
  out.hi = CONST_HI[k]!;
  let lo = CONST_LO[k]!;
  if (CONST_DIR[k]! > 0 && rc === 2) lo += 1;
  else if (CONST_DIR[k]! < 0 && (rc === 1 || rc === 3)) lo -= 1;
  out.lo = lo >>> 0;
}

/** Operand classes for the x87's special-operand rules (SDM vol. 1, 8.2.2, table 8-3). */
export const ExtClass = { FINITE: 0, INF: 1, QNAN: 2, SNAN: 3, UNSUPPORTED: 4 } as const;

/** Classify an 80-bit pattern: unnormals, pseudo-infinities and pseudo-NaNs are unsupported since the 387. */
export function classify80(se: number, hi: number, lo: number): number {
  const e = se & 0x7fff;
  const j = (hi & 0x80000000) !== 0;
  if (e === 0x7fff) {
    if (!j) return ExtClass.UNSUPPORTED;
    if ((hi & 0x7fffffff) === 0 && lo === 0) return ExtClass.INF;
    return (hi & 0x40000000) !== 0 ? ExtClass.QNAN : ExtClass.SNAN;
  }
  if (e !== 0 && !j) return ExtClass.UNSUPPORTED;
  return ExtClass.FINITE;
}

/** Magnitude of the last {@link roundToInt} result: high and low 32 bits. */
export let intHi = 0;
/** See {@link intHi}. */
export let intLo = 0;

/**
 * Round a finite 80-bit value to an integer under `rc` (FIST/FISTP/FRNDINT/FBSTP). The magnitude
 * goes to {@link intHi}/{@link intLo}; returns PE and C1 (rounded up), or IE when the magnitude
 * reaches 2^64.
 */
export function roundToInt(x: Raw80, rc: number): number {
  unpack(x, 0);
  intHi = 0;
  intLo = 0;
  if (aZ) return 0;
  const e = aE - 16383;
  if (e >= 64) return ExtFlag.IE;
  m0 = aH;
  m1 = aL;
  m2 = 0;
  st = 0;
  const shift = 63 - e;
  if (shift > 96) {
    m0 = 0; m1 = 0; m2 = 0; st = 1;
  } else shiftRight(shift);
  // integer part in m0:m1, fraction in m2 and the sticky bit
  const rb = m2 >>> 31;
  const rest = (m2 & 0x7fffffff) | st;
  let flags = 0;
  let up = false;
  if (rb !== 0 || rest !== 0) {
    flags |= ExtFlag.PE;
    if ((rc & 3) === 0) up = rb !== 0 && (rest !== 0 || (m1 & 1) !== 0);
    else if ((rc & 3) === 1) up = aS !== 0;
    else if ((rc & 3) === 2) up = aS === 0;
  }
  if (up) {
    flags |= ExtFlag.C1;
    m1 += 1;
    if (m1 > 0xffffffff) {
      m1 = 0;
      m0 += 1;
      if (m0 > 0xffffffff) return ExtFlag.IE;
    }
  }
  intHi = m0 >>> 0;
  intLo = m1 >>> 0;
  return flags;
}

/** Bits of the last {@link roundToFormat} result: the single, or the double's high word. */
export let fmtHi = 0;
/** The double's low word of the last {@link roundToFormat} result. */
export let fmtLo = 0;

/**
 * Round a finite 80-bit value to single or double format under `cw`'s RC (FST/FSTP m32/m64;
 * SDM vol. 1, 4.8.4). The bits go to {@link fmtHi}/{@link fmtLo}; returns PE/UE/OE/C1. With UE
 * unmasked and a tiny value, or OE unmasked and an overflow, it returns the flag and nothing is valid.
 */
export function roundToFormat(x: Raw80, single: boolean, cw: number): number {
  unpack(x, 0);
  const sign = aS;
  fmtLo = 0;
  if (aZ) {
    fmtHi = (sign << 31) | 0;
    return 0;
  }
  const rc = (cw >>> 10) & 3;
  const maxE = single ? 0xff : 0x7ff;
  let e = aE - 16383 + (single ? 127 : 1023);
  m0 = aH;
  m1 = aL;
  m2 = 0;
  st = 0;
  let flags = 0;
  let tiny = false;
  if (e < 1) {
    if ((cw & ExtFlag.UE) === 0) return ExtFlag.UE;
    tiny = true;
    const n = 1 - e;
    if (n > 96) {
      m0 = 0; m1 = 0; m2 = 0; st = 1;
    } else shiftRight(n);
    e = 0;
  }
  let rb: number, rest: number, lsb: number;
  if (single) {
    rb = (m0 >>> 7) & 1;
    rest = (m0 & 0x7f) | m1 | m2 | st;
    lsb = (m0 >>> 8) & 1;
    m0 = (m0 & ~0xff) >>> 0;
    m1 = 0;
  } else {
    rb = (m1 >>> 10) & 1;
    rest = (m1 & 0x3ff) | m2 | st;
    lsb = (m1 >>> 11) & 1;
    m1 = (m1 & ~0x7ff) >>> 0;
  }
  let up = false;
  if (rb !== 0 || rest !== 0) {
    flags |= ExtFlag.PE;
    if (tiny) flags |= ExtFlag.UE;
    if (rc === 0) up = rb !== 0 && (rest !== 0 || lsb !== 0);
    else if (rc === 1) up = sign !== 0;
    else if (rc === 2) up = sign === 0;
  }
  if (up) {
    flags |= ExtFlag.C1;
    if (single) m0 += 0x100;
    else {
      m1 += 0x800;
      if (m1 > 0xffffffff) {
        m1 = m1 >>> 0;
        m0 += 1;
      }
    }
    if (m0 > 0xffffffff) {
      m0 = 0x80000000;
      e++;
    }
  }
  if (e === 0 && (m0 & 0x80000000) !== 0) e = 1;
  if (e >= maxE) {
    if ((cw & ExtFlag.OE) === 0) return ExtFlag.OE | (flags & ExtFlag.PE);
    const toInf = rc === 0 || (rc === 1 && sign !== 0) || (rc === 2 && sign === 0);
    flags = ExtFlag.OE | ExtFlag.PE | (toInf ? ExtFlag.C1 : 0);
    if (single) fmtHi = (sign << 31) | (toInf ? 0x7f800000 : 0x7f7fffff);
    else {
      fmtHi = (sign << 31) | (toInf ? 0x7ff00000 : 0x7fefffff);
      fmtLo = toInf ? 0 : -1;
    }
    return flags;
  }
  if (single) fmtHi = (sign << 31) | (e << 23) | ((m0 >>> 8) & 0x7fffff);
  else {
    fmtHi = (sign << 31) | (e << 20) | ((m0 >>> 11) & 0xfffff);
    fmtLo = ((m0 << 21) | (m1 >>> 11)) | 0;
  }
  return flags;
}

/**
 * Compare two 80-bit values that are finite or infinite: -1 (a < b), 0 (equal; +0 = -0), 1 (a > b).
 * Adds DE to the returned value's bit 8 (0x100... see below) when an operand is a denormal: the
 * result is `order | (denormal ? 4 : 0)` with order 0 (a > b), 1 (a < b), 2 (equal).
 */
export function compare80(a: Raw80, b: Raw80): number {
  const de = unpack(a, 0) | unpack(b, 1) ? 4 : 0;
  if (aZ && bZ) return 2 | de;
  // order by sign, then exponent and significand (zero below everything)
  let c: number;
  if (aZ) c = bS ? 1 : -1;
  else if (bZ) c = aS ? -1 : 1;
  else if (aS !== bS) c = aS ? -1 : 1;
  else {
    c = aE > bE ? 1 : aE < bE ? -1 : aH > bH ? 1 : aH < bH ? -1 : aL > bL ? 1 : aL < bL ? -1 : 0;
    if (aS) c = -c;
  }
  return (c > 0 ? 0 : c < 0 ? 1 : 2) | de;
}

/** Square root of a finite, non-negative 80-bit value (a negative non-zero one gives IE); -0 stays -0. */
export function sqrt80(a: Raw80, cw: number, out: Raw80): number {
  const de = unpack(a, 0);
  if (aZ) {
    zero(aS, out);
    return de;
  }
  if (aS !== 0) return ExtFlag.IE; // invalid takes precedence over a denormal operand
  // M' = significand (times 2 when the exponent is odd) in [2^63, 2^65); radicand M' * 2^67
  let k = aE - 16383;
  let mt = 0, mh = aH, ml = aL;
  if ((k & 1) !== 0) {
    mt = mh >>> 31;
    mh = ((mh << 1) | (ml >>> 31)) >>> 0;
    ml = (ml << 1) >>> 0;
    k -= 1;
  }
  let qH = 0, qM = 0, qL = 0;
  let rH = 0, rM = 0, rL = 0;
  for (let i = 131; i > 0; i -= 2) {
    // next two radicand bits (i, i-1): bit j of M' sits at radicand bit j + 67
    let pair = 0;
    for (let b = i; b >= i - 1; b--) {
      const j = b - 67;
      const bit = j < 0 ? 0 : j === 64 ? mt : j >= 32 ? (mh >>> (j - 32)) & 1 : (ml >>> j) & 1;
      pair = (pair << 1) | bit;
    }
    rH = ((rH << 2) | (rM >>> 30)) >>> 0;
    rM = ((rM << 2) | (rL >>> 30)) >>> 0;
    rL = ((rL << 2) | pair) >>> 0;
    const tH = ((qH << 2) | (qM >>> 30)) >>> 0;
    const tM = ((qM << 2) | (qL >>> 30)) >>> 0;
    const tL = ((qL << 2) | 1) >>> 0;
    const ge = rH > tH || (rH === tH && (rM > tM || (rM === tM && rL >= tL)));
    qH = ((qH << 1) | (qM >>> 31)) >>> 0;
    qM = ((qM << 1) | (qL >>> 31)) >>> 0;
    qL = ((qL << 1) | (ge ? 1 : 0)) >>> 0;
    if (ge) {
      let l = rL - tL;
      let br = 0;
      if (l < 0) {
        l += 0x100000000;
        br = 1;
      }
      let mm = rM - tM - br;
      br = 0;
      if (mm < 0) {
        mm += 0x100000000;
        br = 1;
      }
      rH = (rH - tH - br) >>> 0;
      rM = mm;
      rL = l;
    }
  }
  // q has 66 bits (bit 65 set): the top 64 are the significand, the low 2 the round bits
  m0 = ((qH << 30) | (qM >>> 2)) >>> 0;
  m1 = ((qM << 30) | (qL >>> 2)) >>> 0;
  m2 = (qL << 30) >>> 0;
  st = rH !== 0 || rM !== 0 || rL !== 0 ? 1 : 0;
  return de | roundPack(0, k / 2 + 16383, cw, out);
}

/** FRNDINT: a finite 80-bit value rounded to an integer under `rc` (PE and C1 as for FIST). */
export function rndint80(a: Raw80, rc: number, out: Raw80): number {
  const e = (a.se & 0x7fff) - 16383;
  if (e >= 63) {
    out.se = a.se;
    out.hi = a.hi >>> 0;
    out.lo = a.lo >>> 0;
    return 0;
  }
  const de = (a.se & 0x7fff) === 0 && ((a.hi | a.lo) !== 0) ? ExtFlag.DE : 0;
  const f = roundToInt(a, rc);
  const sign = (a.se >>> 15) & 1;
  if (intHi === 0 && intLo === 0) {
    zero(sign, out);
    return de | f;
  }
  int64To80(intHi | 0, intLo | 0, out);
  if ((intHi | 0) < 0) {
    // 2^63 exactly (a negative int64 pattern): int64To80 saw it as -2^63
    out.se = 0x3fff + 63;
  }
  out.se = (out.se & 0x7fff) | (sign << 15);
  return de | f;
}

/** FXTRACT of a finite non-zero value: the significand (exponent 0x3fff) into `out`, the unbiased exponent returned. */
export function fxtract80(a: Raw80, out: Raw80): number {
  unpack(a, 0);
  out.se = (aS << 15) | 0x3fff;
  out.hi = aH;
  out.lo = aL;
  return aE - 16383;
}

/** FSCALE of finite values: a * 2^trunc(b), rounded only when the result leaves the normal range (PC does not apply). */
export function scale80(a: Raw80, b: Raw80, cw: number, out: Raw80): number {
  const deB = (b.se & 0x7fff) === 0 && (b.hi | b.lo) !== 0 ? ExtFlag.DE : 0;
  const fi = roundToInt(b, 3);
  // beyond +-2^20 every finite a overflows or underflows alike
  let n = (fi & ExtFlag.IE) !== 0 || intHi !== 0 || intLo > 0x100000 ? 0x100000 : intLo;
  if ((b.se & 0x8000) !== 0) n = -n;
  const de = unpack(a, 0) | deB;
  if (aZ) {
    zero(aS, out);
    return de;
  }
  m0 = aH;
  m1 = aL;
  m2 = 0;
  st = 0;
  return de | roundPack(aS, aE + n, cw | 0x300, out);
}

/** Quotient bits of the last {@link prem80}: the low three bits (C0 = Q2, C3 = Q1, C1 = Q0), and 1 << 3 when the reduction is partial (C2). */
export let premQ = 0;

/**
 * FPREM (`ieee` false: quotient truncated) or FPREM1 (`ieee`: rounded to nearest-even) of finite
 * non-zero a by finite non-zero b, exactly. When the exponents differ by 64 or more only a partial
 * reduction by 2^(32..63) multiples is made (C2), as the SDM describes.
 */
export function prem80(a: Raw80, b: Raw80, ieee: boolean, out: Raw80): number {
  const de = unpack(a, 0) | unpack(b, 1);
  let sign = aS;
  let d = aE - bE;
  let partial = false;
  let outE = bE;
  if (d >= 64) {
    // reduce by a multiple of b * 2^(d - n), n in 32..63
    const n = (d & 31) | 32;
    outE = bE + (d - n);
    d = n;
    partial = true;
  }
  let q = 0;
  let rh = aH, rl = aL;
  if (d < 0) {
    outE = aE;
    if (ieee && d === -1 && (aH > bH || (aH === bH && aL > bL))) {
      // |a| > |b|/2: a - b, computed at a's scale as -(2B - A)
      let l = bL * 2;
      let h = bH * 2;
      if (l > 0xffffffff) {
        l -= 0x100000000;
        h += 1;
      }
      l -= aL;
      if (l < 0) {
        l += 0x100000000;
        h -= 1;
      }
      h -= aH;
      rh = h >>> 0;
      rl = l >>> 0;
      sign ^= 1;
      q = 1;
    }
  } else {
    let rt = 0;
    for (let i = 0; i <= d; i++) {
      q = (q << 1) & 0xf;
      if (rt !== 0 || rh > bH || (rh === bH && rl >= bL)) {
        let l = rl - bL;
        let br = 0;
        if (l < 0) {
          l += 0x100000000;
          br = 1;
        }
        rh = (rh - bH - br) >>> 0;
        rl = l;
        q |= 1;
      }
      if (i < d) {
        rt = rh >>> 31;
        rh = ((rh << 1) | (rl >>> 31)) >>> 0;
        rl = (rl << 1) >>> 0;
      }
    }
    if (ieee && !partial) {
      // B - R, then round: 2R > B, or a tie with an odd quotient
      let l = bL - rl;
      let h = bH - rh;
      if (l < 0) {
        l += 0x100000000;
        h -= 1;
      }
      const gt = rh > h || (rh === h && rl > l);
      const eq = rh === h && rl === l;
      if (gt || (eq && (q & 1) !== 0)) {
        rh = h >>> 0;
        rl = l >>> 0;
        sign ^= 1;
        q += 1;
      }
    }
  }
  premQ = (q & 7) | (partial ? 8 : 0);
  if (rh === 0 && rl === 0) {
    zero(aS, out);
    return de;
  }
  m0 = rh;
  m1 = rl;
  m2 = 0;
  st = 0;
  const e = outE - normalize();
  return de | roundPack(sign, e, 0x37f, out);
}
