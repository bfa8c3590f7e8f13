import { describe, expect, it } from 'vitest';
import { Lanes } from './lanes.js';
import { begin, double, doubleSqrt, doubleToSingle, intToSingle, raised, single, singleUnary } from './float-ops.js';

/*
 * Results and MXCSR captured from a host CPU running the same instruction
 * (kind d = SD, s = SS; op 0 add, 1 mul, 2 div, 3 sqrt, 4 CVTSD2SS,
 * 5 CVTSI2SS; then MXCSR in, operand bits, result bits, MXCSR out, hex).
 * They cover the corners the random native suite rarely reaches: results
 * rounding to or just below the smallest normal (tininess after rounding,
 * FZ), overflow under each rounding mode, and directed rounding of
 * denormal results.
 */
const VECTORS = `
d 1 1f80 3feffffffffffffe 10000000000001 10000000000000 1fa0
d 1 1f80 3fefffffffffffff 10000000000000 10000000000000 1fb0
d 1 1f80 bfefffffffffffff 10000000000000 8010000000000000 1fb0
d 1 1f80 3ff0000000000001 fffffffffffff 10000000000000 1fa2
d 1 1f80 3fefffffffffffff fffffffffffff fffffffffffff 1fb2
s 1 1f80 3f7ffffe 800001 800000 1fa0
s 1 1f80 3f7fffff 800000 800000 1fb0
s 1 1f80 bf7fffff 800000 80800000 1fb0
s 1 1f80 3f800001 7fffff 800000 1fa2
s 1 1f80 3f7fffff 7fffff 7fffff 1fb2
d 1 9f80 3fefffffffffffff 10000000000000 0 9fb0
s 1 5f80 3f7fffff 7fffff 7fffff 5fb2
d 1 7f80 3feffffffffffffe 10000000000001 fffffffffffff 7fb0
d 4 7f80 c7f563d941e93ea1 0 ff7fffff 7fa8
d 2 7f80 c91fffffffffff35 891bac1c8afb8291 7fefffffffffffff 7fa8
s 5 7f80 79c39085 0 4ef38721 7fa0
d 1 7f80 49faa3e5943f2e68 f5facc72305682c9 ffefffffffffffff 7fa8
d 2 3f80 c8efffffffffff51 8e95b9133104226 fff0000000000000 3fa8
d 3 5f80 b385242adff88 0 1ffacc0990da047e 5fa2
d 4 7f80 47f30f223146cfb9 0 7f7fffff 7fa8
d 1 1f80 c7f324e524461881 f7ece7f90d46b92a 7ff0000000000000 1fa8
s 2 9f80 a9c5d1bf ed794f39 0 9fb0
s 0 3f80 ffffae 817fffa8 80ffffa2 3f80
s 0 df80 7f065c36 ff022bb9 7c860fa0 df80
d 0 3f80 802fffffffffffb8 981e8c1fa7be4 802b3f0b9f02c1c6 3f82
d 0 7f80 1fffffffffffa2 7d70abe6c2ebc 23eb855f36172f 7f82
d 0 df80 802fffffffffffc8 2b4ae36e79de91 8000000000000000 dfb0
s 3 7f80 4d29b3 0 1fc6c3c2 7fa2
s 3 7f80 5b8a74b 0 2299bd27 7fa0
d 4 1f80 37f4688d35b7872f 0 28d11a 1fb0
d 4 1f80 b7ffffffffffffea 0 80400000 1fb0
`;

const D = new Lanes();
const S = new Lanes();
const T = new Lanes();

/** Run one vector through the lane operations; returns [result hex, MXCSR hex]. */
function run(kind: string, op: number, mx: number, a: bigint, b: bigint): [string, string] {
  begin(mx);
  if (kind === 'd') {
    D.i32[0] = Number(a & 0xffffffffn) | 0;
    D.i32[1] = Number(a >> 32n) | 0;
    S.i32[0] = Number(b & 0xffffffffn) | 0;
    S.i32[1] = Number(b >> 32n) | 0;
    if (op === 3) doubleSqrt(T, D, 0);
    else if (op === 4) doubleToSingle(T, 0, D, 0);
    else double([0, 1, 6][op]!, T, D, S, 0);
    const r = op === 4 ? BigInt(T.u32[0]!) : (BigInt(T.u32[1]!) << 32n) | BigInt(T.u32[0]!);
    return [r.toString(16), (mx | raised).toString(16)];
  }
  D.u32[0] = Number(a);
  S.u32[0] = Number(b);
  if (op === 3) singleUnary(1, T, D, 0);
  else if (op === 5) T.f32[0] = intToSingle(D.i32[0]!);
  else single([0, 1, 6][op]!, T, D, S, 0);
  return [T.u32[0]!.toString(16), (mx | raised).toString(16)];
}

describe('SSE rounding, FZ and flags against host-captured vectors', () => {
  for (const line of VECTORS.trim().split('\n')) {
    const [kind, op, mx, a, b, r, mo] = line.split(' ') as [string, string, string, string, string, string, string];
    it(line, () => {
      expect(run(kind, Number(op), parseInt(mx, 16), BigInt(`0x${a}`), BigInt(`0x${b}`))).toEqual([r, mo]);
    });
  }
});

describe('RCPSS/RSQRTSS special inputs (host-captured)', () => {
  // [source, RCP result, RSQRT result]; neither instruction sets a flag. The
  // RSQRT of 2^126 is an approximation (0x1ffff000 on the host): checked to
  // the documented relative error 1.5 * 2^-12 instead of bit for bit.
  const cases: [number, number, number][] = [
    [0x00000001, 0x7f800000, 0x7f800000],
    [0x80400000, 0xff800000, 0xff800000],
    [0x80000000, 0xff800000, 0xff800000],
    [0x7e800000, 0x00000000, 0x1ffff000],
    [0xff7fffff, 0x80000000, 0xffc00000],
    [0x7fa00000, 0x7fe00000, 0x7fe00000],
  ];
  for (const [src, rcp, rsqrt] of cases) {
    it(`0x${src.toString(16)}`, () => {
      begin(0x1f80);
      D.u32[0] = src;
      singleUnary(3, T, D, 0);
      expect(T.u32[0]).toBe(rcp);
      singleUnary(2, T, D, 0);
      if (rsqrt === 0x1ffff000) expect(Math.abs(T.f32[0]! * 2 ** 63 - 1)).toBeLessThan(1.5 * 2 ** -12);
      else expect(T.u32[0]).toBe(rsqrt);
      expect(raised).toBe(0);
    });
  }
});
