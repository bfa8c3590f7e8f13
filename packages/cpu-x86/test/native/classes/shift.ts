/**
 * Shifts and rotates: ROL/ROR/RCL/RCR/SHL/SHR/SAR by 1, by imm8 and by CL,
 * and SHLD/SHRD by imm8 and by CL, in 8/16/32 bits.
 * Undefined flags (Intel SDM vol. 2, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR,
 * SHLD, SHRD): with a masked count of 0 nothing changes; otherwise OF is
 * undefined unless the masked count is 1, AF is undefined for shifts, and
 * SHL/SHR leave CF undefined when the count is at least the operand size.
 * SHLD/SHRD with a 16-bit operand and a count above 16 are undefined
 * entirely and are not generated.
 */
import { ECX, opText, REG_NAMES } from '../asm.js';
import { AF, CF, draft, finish, OF, type CaseDraft, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';
import { anyReg, anySize, regOrMem, w } from './util.js';

const NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];

function count(rng: Prng, size: number): number {
  return rng.pick([0, 1, 1, 2, 3, size - 1, size, size + 1, 16, 17, 31, 32, 33, 63, rng.below(256), rng.below(size + 2)]);
}

function undefFor(d: CaseDraft, op: number, size: number, cnt: number): void {
  const mc = cnt & 31;
  if (mc === 0) return;
  if (mc !== 1) d.undefFlags |= OF;
  if (op >= 4) {
    d.undefFlags |= AF;
    if ((op === 4 || op === 5) && mc >= size) d.undefFlags |= CF;
  }
}

/** One random shift/rotate case. */
export function shiftCase(rng: Prng): NativeCase {
  const d = draft(rng, 'shift');
  const a = d.asm;
  const size = anySize(rng);
  if (rng.chance(0.75)) {
    const op = rng.pick([0, 1, 2, 3, 4, 5, 7]);
    const form = rng.below(3);
    const rm = regOrMem(d, rng, size, 0.3, [ECX]);
    let cnt: number;
    a.osz(size);
    if (form === 0) {
      cnt = 1;
      a.op([0xd0 + w(size)], op, rm);
    } else if (form === 1) {
      cnt = count(rng, size);
      a.op([0xc0 + w(size)], op, rm).imm8(cnt);
    } else {
      cnt = count(rng, size);
      d.regs[ECX] = ((d.regs[ECX] as number) & ~0xff) | cnt;
      a.op([0xd2 + w(size)], op, rm);
    }
    undefFor(d, op, size, cnt);
    d.name = `${NAMES[op]} ${opText(rm, size)}, ${form === 0 ? '1' : form === 1 ? `${cnt}` : `cl=${cnt}`}`;
  } else {
    const sz = rng.chance(0.5) ? 16 : 32;
    const left = rng.chance(0.5);
    const byCl = rng.chance(0.5);
    let cnt = count(rng, sz);
    if (sz === 16 && (cnt & 31) > 16) cnt = cnt & 15;
    const rm = regOrMem(d, rng, sz, 0.3, [ECX]);
    const rg = anyReg(rng, sz);
    a.osz(sz).op([0x0f, (left ? 0xa4 : 0xac) + (byCl ? 1 : 0)], rg, rm);
    if (byCl) d.regs[ECX] = ((d.regs[ECX] as number) & ~0xff) | cnt;
    else a.imm8(cnt);
    const mc = cnt & 31;
    if (mc !== 0) {
      d.undefFlags |= AF;
      if (mc !== 1) d.undefFlags |= OF;
    }
    d.name = `${left ? 'shld' : 'shrd'} ${opText(rm, sz)}, ${(REG_NAMES[sz] as readonly string[])[rg]}, ${byCl ? `cl=${cnt}` : cnt}`;
  }
  return finish(d);
}

/** Hand-written: every shift/rotate by every count 0..33 on edge values, CF clear and set. */
export function shiftEdgeCases(rng: Prng): NativeCase[] {
  const out: NativeCase[] = [];
  for (const size of [8, 16, 32] as const) {
    const vals = size === 8 ? [0x81, 0x40] : size === 16 ? [0x8001, 0x4000] : [0x80000001, 0x40000000];
    for (const op of [0, 1, 2, 3, 4, 5, 7]) {
      for (let cnt = 0; cnt <= 33; cnt++) {
        for (const v of vals) {
          const d = draft(rng, 'shift', `${NAMES[op]} ${(REG_NAMES[size] as readonly string[])[0]}, ${cnt} [0x${v.toString(16)}]`);
          d.regs[0] = ((size === 32 ? 0 : d.regs[0]! & ~((1 << size) - 1)) | v) >>> 0;
          d.asm.osz(size).op([0xc0 + w(size)], op, { reg: 0 }).imm8(cnt);
          undefFor(d, op, size, cnt);
          out.push(finish(d));
        }
      }
    }
  }
  return out;
}
