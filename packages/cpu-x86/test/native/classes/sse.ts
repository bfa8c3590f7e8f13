/**
 * SSE and SSE2: packed and scalar single/double arithmetic, min/max, sqrt,
 * logic, compares (CMPxx imm, COMIS/UCOMIS into EFLAGS), shuffles and
 * unpacks, conversions (including to and from general registers, with the
 * rounding mode from MXCSR), MOVMSK, and SSE2's 128-bit integer operations.
 * Each case loads MXCSR (all exceptions masked, random rounding mode and FZ,
 * sometimes sticky flags already set) and two XMM operands from the data
 * area, runs one instruction, then stores the destination and MXCSR.
 * RCPPS/RSQRTPS are left out: their results are implementation-specific.
 * Class `sse` needs CPUID SSE, class `sse2` needs SSE2.
 */
import { EAX, ECX, m, type Operand } from '../asm.js';
import { draft, Feature, finish, operand, type CaseDraft, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';
import { packedBytes } from './mmx.js';
import { dataMem } from './util.js';
import { f32, f64 } from './fpvalues.js';
import { RC_NAMES } from './x87.js';

const A = 0, B = 16, MX = 32, OUT = 64, MXOUT = 80;

/** Operand kinds: ps/pd/ss/sd floats, integer lanes, or general register in/out. */
type Lane = 'ps' | 'pd' | 'int';

interface SseOp {
  readonly name: string;
  readonly pfx: number; // 0, 0x66, 0xf2, 0xf3
  readonly opc: number;
  readonly lane: Lane;
  readonly sse2: boolean;
  /** imm8 follows (value range). */
  readonly imm?: number;
  /** Destination is a general register (reg field) and source an XMM. */
  readonly toGpr?: boolean;
  /** Source is a general register (r/m field). */
  readonly fromGpr?: boolean;
  /** Sets EFLAGS (COMIS/UCOMIS). */
  readonly flags?: boolean;
  /** ModRM reg field fixed (shift-by-immediate group); the XMM goes in r/m. */
  readonly group?: number;
}

const ARITH = [['add', 0x58], ['mul', 0x59], ['sub', 0x5c], ['min', 0x5d], ['div', 0x5e], ['max', 0x5f], ['sqrt', 0x51]] as const;
const LOGIC = [['and', 0x54], ['andn', 0x55], ['or', 0x56], ['xor', 0x57], ['unpckl', 0x14], ['unpckh', 0x15]] as const;

const INT2: Array<[string, number]> = [
  ['punpcklbw', 0x60], ['punpcklwd', 0x61], ['punpckldq', 0x62], ['packsswb', 0x63], ['pcmpgtb', 0x64], ['pcmpgtw', 0x65],
  ['pcmpgtd', 0x66], ['packuswb', 0x67], ['punpckhbw', 0x68], ['punpckhwd', 0x69], ['punpckhdq', 0x6a], ['packssdw', 0x6b],
  ['punpcklqdq', 0x6c], ['punpckhqdq', 0x6d], ['pcmpeqb', 0x74], ['pcmpeqw', 0x75], ['pcmpeqd', 0x76], ['psrlw', 0xd1],
  ['psrld', 0xd2], ['psrlq', 0xd3], ['paddq', 0xd4], ['pmullw', 0xd5], ['psubusb', 0xd8], ['psubusw', 0xd9], ['pminub', 0xda],
  ['pand', 0xdb], ['paddusb', 0xdc], ['paddusw', 0xdd], ['pmaxub', 0xde], ['pandn', 0xdf], ['pavgb', 0xe0], ['psraw', 0xe1],
  ['psrad', 0xe2], ['pavgw', 0xe3], ['pmulhuw', 0xe4], ['pmulhw', 0xe5], ['psubsb', 0xe8], ['psubsw', 0xe9], ['pminsw', 0xea],
  ['por', 0xeb], ['paddsb', 0xec], ['paddsw', 0xed], ['pmaxsw', 0xee], ['pxor', 0xef], ['psllw', 0xf1], ['pslld', 0xf2],
  ['psllq', 0xf3], ['pmuludq', 0xf4], ['pmaddwd', 0xf5], ['psadbw', 0xf6], ['psubb', 0xf8], ['psubw', 0xf9], ['psubd', 0xfa],
  ['psubq', 0xfb], ['paddb', 0xfc], ['paddw', 0xfd], ['paddd', 0xfe],
];

const OPS: readonly SseOp[] = [
  ...ARITH.map(([n, opc]) => ({ name: `${n}ps`, pfx: 0, opc, lane: 'ps' as Lane, sse2: false })),
  ...ARITH.map(([n, opc]) => ({ name: `${n}ss`, pfx: 0xf3, opc, lane: 'ps' as Lane, sse2: false })),
  ...ARITH.map(([n, opc]) => ({ name: `${n}pd`, pfx: 0x66, opc, lane: 'pd' as Lane, sse2: true })),
  ...ARITH.map(([n, opc]) => ({ name: `${n}sd`, pfx: 0xf2, opc, lane: 'pd' as Lane, sse2: true })),
  ...LOGIC.map(([n, opc]) => ({ name: `${n}ps`, pfx: 0, opc, lane: 'ps' as Lane, sse2: false })),
  ...LOGIC.map(([n, opc]) => ({ name: `${n}pd`, pfx: 0x66, opc, lane: 'pd' as Lane, sse2: true })),
  { name: 'cmpps', pfx: 0, opc: 0xc2, lane: 'ps', sse2: false, imm: 8 },
  { name: 'cmpss', pfx: 0xf3, opc: 0xc2, lane: 'ps', sse2: false, imm: 8 },
  { name: 'cmppd', pfx: 0x66, opc: 0xc2, lane: 'pd', sse2: true, imm: 8 },
  { name: 'cmpsd', pfx: 0xf2, opc: 0xc2, lane: 'pd', sse2: true, imm: 8 },
  { name: 'shufps', pfx: 0, opc: 0xc6, lane: 'ps', sse2: false, imm: 256 },
  { name: 'shufpd', pfx: 0x66, opc: 0xc6, lane: 'pd', sse2: true, imm: 256 },
  { name: 'movss', pfx: 0xf3, opc: 0x10, lane: 'ps', sse2: false },
  { name: 'movsd', pfx: 0xf2, opc: 0x10, lane: 'pd', sse2: true },
  { name: 'ucomiss', pfx: 0, opc: 0x2e, lane: 'ps', sse2: false, flags: true },
  { name: 'comiss', pfx: 0, opc: 0x2f, lane: 'ps', sse2: false, flags: true },
  { name: 'ucomisd', pfx: 0x66, opc: 0x2e, lane: 'pd', sse2: true, flags: true },
  { name: 'comisd', pfx: 0x66, opc: 0x2f, lane: 'pd', sse2: true, flags: true },
  { name: 'movmskps', pfx: 0, opc: 0x50, lane: 'ps', sse2: false, toGpr: true },
  { name: 'movmskpd', pfx: 0x66, opc: 0x50, lane: 'pd', sse2: true, toGpr: true },
  { name: 'cvtss2si', pfx: 0xf3, opc: 0x2d, lane: 'ps', sse2: false, toGpr: true },
  { name: 'cvttss2si', pfx: 0xf3, opc: 0x2c, lane: 'ps', sse2: false, toGpr: true },
  { name: 'cvtsd2si', pfx: 0xf2, opc: 0x2d, lane: 'pd', sse2: true, toGpr: true },
  { name: 'cvttsd2si', pfx: 0xf2, opc: 0x2c, lane: 'pd', sse2: true, toGpr: true },
  { name: 'cvtsi2ss', pfx: 0xf3, opc: 0x2a, lane: 'ps', sse2: false, fromGpr: true },
  { name: 'cvtsi2sd', pfx: 0xf2, opc: 0x2a, lane: 'pd', sse2: true, fromGpr: true },
  { name: 'cvtps2pd', pfx: 0, opc: 0x5a, lane: 'ps', sse2: true },
  { name: 'cvtpd2ps', pfx: 0x66, opc: 0x5a, lane: 'pd', sse2: true },
  { name: 'cvtss2sd', pfx: 0xf3, opc: 0x5a, lane: 'ps', sse2: true },
  { name: 'cvtsd2ss', pfx: 0xf2, opc: 0x5a, lane: 'pd', sse2: true },
  { name: 'cvtdq2ps', pfx: 0, opc: 0x5b, lane: 'int', sse2: true },
  { name: 'cvtps2dq', pfx: 0x66, opc: 0x5b, lane: 'ps', sse2: true },
  { name: 'cvttps2dq', pfx: 0xf3, opc: 0x5b, lane: 'ps', sse2: true },
  { name: 'cvttpd2dq', pfx: 0x66, opc: 0xe6, lane: 'pd', sse2: true },
  { name: 'cvtpd2dq', pfx: 0xf2, opc: 0xe6, lane: 'pd', sse2: true },
  { name: 'cvtdq2pd', pfx: 0xf3, opc: 0xe6, lane: 'int', sse2: true },
  ...INT2.map(([name, opc]) => ({ name, pfx: 0x66, opc, lane: 'int' as Lane, sse2: true })),
  { name: 'pshufd', pfx: 0x66, opc: 0x70, lane: 'int', sse2: true, imm: 256 },
  { name: 'pshufhw', pfx: 0xf3, opc: 0x70, lane: 'int', sse2: true, imm: 256 },
  { name: 'pshuflw', pfx: 0xf2, opc: 0x70, lane: 'int', sse2: true, imm: 256 },
  { name: 'pmovmskb', pfx: 0x66, opc: 0xd7, lane: 'int', sse2: true, toGpr: true },
  { name: 'pextrw', pfx: 0x66, opc: 0xc5, lane: 'int', sse2: true, toGpr: true, imm: 256 },
  { name: 'pinsrw', pfx: 0x66, opc: 0xc4, lane: 'int', sse2: true, fromGpr: true, imm: 256 },
  { name: 'movd xmm, r32', pfx: 0x66, opc: 0x6e, lane: 'int', sse2: true, fromGpr: true },
  { name: 'movd r32, xmm', pfx: 0x66, opc: 0x7e, lane: 'int', sse2: true, toGpr: true },
  ...(
    [
      ['psrlw', 0x71, 2], ['psraw', 0x71, 4], ['psllw', 0x71, 6], ['psrld', 0x72, 2], ['psrad', 0x72, 4], ['pslld', 0x72, 6],
      ['psrlq', 0x73, 2], ['psrldq', 0x73, 3], ['psllq', 0x73, 6], ['pslldq', 0x73, 7],
    ] as const
  ).map(([n, opc, g]) => ({ name: `${n} imm`, pfx: 0x66, opc, lane: 'int' as Lane, sse2: true, imm: 256, group: g })),
];

const SSE1_OPS = OPS.filter((o) => !o.sse2);
const SSE2_OPS = OPS.filter((o) => o.sse2);

function fill(d: CaseDraft, rng: Prng, off: number, lane: Lane): void {
  if (lane === 'ps') for (let i = 0; i < 4; i++) d.data.set(f32(rng), off + 4 * i);
  else if (lane === 'pd') for (let i = 0; i < 2; i++) d.data.set(f64(rng), off + 8 * i);
  else d.data.set(packedBytes(rng, 16), off);
}

/** One random SSE/SSE2 case. */
export function sseCase(rng: Prng): NativeCase {
  const o = rng.pick(rng.chance(0.4) ? SSE1_OPS : SSE2_OPS);
  const d = draft(rng, o.sse2 ? 'sse2' : 'sse');
  d.requires |= Feature.FXSR | Feature.SSE | (o.sse2 ? Feature.SSE2 : 0);
  const a = d.asm;
  fill(d, rng, A, o.lane);
  fill(d, rng, B, o.lane);
  if (rng.chance(0.25)) d.data.set(d.data.subarray(A, A + 8), B); // equal operands (compares, min/max ties)
  if (/^ps[rl]/.test(o.name) && o.group === undefined && rng.chance(0.7)) {
    d.data.set([rng.pick([0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255]), 0, 0, 0, 0, 0, 0, 0], B);
  }
  // MXCSR: exceptions masked, random rounding, sometimes flush-to-zero or sticky flags.
  const mx = 0x1f80 | ((rng.chance(0.6) ? 0 : rng.below(4)) << 13) | (rng.chance(0.15) ? 0x8000 : 0) | (rng.chance(0.15) ? rng.below(64) : 0);
  d.data.set([mx & 0xff, (mx >>> 8) & 0xff, 0, 0], MX);
  const { op: base } = dataMem(d, rng, 256, [EAX, ECX], 1);
  const bm = (base as { mem: { base: number; disp: number; index?: number; scale?: number } }).mem;
  const at = (off: number): Operand => (bm.index === undefined ? m(bm.base, bm.disp + off) : m(bm.base, bm.disp + off, bm.index, bm.scale));
  const dst = rng.below(8);
  let src = rng.below(8);
  if (src === dst) src = (src + 1) & 7;
  a.op([0x0f, 0xae], 2, at(MX)); // ldmxcsr
  a.op([0x0f, 0x10], dst, at(A)); // movups xmm_dst, [A]
  a.op([0x0f, 0x10], src, at(B)); // movups xmm_src, [B]
  const pre = o.pfx ? [o.pfx, 0x0f, o.opc] : [0x0f, o.opc];
  let desc: string;
  if (o.group !== undefined) {
    a.op(pre, o.group, { reg: dst });
    desc = `${o.name.replace(' imm', '')} xmm${dst}`;
  } else if (o.toGpr) {
    // EAX/ECX are never the data base, so they can receive the result.
    const g = rng.pick([EAX, ECX]);
    if (o.opc === 0x7e) a.op(pre, dst, { reg: g });
    else if (o.opc === 0x2d || o.opc === 0x2c) {
      const viaMem = rng.chance(0.3);
      a.op(pre, g, viaMem ? at(A) : { reg: dst });
    } else a.op(pre, g, { reg: dst });
    desc = `${o.name} ${g === EAX ? 'eax' : 'ecx'}, xmm${dst}`;
  } else if (o.fromGpr) {
    const g = rng.pick([EAX, ECX]);
    d.regs[g] = operand(rng);
    const viaMem = o.opc !== 0x6e && rng.chance(0.3);
    a.op(pre, dst, viaMem ? at(B) : { reg: g });
    desc = `${o.name} xmm${dst}, ${viaMem ? 'mem' : g === EAX ? 'eax' : 'ecx'}`;
  } else {
    const viaMem = rng.chance(0.3);
    a.op(pre, dst, viaMem ? at(B) : { reg: src });
    desc = `${o.name} xmm${dst}, ${viaMem ? 'm128' : `xmm${src}`}`;
  }
  if (o.imm) {
    const i = o.imm === 8 ? rng.below(8) : rng.below(256);
    a.imm8(i);
    desc += `, ${i}`;
  }
  a.op([0x0f, 0x11], dst, at(OUT)); // movups [OUT], xmm_dst
  a.op([0x0f, 0xae], 3, at(MXOUT)); // stmxcsr
  d.name = `${desc} [rc=${RC_NAMES[(mx >>> 13) & 3]}${mx & 0x8000 ? ' fz' : ''}]`;
  return finish(d);
}
