/**
 * Multiply and divide: MUL/IMUL (one, two and three operands), DIV/IDIV,
 * including divides that raise #DE (divisor 0, quotient overflow).
 * Undefined flags (Intel SDM vol. 2): SF, ZF, AF, PF after MUL/IMUL; all six
 * status flags after DIV/IDIV. A faulting divide changes nothing, so its
 * flags are compared in full.
 */
import { EAX, EDX, opText, REG_NAMES, type Size } from '../asm.js';
import { AF, DATA_ADDR, draft, finish, operand, PF, SF, STATUS, ZF, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';
import { anyReg, anySize, dataMem, getReg, readData, regOrMem, setReg, w } from './util.js';

/** One random multiply case. */
export function mulCase(rng: Prng): NativeCase {
  const d = draft(rng, 'muldiv');
  const a = d.asm;
  d.undefFlags |= SF | ZF | AF | PF;
  const form = rng.below(4);
  if (form < 2) {
    const size = anySize(rng);
    const signed = form === 1;
    const rm = regOrMem(d, rng, size, 0.3, [EAX, EDX]);
    a.osz(size).op([0xf6 + w(size)], signed ? 5 : 4, rm);
    d.name = `${signed ? 'imul' : 'mul'} ${opText(rm, size)}`;
  } else {
    const size: Size = rng.chance(0.5) ? 16 : 32;
    const rm = regOrMem(d, rng, size, 0.3);
    const rg = anyReg(rng, size);
    const rn = (REG_NAMES[size] as readonly string[])[rg];
    a.osz(size);
    if (form === 2) {
      a.op([0x0f, 0xaf], rg, rm);
      d.name = `imul ${rn}, ${opText(rm, size)}`;
    } else if (rng.chance(0.5)) {
      const imm = operand(rng);
      a.op([0x6b], rg, rm).imm8(imm);
      d.name = `imul ${rn}, ${opText(rm, size)}, imm8 ${imm & 0xff}`;
    } else {
      const imm = operand(rng);
      a.op([0x69], rg, rm).imm(size, imm);
      d.name = `imul ${rn}, ${opText(rm, size)}, 0x${imm.toString(16)}`;
    }
  }
  return finish(d);
}

/** Whether DIV/IDIV of the accumulator pair by `divisor` faults (#DE). */
export function divFaults(regs: Uint32Array, divisor: number, size: Size, signed: boolean): boolean {
  if (divisor === 0) return true;
  const mod = 2 ** size;
  const lo = size === 8 ? regs[EAX]! & 0xff : getReg(regs, EAX, size);
  const hi = size === 8 ? (regs[EAX]! >>> 8) & 0xff : getReg(regs, EDX, size);
  if (!signed) {
    // quotient = (hi:lo) / divisor < 2^size  <=>  hi < divisor
    return hi >= divisor;
  }
  const sdiv = divisor >= mod / 2 ? divisor - mod : divisor;
  const big = BigInt(hi) * BigInt(mod) + BigInt(lo);
  const full = big >= BigInt(mod) * BigInt(mod) / 2n ? big - BigInt(mod) * BigInt(mod) : big;
  // Intel truncates toward zero.
  const q = full / BigInt(sdiv);
  return q > BigInt(mod / 2 - 1) || q < BigInt(-mod / 2);
}

/** One random divide case; about a fifth of them fault. */
export function divCase(rng: Prng): NativeCase {
  const d = draft(rng, 'muldiv');
  const a = d.asm;
  const size = anySize(rng);
  const signed = rng.chance(0.5);
  let rm;
  let divisor: number;
  if (rng.chance(0.4)) {
    const dm = dataMem(d, rng, size / 8, [EAX, EDX]);
    rm = dm.op;
    divisor = readData(d.data, dm.offset, size);
  } else {
    let n = anyReg(rng, size);
    // Dividing by (part of) the dividend is legal but rarely useful; keep 30% of those, else use BL/BX/EBX.
    if ((size === 8 ? n === 0 || n === 4 : n === EAX || n === EDX) && rng.chance(0.7)) n = 3;
    rm = { reg: n };
    divisor = getReg(d.regs, n, size);
  }
  const mode = rng.below(10);
  const mask = size === 32 ? 0xffffffff : 2 ** size - 1;
  if (mode < 7) {
    // Usually no fault: make the high half small relative to the divisor.
    if (divisor === 0) {
      divisor = rng.range(1, mask);
      if ('reg' in rm) setReg(d.regs, rm.reg, size, divisor);
      else for (let i = 0; i < size / 8; i++) d.data[offsetOf(d, rm)! + i] = (divisor >>> (8 * i)) & 0xff;
    }
    const hiReg = size === 8 ? 4 : EDX;
    let hi: number;
    if (!signed) hi = rng.below(Math.max(1, divisor));
    else {
      const sdiv = divisor > mask / 2 ? 2 ** size - divisor : divisor;
      const lim = Math.max(1, Math.floor(sdiv / 2));
      hi = rng.chance(0.5) ? rng.below(lim) : (2 ** size - 1 - rng.below(lim)) % 2 ** size;
    }
    if (!('reg' in rm && (rm.reg === hiReg || (size !== 8 && rm.reg === EAX) || (size === 8 && rm.reg === 0)))) setReg(d.regs, hiReg, size, hi);
  } else if (mode === 7) {
    if ('reg' in rm) {
      if (!(size === 8 ? rm.reg === 0 || rm.reg === 4 : rm.reg === EAX || rm.reg === EDX)) setReg(d.regs, rm.reg, size, 0);
    } else for (let i = 0; i < size / 8; i++) d.data[offsetOf(d, rm)! + i] = 0;
  }
  // mode 8, 9: whatever the random values give (mostly overflow for large high halves).
  const actualDivisor = 'reg' in rm ? getReg(d.regs, rm.reg, size) : readData(d.data, offsetOf(d, rm)!, size);
  const faults = divFaults(d.regs, actualDivisor, size, signed);
  if (!faults) d.undefFlags |= STATUS;
  a.osz(size).op([0xf6 + w(size)], signed ? 7 : 6, rm);
  d.name = `${signed ? 'idiv' : 'div'} ${opText(rm, size)}${faults ? ' (#DE)' : ''}`;
  return finish(d);
}

function offsetOf(d: { regs: Uint32Array }, rm: { mem: { base: number; index?: number; scale?: number; disp: number } }): number | undefined {
  const mm = rm.mem;
  let addr = (d.regs[mm.base] as number) + mm.disp;
  if (mm.index !== undefined) addr += (d.regs[mm.index] as number) << (mm.scale ?? 0);
  return ((addr >>> 0) - DATA_ADDR) | 0;
}

/** Hand-written divide edges: the signed overflow, exact boundaries, negative remainders. */
export function divEdgeCases(rng: Prng): NativeCase[] {
  const out: NativeCase[] = [];
  const specs: Array<[Size, boolean, number, number, number]> = [
    // size, signed, high, low, divisor
    [32, true, 0xffffffff, 0x80000000, 0xffffffff], // -2^31 / -1: #DE
    [32, true, 0xffffffff, 0x80000000, 0x00000001],
    [32, true, 0x00000000, 0x7fffffff, 0xffffffff],
    [32, false, 0xfffffffe, 0xffffffff, 0xffffffff],
    [32, false, 0xffffffff, 0x00000000, 0xffffffff], // #DE
    [32, true, 0xffffffff, 0xfffffff9, 0x00000002], // -7 / 2
    [32, true, 0x00000000, 0x00000007, 0xfffffffe], // 7 / -2
    [16, true, 0xffff, 0x8000, 0xffff], // #DE
    [16, true, 0x0000, 0x8000, 0xffff], // 32768 / -1 = -32768, fits
    [16, false, 0x0000, 0x0000, 0x0000], // #DE
    [8, true, 0, 0x80, 0xff],
    [8, true, 0xff, 0x80, 0xff], // #DE
    [8, false, 0xfe, 0xff, 0xff],
    [8, false, 0xff, 0x00, 0xff], // #DE
  ];
  for (const [size, signed, hi, lo, div] of specs) {
    for (let rep = 0; rep < 4; rep++) {
      const d = draft(rng, 'muldiv');
      if (size === 8) d.regs[EAX] = ((d.regs[EAX]! & 0xffff0000) | (hi << 8) | lo) >>> 0;
      else {
        setReg(d.regs, EAX, size, lo);
        setReg(d.regs, EDX, size, hi);
      }
      setReg(d.regs, 3, size, div); // BL / BX / EBX
      const faults = divFaults(d.regs, div, size, signed);
      if (!faults) d.undefFlags |= STATUS;
      d.asm.osz(size).op([0xf6 + w(size)], signed ? 7 : 6, { reg: 3 });
      d.name = `${signed ? 'idiv' : 'div'} ${(REG_NAMES[size] as readonly string[])[3]} [${hi.toString(16)}:${lo.toString(16)} / ${div.toString(16)}]${faults ? ' (#DE)' : ''}`;
      out.push(finish(d));
    }
  }
  return out;
}
