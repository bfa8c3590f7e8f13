/**
 * SSE/SSE2 data movement, which compilers use for every memcpy: aligned and
 * unaligned 128-bit loads and stores, scalar moves (MOVSS/MOVSD zero the rest
 * of the register from memory but merge from a register), half moves
 * (MOVLPS/MOVHPS/MOVHLPS/MOVLHPS, MOVLPD/MOVHPD), MOVQ/MOVD, non-temporal
 * stores, MASKMOVDQU (byte-masked store to [EDI]) and an aligned access at a
 * misaligned address (#GP). Results are the destination register (stored
 * with MOVUPS) and the data area. Class `sse` or `sse2` by the CPUID bit.
 */
import { EDI, m, type Operand } from '../asm.js';
import { DATA_ADDR, draft, Feature, finish, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';
import { packedBytes } from './mmx.js';
import { dataMem } from './util.js';

const A = 0, B = 16, OUT = 64, S = 96;

interface MoveOp {
  readonly name: string;
  readonly bytes: readonly number[];
  /** load: reg <- r/m (B or the source register); store: r/m (S) <- reg. */
  readonly dir: 'load' | 'store';
  /** Which r/m forms exist. */
  readonly forms: 'mem' | 'reg' | 'both';
  /** Needs 16-byte alignment (a misaligned address raises #GP). */
  readonly aligned?: boolean;
  readonly sse2: boolean;
}

const OPS: readonly MoveOp[] = [
  { name: 'movaps', bytes: [0x0f, 0x28], dir: 'load', forms: 'both', aligned: true, sse2: false },
  { name: 'movaps st', bytes: [0x0f, 0x29], dir: 'store', forms: 'mem', aligned: true, sse2: false },
  { name: 'movups', bytes: [0x0f, 0x10], dir: 'load', forms: 'both', sse2: false },
  { name: 'movups st', bytes: [0x0f, 0x11], dir: 'store', forms: 'mem', sse2: false },
  { name: 'movss', bytes: [0xf3, 0x0f, 0x10], dir: 'load', forms: 'both', sse2: false },
  { name: 'movss st', bytes: [0xf3, 0x0f, 0x11], dir: 'store', forms: 'mem', sse2: false },
  { name: 'movlps/movhlps', bytes: [0x0f, 0x12], dir: 'load', forms: 'both', sse2: false },
  { name: 'movhps/movlhps', bytes: [0x0f, 0x16], dir: 'load', forms: 'both', sse2: false },
  { name: 'movlps st', bytes: [0x0f, 0x13], dir: 'store', forms: 'mem', sse2: false },
  { name: 'movhps st', bytes: [0x0f, 0x17], dir: 'store', forms: 'mem', sse2: false },
  { name: 'movntps', bytes: [0x0f, 0x2b], dir: 'store', forms: 'mem', aligned: true, sse2: false },
  { name: 'movapd', bytes: [0x66, 0x0f, 0x28], dir: 'load', forms: 'both', aligned: true, sse2: true },
  { name: 'movupd st', bytes: [0x66, 0x0f, 0x11], dir: 'store', forms: 'mem', sse2: true },
  { name: 'movdqa', bytes: [0x66, 0x0f, 0x6f], dir: 'load', forms: 'both', aligned: true, sse2: true },
  { name: 'movdqa st', bytes: [0x66, 0x0f, 0x7f], dir: 'store', forms: 'mem', aligned: true, sse2: true },
  { name: 'movdqu', bytes: [0xf3, 0x0f, 0x6f], dir: 'load', forms: 'both', sse2: true },
  { name: 'movdqu st', bytes: [0xf3, 0x0f, 0x7f], dir: 'store', forms: 'mem', sse2: true },
  { name: 'movsd', bytes: [0xf2, 0x0f, 0x10], dir: 'load', forms: 'both', sse2: true },
  { name: 'movsd st', bytes: [0xf2, 0x0f, 0x11], dir: 'store', forms: 'mem', sse2: true },
  { name: 'movq', bytes: [0xf3, 0x0f, 0x7e], dir: 'load', forms: 'both', sse2: true },
  { name: 'movq st', bytes: [0x66, 0x0f, 0xd6], dir: 'store', forms: 'mem', sse2: true },
  { name: 'movd', bytes: [0x66, 0x0f, 0x6e], dir: 'load', forms: 'mem', sse2: true },
  { name: 'movd st', bytes: [0x66, 0x0f, 0x7e], dir: 'store', forms: 'mem', sse2: true },
  { name: 'movlpd', bytes: [0x66, 0x0f, 0x12], dir: 'load', forms: 'mem', sse2: true },
  { name: 'movhpd', bytes: [0x66, 0x0f, 0x16], dir: 'load', forms: 'mem', sse2: true },
  { name: 'movlpd st', bytes: [0x66, 0x0f, 0x13], dir: 'store', forms: 'mem', sse2: true },
  { name: 'movhpd st', bytes: [0x66, 0x0f, 0x17], dir: 'store', forms: 'mem', sse2: true },
  { name: 'movntdq', bytes: [0x66, 0x0f, 0xe7], dir: 'store', forms: 'mem', aligned: true, sse2: true },
  { name: 'movntpd', bytes: [0x66, 0x0f, 0x2b], dir: 'store', forms: 'mem', aligned: true, sse2: true },
  { name: 'maskmovdqu', bytes: [0x66, 0x0f, 0xf7], dir: 'load', forms: 'reg', sse2: true },
];

/** One random SSE move case. */
export function sseMoveCase(rng: Prng): NativeCase {
  const o = rng.pick(OPS);
  const d = draft(rng, o.sse2 ? 'sse2' : 'sse', '');
  d.requires |= Feature.FXSR | Feature.SSE | (o.sse2 ? Feature.SSE2 : 0);
  const a = d.asm;
  d.data.set(packedBytes(rng, 16), A);
  d.data.set(packedBytes(rng, 16), B);
  const { op: base } = dataMem(d, rng, 256, [EDI], 1);
  const bm = (base as { mem: { base: number; disp: number; index?: number; scale?: number } }).mem;
  const at = (off: number): Operand => (bm.index === undefined ? m(bm.base, bm.disp + off) : m(bm.base, bm.disp + off, bm.index, bm.scale));
  const dst = rng.below(8);
  let src = rng.below(8);
  if (src === dst) src = (src + 1) & 7;
  a.op([0x0f, 0x10], dst, at(A)); // movups xmm_dst, [A]
  a.op([0x0f, 0x10], src, at(B)); // movups xmm_src, [B]
  const useReg = o.forms === 'reg' || (o.forms === 'both' && rng.chance(0.4));
  // Unaligned forms get an odd offset half the time; aligned forms a misaligned one rarely (#GP).
  const misalign = o.aligned ? (rng.chance(0.08) ? rng.pick([4, 8, 1]) : 0) : rng.chance(0.5) ? rng.range(1, 15) : 0;
  let desc: string;
  if (o.name === 'maskmovdqu') {
    // Bytes of xmm_dst whose mask byte (xmm_src) has bit 7 set go to [EDI].
    d.regs[EDI] = DATA_ADDR + S + rng.below(16);
    a.op(o.bytes, dst, { reg: src });
    desc = `maskmovdqu xmm${dst}, xmm${src}`;
  } else if (o.dir === 'load') {
    a.op(o.bytes, dst, useReg ? { reg: src } : at(B + misalign));
    desc = `${o.name} xmm${dst}, ${useReg ? `xmm${src}` : `[data+${B + misalign}]`}`;
  } else {
    a.op(o.bytes, dst, at(S + misalign));
    desc = `${o.name.replace(' st', '')} [data+${S + misalign}], xmm${dst}`;
  }
  a.op([0x0f, 0x11], dst, at(OUT)); // movups [OUT], xmm_dst
  d.name = `${desc}${o.aligned && misalign && !useReg ? ' (#GP)' : ''}`;
  return finish(d);
}
