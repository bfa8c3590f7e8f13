import { describe, expect, it } from 'vitest';
import { add80, compare80, constant80, div80, ExtFlag, fmtHi, fmtLo, int64To80, intHi, intLo, mul80, prem80, premQ, rndint80, roundToFormat, roundToInt, scale80, sqrt80 } from './ext80.js';
import type { Raw80 } from './float80.js';

const r = (se: number, hi: number, lo: number): Raw80 => ({ se, hi, lo });
const ONE = r(0x3fff, 0x80000000, 0);
const THREE = r(0x4000, 0xc0000000, 0);
const CW_EXT = 0x37f; // all masked, PC=64, RC=nearest
const rc = (mode: number, pc = 3): number => 0x7f | (pc << 8) | (mode << 10);

describe('ext80 arithmetic', () => {
  it('divides 1/3 to 64 bits with each rounding mode and C1', () => {
    const out = r(0, 0, 0);
    let f = div80(ONE, THREE, CW_EXT, out);
    expect(out).toEqual(r(0x3ffd, 0xaaaaaaaa, 0xaaaaaaab));
    expect(f & (ExtFlag.PE | ExtFlag.C1)).toBe(ExtFlag.PE | ExtFlag.C1);
    f = div80(ONE, THREE, rc(3), out);
    expect(out).toEqual(r(0x3ffd, 0xaaaaaaaa, 0xaaaaaaaa));
    expect(f & ExtFlag.C1).toBe(0);
    div80(ONE, THREE, rc(0, 0), out); // single precision
    expect(out).toEqual(r(0x3ffd, 0xaaaaab00, 0));
    div80(ONE, THREE, rc(1, 2), out); // double precision, down
    expect(out).toEqual(r(0x3ffd, 0xaaaaaaaa, 0xaaaaa800));
  });

  it('adds 1 + 2^-63 exactly and rounds 1 + 2^-64 to even', () => {
    const out = r(0, 0, 0);
    expect(add80(ONE, r(0x3fff - 63, 0x80000000, 0), false, CW_EXT, out)).toBe(0);
    expect(out).toEqual(r(0x3fff, 0x80000000, 1));
    expect(add80(ONE, r(0x3fff - 64, 0x80000000, 0), false, CW_EXT, out)).toBe(ExtFlag.PE);
    expect(out).toEqual(ONE);
  });

  it('subtracts to an exact zero (+0, or -0 rounding down) and cancels exactly', () => {
    const out = r(0, 0, 0);
    add80(THREE, THREE, true, CW_EXT, out);
    expect(out).toEqual(r(0, 0, 0));
    add80(THREE, THREE, true, rc(1), out);
    expect(out).toEqual(r(0x8000, 0, 0));
    add80(r(0x3fff, 0x80000000, 1), ONE, true, CW_EXT, out);
    expect(out).toEqual(r(0x3fff - 63, 0x80000000, 0));
  });

  it('multiplies with a full 128-bit product', () => {
    const out = r(0, 0, 0);
    const x = r(0x3fff, 0xffffffff, 0xffffffff); // 2 - 2^-63
    const f = mul80(x, x, CW_EXT, out);
    expect(out).toEqual(r(0x4000, 0xffffffff, 0xfffffffe));
    expect(f).toBe(ExtFlag.PE);
  });

  it('overflows to infinity or the largest finite value, underflows to denormals', () => {
    const out = r(0, 0, 0);
    const big = r(0x7ffe, 0x80000000, 0);
    expect(mul80(big, big, CW_EXT, out) & ExtFlag.OE).toBe(ExtFlag.OE);
    expect(out).toEqual(r(0x7fff, 0x80000000, 0));
    mul80(big, big, rc(3), out);
    expect(out).toEqual(r(0x7ffe, 0xffffffff, 0xffffffff));
    const tiny = r(0x0001, 0x80000000, 0);
    const f = div80(tiny, THREE, CW_EXT, out);
    expect(out.se).toBe(0);
    expect(f & (ExtFlag.UE | ExtFlag.PE)).toBe(ExtFlag.UE | ExtFlag.PE);
    expect(div80(ONE, r(0, 0, 0), CW_EXT, out)).toBe(ExtFlag.ZE);
    expect(div80(r(0, 0, 0), r(0, 0, 0), CW_EXT, out)).toBe(ExtFlag.IE);
  });

  it('converts 64-bit integers and constants exactly', () => {
    const out = r(0, 0, 0);
    int64To80(0x7fffffff, 0xffffffff | 0, out);
    expect(out).toEqual(r(0x3fff + 62, 0xffffffff, 0xfffffffe));
    int64To80(0x80000000 | 0, 0, out);
    expect(out).toEqual(r(0x8000 | (0x3fff + 63), 0x80000000, 0));
    constant80(2, 0, out);
    expect(out).toEqual(r(0x4000, 0xc90fdaa2, 0x2168c235));
    constant80(2, 3, out);
    expect(out.lo).toBe(0x2168c234);
  });

  it('takes exact square roots and rounds inexact ones', () => {
    const out = r(0, 0, 0);
    expect(sqrt80(r(0x4002, 0x90000000, 0), CW_EXT, out)).toBe(0); // sqrt(9) = 3
    expect(out).toEqual(THREE);
    const f = sqrt80(r(0x4000, 0x80000000, 0), CW_EXT, out); // sqrt(2)
    expect(out).toEqual(r(0x3fff, 0xb504f333, 0xf9de6484));
    expect(f & ExtFlag.PE).toBe(ExtFlag.PE);
    expect(sqrt80(r(0xbfff, 0x80000000, 0), CW_EXT, out)).toBe(ExtFlag.IE);
  });

  it('rounds to integers (FIST/FRNDINT) and to single/double (FST)', () => {
    const out = r(0, 0, 0);
    const twoHalf = r(0x4000, 0xa0000000, 0); // 2.5
    expect(roundToInt(twoHalf, 0)).toBe(ExtFlag.PE);
    expect([intHi, intLo]).toEqual([0, 2]);
    expect(roundToInt(twoHalf, 2)).toBe(ExtFlag.PE | ExtFlag.C1);
    expect(intLo).toBe(3);
    rndint80(r(0xc000, 0xa0000000, 0), 1, out); // floor(-2.5) = -3
    expect(out).toEqual(r(0xc000, 0xc0000000, 0));
    // 1 + 2^-63 to double: inexact, rounds down to 1.0
    expect(roundToFormat(r(0x3fff, 0x80000000, 1), false, CW_EXT)).toBe(ExtFlag.PE);
    expect([fmtHi, fmtLo]).toEqual([0x3ff00000, 0]);
    // the smallest normal extended value is far below single range: masked underflow to +0
    expect(roundToFormat(r(0x0001, 0x80000000, 0), true, CW_EXT)).toBe(ExtFlag.PE | ExtFlag.UE);
    expect(fmtHi).toBe(0);
  });

  it('compares, scales and takes partial remainders exactly', () => {
    const out = r(0, 0, 0);
    expect(compare80(r(0x3fff, 0x80000000, 1), ONE) & 3).toBe(0);
    expect(compare80(r(0, 0, 0), r(0x8000, 0, 0)) & 3).toBe(2);
    expect(compare80(r(0, 0, 1), ONE)).toBe(1 | 4); // denormal operand flagged
    scale80(THREE, r(0x4001, 0xa0000000, 0), CW_EXT, out); // 3 * 2^5
    expect(out).toEqual(r(0x4005, 0xc0000000, 0));
    // 7 rem 3 = 1 (quotient 2), 7 rem1 3 = 1 (quotient 2), 8 rem1 3 = -1 (quotient 3)
    prem80(r(0x4001, 0xe0000000, 0), THREE, false, out);
    expect(out).toEqual(ONE);
    expect(premQ).toBe(2);
    prem80(r(0x4002, 0x80000000, 0), THREE, true, out);
    expect(out).toEqual(r(0xbfff, 0x80000000, 0));
    expect(premQ).toBe(3);
    // exponents 100 apart: a partial reduction (C2)
    prem80(r(0x3fff + 100, 0xc0000000, 1), THREE, false, out);
    expect(premQ & 8).toBe(8);
  });
});
