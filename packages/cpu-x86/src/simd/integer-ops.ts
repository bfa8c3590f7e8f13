/**
 * Packed-integer lane operations shared by MMX (2 dwords) and SSE2 (4
 * dwords) forms: `op(d, s, n)` computes d = d OP s over `n` dwords of lanes
 * (SDM vol. 2, the P* instruction pages).
 *
 * @module
 */

import type { Lanes } from './lanes.js';

/** A packed operation over `n` dwords. */
export type PackedOp = (d: Lanes, s: Lanes, n: number) => void;

const sat8 = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
const satU8 = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
const sat16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
const satU16 = (v: number): number => (v > 65535 ? 65535 : v < 0 ? 0 : v);

/** PADDB */
export const paddb: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 4; i++) d.u8[i] = d.u8[i]! + s.u8[i]!;
};
/** PADDW */
export const paddw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.u16[i] = d.u16[i]! + s.u16[i]!;
};
/** PADDD */
export const paddd: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i++) d.i32[i] = (d.i32[i]! + s.i32[i]!) | 0;
};
/** PADDQ */
export const paddq: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i += 2) {
    const lo = (d.u32[i]! + s.u32[i]!) >>> 0;
    const carry = lo < d.u32[i]! ? 1 : 0;
    d.u32[i + 1] = (d.u32[i + 1]! + s.u32[i + 1]! + carry) >>> 0;
    d.u32[i] = lo;
  }
};
/** PSUBB */
export const psubb: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 4; i++) d.u8[i] = d.u8[i]! - s.u8[i]!;
};
/** PSUBW */
export const psubw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.u16[i] = d.u16[i]! - s.u16[i]!;
};
/** PSUBD */
export const psubd: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i++) d.i32[i] = (d.i32[i]! - s.i32[i]!) | 0;
};
/** PSUBQ */
export const psubq: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i += 2) {
    const borrow = d.u32[i]! < s.u32[i]! ? 1 : 0;
    d.u32[i] = (d.u32[i]! - s.u32[i]!) >>> 0;
    d.u32[i + 1] = (d.u32[i + 1]! - s.u32[i + 1]! - borrow) >>> 0;
  }
};
/** PADDSB */
export const paddsb: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 4; i++) d.i8[i] = sat8(d.i8[i]! + s.i8[i]!);
};
/** PADDSW */
export const paddsw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.i16[i] = sat16(d.i16[i]! + s.i16[i]!);
};
/** PADDUSB */
export const paddusb: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 4; i++) d.u8[i] = satU8(d.u8[i]! + s.u8[i]!);
};
/** PADDUSW */
export const paddusw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.u16[i] = satU16(d.u16[i]! + s.u16[i]!);
};
/** PSUBSB */
export const psubsb: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 4; i++) d.i8[i] = sat8(d.i8[i]! - s.i8[i]!);
};
/** PSUBSW */
export const psubsw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.i16[i] = sat16(d.i16[i]! - s.i16[i]!);
};
/** PSUBUSB */
export const psubusb: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 4; i++) d.u8[i] = satU8(d.u8[i]! - s.u8[i]!);
};
/** PSUBUSW */
export const psubusw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.u16[i] = satU16(d.u16[i]! - s.u16[i]!);
};
/** PMULLW */
export const pmullw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.i16[i] = Math.imul(d.i16[i]!, s.i16[i]!);
};
/** PMULHW */
export const pmulhw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.i16[i] = (d.i16[i]! * s.i16[i]!) >> 16;
};
/** PMULHUW */
export const pmulhuw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.u16[i] = (d.u16[i]! * s.u16[i]!) >>> 16;
};
/** PMADDWD: pairs of signed word products summed into dwords (0x8000 * 0x8000 * 2 wraps to 0x80000000). */
export const pmaddwd: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i++) d.i32[i] = (d.i16[2 * i]! * s.i16[2 * i]! + d.i16[2 * i + 1]! * s.i16[2 * i + 1]!) | 0;
};
/** PMULUDQ: low dword of each qword, unsigned, full 64-bit product. */
export const pmuludq: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i += 2) {
    const a = d.u32[i]!;
    const b = s.u32[i]!;
    // split into 16-bit halves so every partial product is exact
    const a0 = a & 0xffff;
    const a1 = a >>> 16;
    const b0 = b & 0xffff;
    const b1 = b >>> 16;
    const lo = a0 * b0;
    const mid = a1 * b0 + a0 * b1; // < 2^33
    const hi = a1 * b1;
    const low32 = lo + (mid % 65536) * 65536;
    d.u32[i] = low32 >>> 0;
    d.u32[i + 1] = (hi + Math.floor(mid / 65536) + Math.floor(low32 / 4294967296)) >>> 0;
  }
};
/** PAND */
export const pand: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i++) d.i32[i] = d.i32[i]! & s.i32[i]!;
};
/** PANDN */
export const pandn: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i++) d.i32[i] = ~d.i32[i]! & s.i32[i]!;
};
/** POR */
export const por: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i++) d.i32[i] = d.i32[i]! | s.i32[i]!;
};
/** PXOR */
export const pxor: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i++) d.i32[i] = d.i32[i]! ^ s.i32[i]!;
};
/** PCMPEQB */
export const pcmpeqb: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 4; i++) d.u8[i] = d.u8[i] === s.u8[i] ? 0xff : 0;
};
/** PCMPEQW */
export const pcmpeqw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.u16[i] = d.u16[i] === s.u16[i] ? 0xffff : 0;
};
/** PCMPEQD */
export const pcmpeqd: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i++) d.i32[i] = d.i32[i] === s.i32[i] ? -1 : 0;
};
/** PCMPGTB */
export const pcmpgtb: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 4; i++) d.u8[i] = d.i8[i]! > s.i8[i]! ? 0xff : 0;
};
/** PCMPGTW */
export const pcmpgtw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.u16[i] = d.i16[i]! > s.i16[i]! ? 0xffff : 0;
};
/** PCMPGTD */
export const pcmpgtd: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i++) d.i32[i] = d.i32[i]! > s.i32[i]! ? -1 : 0;
};
/** PAVGB */
export const pavgb: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 4; i++) d.u8[i] = (d.u8[i]! + s.u8[i]! + 1) >> 1;
};
/** PAVGW */
export const pavgw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) d.u16[i] = (d.u16[i]! + s.u16[i]! + 1) >> 1;
};
/** PMINUB */
export const pminub: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 4; i++) if (s.u8[i]! < d.u8[i]!) d.u8[i] = s.u8[i]!;
};
/** PMAXUB */
export const pmaxub: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 4; i++) if (s.u8[i]! > d.u8[i]!) d.u8[i] = s.u8[i]!;
};
/** PMINSW */
export const pminsw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) if (s.i16[i]! < d.i16[i]!) d.i16[i] = s.i16[i]!;
};
/** PMAXSW */
export const pmaxsw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n * 2; i++) if (s.i16[i]! > d.i16[i]!) d.i16[i] = s.i16[i]!;
};
/** PSADBW: sum of absolute byte differences per qword, into the qword's low word. */
export const psadbw: PackedOp = (d, s, n) => {
  for (let q = 0; q < n; q += 2) {
    let sum = 0;
    for (let i = q * 4; i < q * 4 + 8; i++) sum += Math.abs(d.u8[i]! - s.u8[i]!);
    d.u32[q] = sum;
    d.u32[q + 1] = 0;
  }
};

