/**
 * MMX: every packed integer operation (add/sub with wrap and saturation,
 * multiplies, compares, packs/unpacks, logic, shifts by register, memory and
 * immediate counts), MOVD/MOVQ, and the integer extensions SSE added to MMX
 * registers (PAVG, PMIN/PMAX, PSADBW, PSHUFW, PMOVMSKB, PEXTRW/PINSRW,
 * PMULHUW) and SSE2's PADDQ/PSUBQ/PMULUDQ on MMX registers.
 * Operands are loaded from the data area with MOVQ and the destination is
 * stored back, then EMMS. No flags are affected; nothing is undefined.
 */
import { EAX, m, type Operand } from '../asm.js';
import { draft, Feature, finish, type CaseDraft, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';
import { dataMem } from './util.js';

const A = 0, B = 8, OUT = 64;

interface MmxOp {
  readonly name: string;
  readonly opc: number;
  readonly req: number;
  /** imm8 follows. */
  readonly imm?: boolean;
}

const BASIC: Array<[string, number]> = [
  ['punpcklbw', 0x60], ['punpcklwd', 0x61], ['punpckldq', 0x62], ['packsswb', 0x63], ['pcmpgtb', 0x64], ['pcmpgtw', 0x65],
  ['pcmpgtd', 0x66], ['packuswb', 0x67], ['punpckhbw', 0x68], ['punpckhwd', 0x69], ['punpckhdq', 0x6a], ['packssdw', 0x6b],
  ['pcmpeqb', 0x74], ['pcmpeqw', 0x75], ['pcmpeqd', 0x76], ['psrlw', 0xd1], ['psrld', 0xd2], ['psrlq', 0xd3], ['pmullw', 0xd5],
  ['psubusb', 0xd8], ['psubusw', 0xd9], ['pand', 0xdb], ['paddusb', 0xdc], ['paddusw', 0xdd], ['pandn', 0xdf], ['psraw', 0xe1],
  ['psrad', 0xe2], ['pmulhw', 0xe5], ['psubsb', 0xe8], ['psubsw', 0xe9], ['por', 0xeb], ['paddsb', 0xec], ['paddsw', 0xed],
  ['pxor', 0xef], ['psllw', 0xf1], ['pslld', 0xf2], ['psllq', 0xf3], ['pmaddwd', 0xf5], ['psubb', 0xf8], ['psubw', 0xf9],
  ['psubd', 0xfa], ['paddb', 0xfc], ['paddw', 0xfd], ['paddd', 0xfe],
];
const SSE_EXT: Array<[string, number]> = [
  ['pavgb', 0xe0], ['pavgw', 0xe3], ['pmulhuw', 0xe4], ['pminsw', 0xea], ['pmaxsw', 0xee], ['pminub', 0xda], ['pmaxub', 0xde], ['psadbw', 0xf6],
];
const SSE2_EXT: Array<[string, number]> = [['paddq', 0xd4], ['psubq', 0xfb], ['pmuludq', 0xf4]];

const OPS: readonly MmxOp[] = [
  ...BASIC.map(([name, opc]) => ({ name, opc, req: Feature.MMX })),
  ...SSE_EXT.map(([name, opc]) => ({ name, opc, req: Feature.MMX | Feature.SSE })),
  ...SSE2_EXT.map(([name, opc]) => ({ name, opc, req: Feature.MMX | Feature.SSE2 })),
  { name: 'pshufw', opc: 0x70, req: Feature.MMX | Feature.SSE, imm: true },
];

const SHIFT_IMM = [
  ['psrlw', 0x71, 2], ['psraw', 0x71, 4], ['psllw', 0x71, 6],
  ['psrld', 0x72, 2], ['psrad', 0x72, 4], ['pslld', 0x72, 6],
  ['psrlq', 0x73, 2], ['psllq', 0x73, 6],
] as const;

/** Random packed bytes with many lane edges. */
export function packedBytes(rng: Prng, n: number): number[] {
  const out: number[] = [];
  const style = rng.below(4);
  for (let i = 0; i < n; i++) {
    if (style === 0) out.push(rng.below(256));
    else if (style === 1) out.push(rng.pick([0x00, 0x01, 0x7f, 0x80, 0x81, 0xfe, 0xff]));
    else if (style === 2) out.push(i % 2 === 1 ? rng.pick([0x00, 0x7f, 0x80, 0xff]) : rng.below(256));
    else out.push(i % 4 === 3 ? rng.pick([0x00, 0x7f, 0x80, 0xff]) : rng.below(256));
  }
  return out;
}

/** Shift counts: small, at the lane size, and beyond. */
function shiftCount(rng: Prng): number {
  return rng.pick([0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, rng.below(70)]);
}

/** One random MMX case. */
export function mmxCase(rng: Prng): NativeCase {
  const d = draft(rng, 'mmx');
  const a = d.asm;
  d.data.set(packedBytes(rng, 8), A);
  d.data.set(packedBytes(rng, 8), B);
  const { op: base } = dataMem(d, rng, 256, [EAX], 1);
  const bm = (base as { mem: { base: number; disp: number; index?: number; scale?: number } }).mem;
  const at = (off: number): Operand => (bm.index === undefined ? m(bm.base, bm.disp + off) : m(bm.base, bm.disp + off, bm.index, bm.scale));
  const dst = rng.below(8);
  let src = rng.below(8);
  if (src === dst) src = (src + 1) & 7;
  a.op([0x0f, 0x6f], dst, at(A)); // movq mm_dst, [A]
  a.op([0x0f, 0x6f], src, at(B)); // movq mm_src, [B]
  const kind = rng.below(10);
  let name: string;
  let req = Feature.MMX;
  if (kind < 7) {
    const o = rng.pick(OPS);
    req = o.req;
    if (/^ps[rl]/.test(o.name) && rng.chance(0.7)) {
      // Counts from the source operand: make them interesting.
      const c = shiftCount(rng);
      d.data.set([c, 0, 0, 0, 0, 0, 0, 0], B);
      if (rng.chance(0.1)) d.data[B + rng.range(1, 7)] = 1;
    }
    const viaMem = rng.chance(0.3);
    a.op([0x0f, o.opc], dst, viaMem ? at(B) : { reg: src });
    if (o.imm) a.imm8(rng.below(256));
    name = `${o.name} mm${dst}, ${viaMem ? 'm64' : `mm${src}`}`;
  } else if (kind < 9) {
    const [n, opc, sub] = rng.pick(SHIFT_IMM);
    const c = shiftCount(rng);
    a.op([0x0f, opc], sub, { reg: dst }).imm8(c);
    name = `${n} mm${dst}, ${c}`;
  } else {
    // MOVD in both directions, PMOVMSKB/PEXTRW/PINSRW with a general register.
    const w = rng.below(5);
    if (w === 0) {
      a.op([0x0f, 0x6e], dst, { reg: EAX });
      name = `movd mm${dst}, eax`;
    } else if (w === 1) {
      a.op([0x0f, 0x7e], dst, { reg: EAX });
      name = `movd eax, mm${dst}`;
    } else if (w === 2) {
      req |= Feature.SSE;
      a.op([0x0f, 0xd7], EAX, { reg: dst });
      name = `pmovmskb eax, mm${dst}`;
    } else if (w === 3) {
      req |= Feature.SSE;
      const i = rng.below(256);
      a.op([0x0f, 0xc5], EAX, { reg: dst }).imm8(i);
      name = `pextrw eax, mm${dst}, ${i}`;
    } else {
      req |= Feature.SSE;
      const i = rng.below(256);
      a.op([0x0f, 0xc4], dst, { reg: EAX }).imm8(i);
      name = `pinsrw mm${dst}, eax, ${i}`;
    }
  }
  a.op([0x0f, 0x7f], dst, at(OUT)); // movq [OUT], mm_dst
  a.db(0x0f, 0x77); // emms
  d.requires |= req;
  d.name = name;
  return finish(d);
}

/** Packed operands for SSE2 integer cases (re-exported for the SSE class). */
export function fillPacked(d: CaseDraft, rng: Prng, off: number, n: number): void {
  d.data.set(packedBytes(rng, n), off);
}
