/**
 * x87: loads of every format, arithmetic (register, m32/m64 real and m16/m32
 * integer operands), compares (FCOM/FUCOM/FTST/FXAM, FCOMI/FUCOMI into
 * EFLAGS), FCMOVcc, rounding/sqrt/scale/extract/partial remainder, constants,
 * integer and real stores, under random precision and rounding control.
 * Each case starts with FNINIT and FLDCW, so it does not depend on the
 * emulator's reset state. Results land in the data area as 80-bit values
 * (FSTP m80) with the status word after the operation and after the stores.
 *
 * Undefined status bits (Intel SDM vol. 2, per instruction "FPU Flags
 * Affected"): C0, C2, C3 after arithmetic, loads, stores and constants.
 * Transcendentals (class `x87trans`) are accurate to about 1 ulp and
 * implementation-specific in the last bits, so the low mantissa byte of their
 * results, C1 and PE are masked.
 */
import { m, type Operand } from '../asm.js';
import { draft, Feature, finish, maskData, type CaseDraft, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';
import { dataMem } from './util.js';
import { f32, f64, f80, le32 } from './fpvalues.js';

const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, PE = 0x20;
const CC_UNDEF = C0 | C2 | C3;
/** Rounding-control names used in case names (so known differences can select them). */
export const RC_NAMES = ['near', 'down', 'up', 'zero'];

// Data layout (offsets in the data area).
const A64 = 0, B64 = 8, A80 = 16, B80 = 32, A32 = 48, B32 = 52, I32 = 56, I16 = 60, I64 = 64, FCW = 72;
const R0 = 128, R1 = 144, SW1 = 160, SW2 = 162, ST = 168;

interface X87Op {
  readonly name: string;
  /** Encode the operation; `mem(off)` gives a data-area operand. */
  readonly enc: (c: Ctx) => void;
  /** Undefined FSW bits after the operation. */
  readonly undef: number;
  readonly trans?: boolean;
  readonly cmov?: boolean;
  /** Writes a value at ST (size in bytes). */
  readonly store?: number;
  /** Marks what the SDM leaves undefined in what the operation stored. */
  readonly post?: (d: CaseDraft) => void;
}

interface Ctx {
  readonly d: CaseDraft;
  readonly at: (off: number) => Operand;
}

const reg2 = (a: number, b: number) => (c: Ctx): void => void c.d.asm.db(a, b);
const memop = (op: number, r: number, off: number) => (c: Ctx): void => void c.d.asm.op([op], r, c.at(off));

const OPS: readonly X87Op[] = [
  ...['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'].map((n, i) => ({ name: `${n} st0, st1`, enc: reg2(0xd8, 0xc1 + i * 8), undef: i === 2 || i === 3 ? 0 : CC_UNDEF })),
  // DC/DE register forms: /4 is FSUBR, /5 FSUB, /6 FDIVR, /7 FDIV (SDM opcode tables).
  ...['fadd', 'fmul', 'fsubr', 'fsub', 'fdivr', 'fdiv'].map((n, i) => ({ name: `${n} st1, st0`, enc: reg2(0xdc, 0xc1 + [0, 1, 4, 5, 6, 7][i]! * 8), undef: CC_UNDEF })),
  ...['faddp', 'fmulp', 'fsubrp', 'fsubp', 'fdivrp', 'fdivp'].map((n, i) => ({ name: `${n} st1, st0`, enc: reg2(0xde, 0xc1 + [0, 1, 4, 5, 6, 7][i]! * 8), undef: CC_UNDEF })),
  ...['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'].map((n, i) => ({ name: `${n} m64`, enc: memop(0xdc, i, B64), undef: i === 2 || i === 3 ? 0 : CC_UNDEF })),
  ...['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'].map((n, i) => ({ name: `${n} m32`, enc: memop(0xd8, i, B32), undef: i === 2 || i === 3 ? 0 : CC_UNDEF })),
  ...['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'].map((n, i) => ({ name: `${n} m32int`, enc: memop(0xda, i, I32), undef: i === 2 || i === 3 ? 0 : CC_UNDEF })),
  ...['fiadd', 'fimul', 'fisub', 'fidiv'].map((n, i) => ({ name: `${n} m16int`, enc: memop(0xde, [0, 1, 4, 6][i]!, I16), undef: CC_UNDEF })),
  { name: 'fcompp', enc: reg2(0xde, 0xd9), undef: 0 },
  { name: 'fucom st1', enc: reg2(0xdd, 0xe1), undef: 0 },
  { name: 'fucomp st1', enc: reg2(0xdd, 0xe9), undef: 0 },
  { name: 'fucompp', enc: reg2(0xda, 0xe9), undef: 0 },
  { name: 'ftst', enc: reg2(0xd9, 0xe4), undef: 0 },
  { name: 'fxam', enc: reg2(0xd9, 0xe5), undef: 0 },
  { name: 'fcomi st0, st1', enc: reg2(0xdb, 0xf1), undef: CC_UNDEF, cmov: true },
  { name: 'fucomi st0, st1', enc: reg2(0xdb, 0xe9), undef: CC_UNDEF, cmov: true },
  { name: 'fcomip st0, st1', enc: reg2(0xdf, 0xf1), undef: CC_UNDEF, cmov: true },
  { name: 'fucomip st0, st1', enc: reg2(0xdf, 0xe9), undef: CC_UNDEF, cmov: true },
  ...['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu'].map((n, i) => ({ name: `${n} st0, st1`, enc: reg2(0xda, 0xc1 + i * 8), undef: CC_UNDEF, cmov: true })),
  ...['fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu'].map((n, i) => ({ name: `${n} st0, st1`, enc: reg2(0xdb, 0xc1 + i * 8), undef: CC_UNDEF, cmov: true })),
  { name: 'fchs', enc: reg2(0xd9, 0xe0), undef: CC_UNDEF },
  { name: 'fabs', enc: reg2(0xd9, 0xe1), undef: CC_UNDEF },
  { name: 'fsqrt', enc: reg2(0xd9, 0xfa), undef: CC_UNDEF },
  { name: 'frndint', enc: reg2(0xd9, 0xfc), undef: CC_UNDEF },
  { name: 'fscale', enc: reg2(0xd9, 0xfd), undef: CC_UNDEF },
  { name: 'fxtract', enc: reg2(0xd9, 0xf4), undef: CC_UNDEF },
  { name: 'fprem', enc: reg2(0xd9, 0xf8), undef: 0 },
  { name: 'fprem1', enc: reg2(0xd9, 0xf5), undef: 0 },
  { name: 'fxch st1', enc: reg2(0xd9, 0xc9), undef: CC_UNDEF },
  { name: 'fld st1', enc: reg2(0xd9, 0xc1), undef: CC_UNDEF },
  { name: 'fstp st1', enc: reg2(0xdd, 0xd9), undef: CC_UNDEF },
  { name: 'ffree st1', enc: reg2(0xdd, 0xc1), undef: CC_UNDEF | C1 },
  { name: 'fincstp', enc: reg2(0xd9, 0xf7), undef: CC_UNDEF },
  { name: 'fdecstp', enc: reg2(0xd9, 0xf6), undef: CC_UNDEF },
  ...['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz'].map((n, i) => ({ name: n, enc: reg2(0xd9, 0xe8 + i), undef: CC_UNDEF })),
  { name: 'fist m16', enc: memop(0xdf, 2, ST), undef: CC_UNDEF, store: 2 },
  { name: 'fistp m16', enc: memop(0xdf, 3, ST), undef: CC_UNDEF, store: 2 },
  { name: 'fist m32', enc: memop(0xdb, 2, ST), undef: CC_UNDEF, store: 4 },
  { name: 'fistp m32', enc: memop(0xdb, 3, ST), undef: CC_UNDEF, store: 4 },
  { name: 'fistp m64', enc: memop(0xdf, 7, ST), undef: CC_UNDEF, store: 8 },
  { name: 'fst m32', enc: memop(0xd9, 2, ST), undef: CC_UNDEF, store: 4 },
  { name: 'fstp m32', enc: memop(0xd9, 3, ST), undef: CC_UNDEF, store: 4 },
  { name: 'fst m64', enc: memop(0xdd, 2, ST), undef: CC_UNDEF, store: 8 },
  { name: 'fstp m64', enc: memop(0xdd, 3, ST), undef: CC_UNDEF, store: 8 },
  { name: 'fbstp m80', enc: memop(0xdf, 6, ST), undef: CC_UNDEF, store: 10 },
  { name: 'fbld m80', enc: memop(0xdf, 4, A80), undef: CC_UNDEF },
  {
    // The 28-byte protected-mode environment: FCW, FSW and the full tag word
    // are compared. The reserved upper halves and the last instruction/operand
    // pointers and opcode are not: they vary by processor generation
    // (FOP/FCS/FDS deprecation, FDP updated only on exceptions).
    name: 'fnstenv',
    enc: (c) => void c.d.asm.op([0xd9], 6, c.at(ST)),
    undef: CC_UNDEF | C1,
    post: (d) => {
      maskData(d, ST + 2, 2);
      maskData(d, ST + 6, 2);
      maskData(d, ST + 10, 18);
    },
  },
  { name: 'fsin', enc: reg2(0xd9, 0xfe), undef: C0 | C3 | C1 | PE, trans: true },
  { name: 'fcos', enc: reg2(0xd9, 0xff), undef: C0 | C3 | C1 | PE, trans: true },
  { name: 'fsincos', enc: reg2(0xd9, 0xfb), undef: C0 | C3 | C1 | PE, trans: true },
  { name: 'fptan', enc: reg2(0xd9, 0xf2), undef: C0 | C3 | C1 | PE, trans: true },
  { name: 'fpatan', enc: reg2(0xd9, 0xf3), undef: CC_UNDEF | C1 | PE, trans: true },
  { name: 'f2xm1', enc: reg2(0xd9, 0xf0), undef: CC_UNDEF | C1 | PE, trans: true },
  { name: 'fyl2x', enc: reg2(0xd9, 0xf1), undef: CC_UNDEF | C1 | PE, trans: true },
  { name: 'fyl2xp1', enc: reg2(0xd9, 0xf9), undef: CC_UNDEF | C1 | PE, trans: true },
];

const LOADS = [
  { name: 'm64', bytes: 8, enc: (c: Ctx, a: boolean) => c.d.asm.op([0xdd], 0, c.at(a ? A64 : B64)) },
  { name: 'm80', bytes: 10, enc: (c: Ctx, a: boolean) => c.d.asm.op([0xdb], 5, c.at(a ? A80 : B80)) },
  { name: 'm32', bytes: 4, enc: (c: Ctx, a: boolean) => c.d.asm.op([0xd9], 0, c.at(a ? A32 : B32)) },
  { name: 'm32int', bytes: 4, enc: (c: Ctx) => c.d.asm.op([0xdb], 0, c.at(I32)) },
  { name: 'm16int', bytes: 2, enc: (c: Ctx) => c.d.asm.op([0xdf], 0, c.at(I16)) },
  { name: 'm64int', bytes: 8, enc: (c: Ctx) => c.d.asm.op([0xdf], 5, c.at(I64)) },
];

function fillOperands(d: CaseDraft, rng: Prng, bcd: boolean): void {
  d.data.set(f64(rng), A64);
  d.data.set(f64(rng), B64);
  d.data.set(f80(rng), A80);
  d.data.set(f80(rng), B80);
  d.data.set(f32(rng), A32);
  d.data.set(f32(rng), B32);
  const i32 = rng.pick([0, 1, -1, 0x7fffffff, -0x80000000, rng.range(-1000, 1000), rng.u32() | 0]);
  d.data.set(le32(i32 >>> 0), I32);
  const i16 = rng.pick([0, 1, -1, 0x7fff, -0x8000, rng.range(-1000, 1000)]);
  d.data.set([i16 & 0xff, (i16 >>> 8) & 0xff], I16);
  d.data.set(le32(rng.u32()).concat(le32(rng.pick([0, 0xffffffff, 0x80000000, rng.u32()]))), I64);
  if (bcd || rng.chance(0.1)) {
    // A packed BCD operand for FBLD: 18 digits and a sign byte.
    for (let i = 0; i < 9; i++) d.data[A80 + i] = rng.below(10) * 16 + rng.below(10);
    d.data[A80 + 9] = rng.chance(0.5) ? 0x80 : 0;
  }
  // FCW: all exceptions masked; precision extended/double/single; any rounding mode.
  const pc = rng.pick([3, 3, 2, 2, 0]);
  const rc = rng.chance(0.6) ? 0 : rng.below(4);
  const fcw = 0x007f | (pc << 8) | (rc << 10) | 0x40;
  d.data[FCW] = fcw & 0xff;
  d.data[FCW + 1] = fcw >>> 8;
}

/** One random x87 case (class `x87`, or `x87trans` for transcendentals). */
export function x87Case(rng: Prng): NativeCase {
  const op = rng.chance(0.12) ? rng.pick(OPS.filter((o) => o.trans)) : rng.pick(OPS.filter((o) => !o.trans));
  const d = draft(rng, op.trans ? 'x87trans' : 'x87');
  d.requires |= Feature.FPU | (op.cmov ? Feature.CMOV : 0);
  fillOperands(d, rng, op.name.startsWith('fbld'));
  if (op.trans) {
    // Keep arguments where the instruction is meant to be used most of the time.
    if (rng.chance(0.7)) {
      const v = op.name === 'f2xm1' ? rng.range(-1000, 1000) / 1000 : op.name === 'fyl2xp1' ? rng.range(-290, 290) / 1000 : rng.range(-100000, 100000) / 1000;
      const b = new Float64Array([v]);
      d.data.set(new Uint8Array(b.buffer), A64);
    }
  }
  const { op: base } = dataMem(d, rng, 256, [], 1);
  // dataMem picked a base register and value for offset 0 (the whole area); address fields from there.
  const bm = (base as { mem: { base: number; disp: number; index?: number; scale?: number } }).mem;
  const at = (off: number): Operand => (bm.index === undefined ? m(bm.base, bm.disp + off) : m(bm.base, bm.disp + off, bm.index, bm.scale));
  const c: Ctx = { d, at };
  const a = d.asm;
  a.db(0xdb, 0xe3); // fninit
  a.op([0xd9], 5, at(FCW)); // fldcw
  const lb = rng.pick(LOADS);
  const la = rng.pick(LOADS);
  lb.enc(c, false);
  la.enc(c, true);
  op.enc(c);
  a.op([0xdd], 7, at(SW1)); // fnstsw m16
  a.op([0xdb], 7, at(R0)); // fstp m80
  a.op([0xdb], 7, at(R1)); // fstp m80
  a.op([0xdd], 7, at(SW2)); // fnstsw m16
  maskData(d, SW1, 1, op.undef & 0xff);
  maskData(d, SW1 + 1, 1, (op.undef >>> 8) & 0xff);
  // After the stores C0/C2/C3 are undefined again (FSTP leaves them so).
  const after = op.undef | CC_UNDEF;
  maskData(d, SW2, 1, after & 0xff);
  maskData(d, SW2 + 1, 1, (after >>> 8) & 0xff);
  op.post?.(d);
  if (op.trans) {
    maskData(d, R0, 1);
    maskData(d, R1, 1);
  }
  const fcw = d.data[FCW]! | (d.data[FCW + 1]! << 8);
  const pcName = ['sgl', 'res', 'dbl', 'ext'][(fcw >>> 8) & 3];
  d.name = `fld ${lb.name}; fld ${la.name}; ${op.name} [pc=${pcName} rc=${RC_NAMES[(fcw >>> 10) & 3]}]`;
  return finish(d);
}