/** Copy of the destination, for the pack/unpack ops that read lanes after writing others. */
const tmp = new Int32Array(4);
const tmp8 = new Uint8Array(tmp.buffer);
const tmp16 = new Int16Array(tmp.buffer);

/** PACKSSWB: words of d then s, saturated to signed bytes. */
export const packsswb: PackedOp = (d, s, n) => {
  const w = n * 2;
  for (let i = 0; i < w; i++) {
    tmp8[i] = sat8(d.i16[i]!);
    tmp8[i + w] = sat8(s.i16[i]!);
  }
  for (let i = 0; i < n; i++) d.i32[i] = tmp[i]!;
};
/** PACKUSWB */
export const packuswb: PackedOp = (d, s, n) => {
  const w = n * 2;
  for (let i = 0; i < w; i++) {
    tmp8[i] = satU8(d.i16[i]!);
    tmp8[i + w] = satU8(s.i16[i]!);
  }
  for (let i = 0; i < n; i++) d.i32[i] = tmp[i]!;
};
/** PACKSSDW */
export const packssdw: PackedOp = (d, s, n) => {
  for (let i = 0; i < n; i++) {
    tmp16[i] = sat16(d.i32[i]!);
    tmp16[i + n] = sat16(s.i32[i]!);
  }
  for (let i = 0; i < n; i++) d.i32[i] = tmp[i]!;
};

function unpack(d: Lanes, s: Lanes, n: number, size: number, high: boolean): void {
  // interleave elements of `size` bytes from the low (or high) halves of d and s
  const half = n * 2; // bytes in half the register
  const base = high ? half : 0;
  for (let i = 0, o = 0; i < half; i += size) {
    for (let k = 0; k < size; k++) tmp8[o++] = d.u8[base + i + k]!;
    for (let k = 0; k < size; k++) tmp8[o++] = s.u8[base + i + k]!;
  }
  for (let i = 0; i < n; i++) d.i32[i] = tmp[i]!;
}
/** PUNPCKLBW */
export const punpcklbw: PackedOp = (d, s, n) => unpack(d, s, n, 1, false);
/** PUNPCKLWD */
export const punpcklwd: PackedOp = (d, s, n) => unpack(d, s, n, 2, false);
/** PUNPCKLDQ */
export const punpckldq: PackedOp = (d, s, n) => unpack(d, s, n, 4, false);
/** PUNPCKLQDQ (XMM only) */
export const punpcklqdq: PackedOp = (d, s, n) => unpack(d, s, n, 8, false);
/** PUNPCKHBW */
export const punpckhbw: PackedOp = (d, s, n) => unpack(d, s, n, 1, true);
/** PUNPCKHWD */
export const punpckhwd: PackedOp = (d, s, n) => unpack(d, s, n, 2, true);
/** PUNPCKHDQ */
export const punpckhdq: PackedOp = (d, s, n) => unpack(d, s, n, 4, true);
/** PUNPCKHQDQ (XMM only) */
export const punpckhqdq: PackedOp = (d, s, n) => unpack(d, s, n, 8, true);

/** Shift count from the source operand's low qword (anything >= 2^32 is "large"). */
function count(s: Lanes): number {
  return s.u32[1] !== 0 ? 0xffffffff : s.u32[0]!;
}

/** Logical/arithmetic shift of each `bits`-wide lane by `c`. kind: 0 right logical, 1 right arithmetic, 2 left. */
export function shiftLanes(d: Lanes, n: number, bits: number, kind: number, c: number): void {
  if (bits === 16) {
    for (let i = 0; i < n * 2; i++) {
      if (kind === 1) d.i16[i] = d.i16[i]! >> (c > 15 ? 15 : c);
      else if (c > 15) d.u16[i] = 0;
      else d.u16[i] = kind === 0 ? d.u16[i]! >>> c : d.u16[i]! << c;
    }
  } else if (bits === 32) {
    for (let i = 0; i < n; i++) {
      if (kind === 1) d.i32[i] = d.i32[i]! >> (c > 31 ? 31 : c);
      else if (c > 31) d.i32[i] = 0;
      else d.i32[i] = kind === 0 ? d.i32[i]! >>> c : d.i32[i]! << c;
    }
  } else {
    for (let i = 0; i < n; i += 2) {
      const lo = d.u32[i]!;
      const hi = d.u32[i + 1]!;
      if (c > 63) {
        d.u32[i] = d.u32[i + 1] = 0;
      } else if (c === 0) {
        // unchanged
      } else if (kind === 0) {
        if (c >= 32) {
          d.u32[i] = hi >>> (c - 32);
          d.u32[i + 1] = 0;
        } else {
          d.u32[i] = (lo >>> c) | (hi << (32 - c));
          d.u32[i + 1] = hi >>> c;
        }
      } else if (c >= 32) {
        d.u32[i + 1] = lo << (c - 32);
        d.u32[i] = 0;
      } else {
        d.u32[i + 1] = (hi << c) | (lo >>> (32 - c));
        d.u32[i] = lo << c;
      }
    }
  }
}
/** PSRLW by register/memory count */
export const psrlw: PackedOp = (d, s, n) => shiftLanes(d, n, 16, 0, count(s));
/** PSRLD */
export const psrld: PackedOp = (d, s, n) => shiftLanes(d, n, 32, 0, count(s));
/** PSRLQ */
export const psrlq: PackedOp = (d, s, n) => shiftLanes(d, n, 64, 0, count(s));
/** PSRAW */
export const psraw: PackedOp = (d, s, n) => shiftLanes(d, n, 16, 1, count(s));
/** PSRAD */
export const psrad: PackedOp = (d, s, n) => shiftLanes(d, n, 32, 1, count(s));
/** PSLLW */
export const psllw: PackedOp = (d, s, n) => shiftLanes(d, n, 16, 2, count(s));
/** PSLLD */
export const pslld: PackedOp = (d, s, n) => shiftLanes(d, n, 32, 2, count(s));
/** PSLLQ */
export const psllq: PackedOp = (d, s, n) => shiftLanes(d, n, 64, 2, count(s));
