/**
 * One-byte opcode map semantics (SDM vol. 2, appendix A, table A-2), except
 * string instructions (`string.ts`) and system instructions (`system.ts`).
 *
 * @module
 */

import type { Cpu } from '../cpu.js';
import { Flag, R8, Vec } from '../constants.js';
import { aaa, aad, aam, alu, daa, das, dec, divide, imul32, inc, mul32, mulFlags, mulHi, neg, shift } from './alu.js';
import type { Op } from './types.js';
import { farCall, farJump, farReturn, interruptReturn, loadSegment, popSegment } from '../protected.js';

/** Set EIP to a near target, masked to the operand size, checking the CS limit. */
export function jumpNear(cpu: Cpu, target: number): void {
  if (cpu.os32 === 0) target &= 0xffff;
  if (target >>> 0 > cpu.segLimit[1]! >>> 0) cpu.gp(0);
  cpu.eip = target;
}

function aluOp(cpu: Cpu): void {
  const opc = cpu.opcode;
  const op = (opc >> 3) & 7;
  const reg = (cpu.modrm >> 3) & 7;
  switch (opc & 7) {
    case 0: {
      const a = cpu.rm8();
      if (op !== 7) cpu.probeRmWrite(8);
      const r = alu(cpu, op, a, cpu.reg8[R8[reg]!]!, 8);
      if (op !== 7) cpu.setRm8(r);
      return;
    }
    case 1:
      if (cpu.os32 !== 0) {
        const a = cpu.rm32();
        if (op !== 7) cpu.probeRmWrite(32);
        const r = alu(cpu, op, a, cpu.reg32[reg]!, 32);
        if (op !== 7) cpu.setRm32(r);
      } else {
        const a = cpu.rm16();
        if (op !== 7) cpu.probeRmWrite(16);
        const r = alu(cpu, op, a, cpu.reg16[reg << 1]!, 16);
        if (op !== 7) cpu.setRm16(r);
      }
      return;
    case 2:
      cpu.reg8[R8[reg]!] = alu(cpu, op, cpu.reg8[R8[reg]!]!, cpu.rm8(), 8);
      return;
    case 3:
      if (cpu.os32 !== 0) cpu.reg32[reg] = alu(cpu, op, cpu.reg32[reg]!, cpu.rm32(), 32);
      else cpu.reg16[reg << 1] = alu(cpu, op, cpu.reg16[reg << 1]!, cpu.rm16(), 16);
      return;
    case 4:
      cpu.reg8[0] = alu(cpu, op, cpu.reg8[0]!, cpu.imm, 8);
      return;
    default:
      if (cpu.os32 !== 0) cpu.reg32[0] = alu(cpu, op, cpu.reg32[0]!, cpu.imm, 32);
      else cpu.reg16[0] = alu(cpu, op, cpu.reg16[0]!, cpu.imm, 16);
  }
}

// Hot forms get their own handlers (fewer branches per instruction).
function aluEvGv(cpu: Cpu): void {
  const op = (cpu.opcode >> 3) & 7;
  const reg = (cpu.modrm >> 3) & 7;
  if (cpu.os32 !== 0) {
    const a = cpu.rm32();
    if (op !== 7) cpu.probeRmWrite(32);
    const r = alu(cpu, op, a, cpu.reg32[reg]!, 32);
    if (op !== 7) cpu.setRm32(r);
  } else {
    const a = cpu.rm16();
    if (op !== 7) cpu.probeRmWrite(16);
    const r = alu(cpu, op, a, cpu.reg16[reg << 1]!, 16);
    if (op !== 7) cpu.setRm16(r);
  }
}
function aluGvEv(cpu: Cpu): void {
  const op = (cpu.opcode >> 3) & 7;
  const reg = (cpu.modrm >> 3) & 7;
  if (cpu.os32 !== 0) {
    const r = alu(cpu, op, cpu.reg32[reg]!, cpu.rm32(), 32);
    if (op !== 7) cpu.reg32[reg] = r;
  } else {
    const r = alu(cpu, op, cpu.reg16[reg << 1]!, cpu.rm16(), 16);
    if (op !== 7) cpu.reg16[reg << 1] = r;
  }
}
function movEvGv(cpu: Cpu): void {
  const reg = (cpu.modrm >> 3) & 7;
  if (cpu.os32 !== 0) cpu.setRm32(cpu.reg32[reg]!);
  else cpu.setRm16(cpu.reg16[reg << 1]!);
}
function movGvEv(cpu: Cpu): void {
  const reg = (cpu.modrm >> 3) & 7;
  if (cpu.os32 !== 0) cpu.reg32[reg] = cpu.rm32();
  else cpu.reg16[reg << 1] = cpu.rm16();
}

function grp1(cpu: Cpu): void {
  const op = (cpu.modrm >> 3) & 7;
  const opc = cpu.opcode;
  const store = op !== 7;
  if (opc === 0x80 || opc === 0x82) {
    const a = cpu.rm8();
    if (store) cpu.probeRmWrite(8);
    const r = alu(cpu, op, a, cpu.imm, 8);
    if (op !== 7) cpu.setRm8(r);
    return;
  }
  const imm = opc === 0x83 ? (cpu.imm << 24) >> 24 : cpu.imm;
  if (cpu.os32 !== 0) {
    const a = cpu.rm32();
    if (store) cpu.probeRmWrite(32);
    const r = alu(cpu, op, a, imm, 32);
    if (op !== 7) cpu.setRm32(r);
  } else {
    const a = cpu.rm16();
    if (store) cpu.probeRmWrite(16);
    const r = alu(cpu, op, a, imm, 16);
    if (op !== 7) cpu.setRm16(r);
  }
}

function testOp(cpu: Cpu): void {
  switch (cpu.opcode) {
    case 0x84: alu(cpu, 4, cpu.rm8(), cpu.reg8[R8[(cpu.modrm >> 3) & 7]!]!, 8); return;
    case 0x85:
      if (cpu.os32 !== 0) alu(cpu, 4, cpu.rm32(), cpu.reg32[(cpu.modrm >> 3) & 7]!, 32);
      else alu(cpu, 4, cpu.rm16(), cpu.reg16[((cpu.modrm >> 3) & 7) << 1]!, 16);
      return;
    case 0xa8: alu(cpu, 4, cpu.reg8[0]!, cpu.imm, 8); return;
    default:
      if (cpu.os32 !== 0) alu(cpu, 4, cpu.reg32[0]!, cpu.imm, 32);
      else alu(cpu, 4, cpu.reg16[0]!, cpu.imm, 16);
  }
}

function incReg(cpu: Cpu): void {
  const r = cpu.opcode & 7;
  if (cpu.os32 !== 0) cpu.reg32[r] = inc(cpu, cpu.reg32[r]!, 32);
  else cpu.reg16[r << 1] = inc(cpu, cpu.reg16[r << 1]!, 16);
}
function decReg(cpu: Cpu): void {
  const r = cpu.opcode & 7;
  if (cpu.os32 !== 0) cpu.reg32[r] = dec(cpu, cpu.reg32[r]!, 32);
  else cpu.reg16[r << 1] = dec(cpu, cpu.reg16[r << 1]!, 16);
}
function pushReg(cpu: Cpu): void {
  // PUSH ESP pushes the value before the push (80286 and later)
  const r = cpu.opcode & 7;
  if (cpu.os32 !== 0) cpu.push32(cpu.reg32[r]!);
  else cpu.push16(cpu.reg16[r << 1]!);
}
function popReg(cpu: Cpu): void {
  const r = cpu.opcode & 7;
  if (cpu.os32 !== 0) cpu.reg32[r] = cpu.pop32();
  else cpu.reg16[r << 1] = cpu.pop16();
}
function pushSeg(cpu: Cpu): void {
  const s = cpu.opcode >= 0x100 ? ((cpu.opcode >> 3) & 7) : (cpu.opcode >> 3) & 3;
  const v = cpu.segSel[s]!;
  if (cpu.os32 !== 0) {
    // a 32-bit push of a segment register writes only the low word (P6)
    const sp = (cpu.sp() - 4) | 0;
    cpu.write16(2, cpu.ssB !== 0 ? sp : sp & 0xffff, v);
    cpu.setSp(sp);
  } else cpu.push16(v);
}
function popSeg(cpu: Cpu): void {
  const s = cpu.opcode >= 0x100 ? ((cpu.opcode >> 3) & 7) : (cpu.opcode >> 3) & 3;
  popSegment(cpu, s);
  if (s === 2) cpu.shadow = true;
}

function pusha(cpu: Cpu): void {
  const r = cpu.reg32;
  const sp0 = cpu.sp();
  const n = cpu.os32 !== 0 ? 4 : 2;
  // check the whole frame first so a fault leaves memory untouched
  const low = (sp0 - 8 * n) | 0;
  cpu.segCheck(2, cpu.ssB !== 0 ? low : low & 0xffff, 1, true);
  const esp = r[4]!;
  for (let i = 0; i < 8; i++) {
    const v = i === 4 ? esp : r[i]!;
    if (n === 4) cpu.push32(v);
    else cpu.push16(v);
  }
}
function popa(cpu: Cpu): void {
  const r = cpu.reg32;
  const vals = popaTmp;
  for (let i = 7; i >= 0; i--) vals[i] = cpu.os32 !== 0 ? cpu.pop32() : cpu.pop16();
  for (let i = 0; i < 8; i++) {
    if (i === 4) continue;
    if (cpu.os32 !== 0) r[i] = vals[i]!;
    else cpu.reg16[i << 1] = vals[i]!;
  }
}
const popaTmp = new Int32Array(8);

function bound(cpu: Cpu): void {
  if (cpu.modrm >= 0xc0) cpu.ud();
  const reg = (cpu.modrm >> 3) & 7;
  if (cpu.os32 !== 0) {
    const lo = cpu.read32(cpu.eaSeg, cpu.eaOff);
    const hi = cpu.read32(cpu.eaSeg, (cpu.eaOff + 4) | 0);
    const v = cpu.reg32[reg]!;
    if (v < lo || v > hi) cpu.raise(Vec.BR);
  } else {
    const mask = cpu.as32 !== 0 ? -1 : 0xffff;
    const lo = (cpu.read16(cpu.eaSeg, cpu.eaOff) << 16) >> 16;
    const hi = (cpu.read16(cpu.eaSeg, (cpu.eaOff + 2) & mask) << 16) >> 16;
    const v = (cpu.reg16[reg << 1]! << 16) >> 16;
    if (v < lo || v > hi) cpu.raise(Vec.BR);
  }
}

function arpl(cpu: Cpu): void {
  if (!cpu.isProtected()) cpu.ud();
  const dst = cpu.rm16();
  const src = cpu.reg16[((cpu.modrm >> 3) & 7) << 1]!;
  if ((dst & 3) < (src & 3)) {
    cpu.setRm16((dst & ~3) | (src & 3));
    cpu.setArith(Flag.ZF, Flag.ZF);
  } else cpu.setArith(Flag.ZF, 0);
}

function pushImm(cpu: Cpu): void {
  const v = cpu.opcode === 0x6a ? (cpu.imm << 24) >> 24 : cpu.imm;
  cpu.push(v);
}

function imulImm(cpu: Cpu): void {
  const reg = (cpu.modrm >> 3) & 7;
  const imm = cpu.opcode === 0x6b ? (cpu.imm << 24) >> 24 : cpu.os32 !== 0 ? cpu.imm : (cpu.imm << 16) >> 16;
  imulTo(cpu, reg, cpu.os32 !== 0 ? cpu.rm32() : (cpu.rm16() << 16) >> 16, imm);
}

/** Two/three-operand IMUL into register `reg`. */
export function imulTo(cpu: Cpu, reg: number, a: number, b: number): void {
  if (cpu.os32 !== 0) {
    const lo = imul32(a, b);
    cpu.reg32[reg] = lo;
    mulFlags(cpu, mulHi !== lo >> 31, lo, 32);
  } else {
    const p = Math.imul(a, b);
    cpu.reg16[reg << 1] = p;
    mulFlags(cpu, p !== (p << 16) >> 16, p & 0xffff, 16);
  }
}

function jcc(cpu: Cpu): void {
  if (cpu.cond(cpu.opcode & 15)) jumpNear(cpu, (cpu.eip + ((cpu.imm << 24) >> 24)) | 0);
}

function xchg(cpu: Cpu): void {
  const reg = (cpu.modrm >> 3) & 7;
  if (cpu.opcode === 0x86) {
    const a = cpu.rm8();
    cpu.setRm8(cpu.reg8[R8[reg]!]!);
    cpu.reg8[R8[reg]!] = a;
  } else if (cpu.os32 !== 0) {
    const a = cpu.rm32();
    cpu.setRm32(cpu.reg32[reg]!);
    cpu.reg32[reg] = a;
  } else {
    const a = cpu.rm16();
    cpu.setRm16(cpu.reg16[reg << 1]!);
    cpu.reg16[reg << 1] = a;
  }
}

function movOp(cpu: Cpu): void {
  const reg = (cpu.modrm >> 3) & 7;
  switch (cpu.opcode) {
    case 0x88: cpu.setRm8(cpu.reg8[R8[reg]!]!); return;
    case 0x89: if (cpu.os32 !== 0) cpu.setRm32(cpu.reg32[reg]!); else cpu.setRm16(cpu.reg16[reg << 1]!); return;
    case 0x8a: cpu.reg8[R8[reg]!] = cpu.rm8(); return;
    default: if (cpu.os32 !== 0) cpu.reg32[reg] = cpu.rm32(); else cpu.reg16[reg << 1] = cpu.rm16();
  }
}

function movFromSeg(cpu: Cpu): void {
  const s = (cpu.modrm >> 3) & 7;
  if (s > 5) cpu.ud();
  const v = cpu.segSel[s]!;
  // to a register the upper bits are zeroed with a 32-bit operand (P6); to memory, a word
  if (cpu.modrm >= 0xc0 && cpu.os32 !== 0) cpu.reg32[cpu.modrm & 7] = v;
  else cpu.setRm16(v);
}
function movToSeg(cpu: Cpu): void {
  const s = (cpu.modrm >> 3) & 7;
  if (s === 1 || s > 5) cpu.ud();
  loadSegment(cpu, s, cpu.rm16());
  if (s === 2) cpu.shadow = true;
}

function lea(cpu: Cpu): void {
  if (cpu.modrm >= 0xc0) cpu.ud();
  cpu.setRegV((cpu.modrm >> 3) & 7, cpu.eaOff);
}

function popEv(cpu: Cpu): void {
  if (((cpu.modrm >> 3) & 7) !== 0) cpu.ud();
  const v = cpu.pop();
  // an ESP-based destination address is computed after the pop increments ESP (SDM POP)
  if (cpu.eaUsesEsp !== 0) cpu.eaOff = (cpu.eaOff + (cpu.os32 !== 0 ? 4 : 2)) | 0;
  cpu.setRmV(v);
}

function xchgAx(cpu: Cpu): void {
  const r = cpu.opcode & 7;
  if (cpu.os32 !== 0) {
    const t = cpu.reg32[0]!;
    cpu.reg32[0] = cpu.reg32[r]!;
    cpu.reg32[r] = t;
  } else {
    const t = cpu.reg16[0]!;
    cpu.reg16[0] = cpu.reg16[r << 1]!;
    cpu.reg16[r << 1] = t;
  }
}

function cbw(cpu: Cpu): void {
  if (cpu.os32 !== 0) cpu.reg32[0] = (cpu.reg32[0]! << 16) >> 16;
  else cpu.reg16[0] = (cpu.reg8[0]! << 24) >> 24;
}
function cwd(cpu: Cpu): void {
  if (cpu.os32 !== 0) cpu.reg32[2] = cpu.reg32[0]! >> 31;
  else cpu.reg16[4] = (cpu.reg16[0]! & 0x8000) !== 0 ? 0xffff : 0;
}

function callFar(cpu: Cpu): void {
  farCall(cpu, cpu.imm2, cpu.imm);
}
function jmpFar(cpu: Cpu): void {
  farJump(cpu, cpu.imm2, cpu.imm);
}

function wait(cpu: Cpu): void {
  if ((cpu.cr0 & 0xa) === 0xa) cpu.raise(Vec.NM);
  const fpu = cpu.options.fpu;
  if (fpu !== null) fpu.wait(cpu);
}

function pushf(cpu: Cpu): void {
  const f = cpu.getFlags();
  if ((f & Flag.VM) !== 0 && ((f >> 12) & 3) !== 3) {
    // v86 with IOPL < 3: VME virtualizes IF (SDM vol. 3, 20.3)
    if (cpu.os32 === 0 && (cpu.cr4 & 1) !== 0) {
      cpu.push16((f & ~Flag.IF) | ((f & Flag.VIF) !== 0 ? Flag.IF : 0) | Flag.IOPL);
      return;
    }
    cpu.gp(0);
  }
  if (cpu.os32 !== 0) cpu.push32(f & 0xfcffff);
  else cpu.push16(f);
}

/** Write EFLAGS from POPF/IRET honouring CPL/IOPL/VM rules (SDM POPF). */
export function writeFlags(cpu: Cpu, v: number, size32: boolean): void {
  const old = cpu.getFlags();
  let mask = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.TF | Flag.DF | Flag.OF | Flag.NT;
  if (size32) mask |= Flag.AC | Flag.ID;
  const prot = (cpu.cr0 & 1) !== 0;
  const iopl = (old >> 12) & 3;
  if (!prot || cpu.cpl === 0) mask |= Flag.IOPL | Flag.IF;
  else if (cpu.cpl <= iopl) mask |= Flag.IF;
  if (!size32) mask &= 0xffff;
  cpu.setFlags((old & ~mask) | (v & mask));
}

function popf(cpu: Cpu): void {
  const f = cpu.getFlags();
  if ((f & Flag.VM) !== 0 && ((f >> 12) & 3) !== 3) {
    if (cpu.os32 === 0 && (cpu.cr4 & 1) !== 0) {
      const v = cpu.read16(2, cpu.sp());
      if ((v & Flag.TF) !== 0 || ((v & Flag.IF) !== 0 && (f & Flag.VIP) !== 0)) cpu.gp(0);
      cpu.pop16();
      const keep = Flag.IF | Flag.IOPL;
      cpu.setFlags((f & (~0xffff | keep)) | (v & 0xffff & ~keep));
      cpu.setFlags((cpu.flags & ~Flag.VIF) | ((v & Flag.IF) !== 0 ? Flag.VIF : 0));
      return;
    }
    cpu.gp(0);
  }
  const v = cpu.os32 !== 0 ? cpu.pop32() : cpu.pop16();
  if ((f & Flag.VM) !== 0) {
    // v86 with IOPL 3: IOPL is not changed
    const mask = (cpu.os32 !== 0 ? 0x254dd5 : 0x4dd5) | Flag.IF;
    cpu.setFlags((f & ~mask) | (v & mask));
  } else writeFlags(cpu, v, cpu.os32 !== 0);
}

function sahf(cpu: Cpu): void {
  cpu.setArith(0xd5, cpu.reg8[1]!);
}
function lahf(cpu: Cpu): void {
  cpu.reg8[1] = (cpu.getFlags() & 0xd5) | 2;
}

function movMoffs(cpu: Cpu): void {
  const seg = cpu.eaSeg;
  const off = cpu.eaOff;
  switch (cpu.opcode) {
    case 0xa0: cpu.reg8[0] = cpu.read8(seg, off); return;
    case 0xa1: if (cpu.os32 !== 0) cpu.reg32[0] = cpu.read32(seg, off); else cpu.reg16[0] = cpu.read16(seg, off); return;
    case 0xa2: cpu.write8(seg, off, cpu.reg8[0]!); return;
    default: if (cpu.os32 !== 0) cpu.write32(seg, off, cpu.reg32[0]!); else cpu.write16(seg, off, cpu.reg16[0]!);
  }
}

function movRegImm(cpu: Cpu): void {
  const o = cpu.opcode;
  if (o < 0xb8) cpu.reg8[R8[o & 7]!] = cpu.imm;
  else cpu.setRegV(o & 7, cpu.imm);
}

function shiftGrp(cpu: Cpu): void {
  const o = cpu.opcode;
  const op = (cpu.modrm >> 3) & 7;
  const count = o === 0xc0 || o === 0xc1 ? cpu.imm : o === 0xd0 || o === 0xd1 ? 1 : cpu.reg8[4]!;
  // the store is probed before the flags change (see Cpu.probeRmWrite)
  if ((o & 1) === 0) {
    const a = cpu.rm8();
    if ((count & 31) === 0) return;
    cpu.probeRmWrite(8);
    cpu.setRm8(shift(cpu, op, a, count, 8));
  } else if (cpu.os32 !== 0) {
    const a = cpu.rm32();
    if ((count & 31) === 0) return;
    cpu.probeRmWrite(32);
    cpu.setRm32(shift(cpu, op, a, count, 32));
  } else {
    const a = cpu.rm16();
    if ((count & 31) === 0) return;
    cpu.probeRmWrite(16);
    cpu.setRm16(shift(cpu, op, a, count, 16));
  }
}

function retNear(cpu: Cpu): void {
  const t = cpu.pop();
  if (cpu.opcode === 0xc2) cpu.setSp((cpu.sp() + cpu.imm) | 0);
  jumpNear(cpu, t);
}

function lesLds(cpu: Cpu): void {
  if (cpu.modrm >= 0xc0) cpu.ud();
  const o = cpu.opcode;
  const seg = o === 0xc4 ? 0 : o === 0xc5 ? 3 : o === 0x1b2 ? 2 : o === 0x1b4 ? 4 : 5;
  const reg = (cpu.modrm >> 3) & 7;
  const mask = cpu.as32 !== 0 ? -1 : 0xffff;
  let off: number;
  let sel: number;
  if (cpu.os32 !== 0) {
    off = cpu.read32(cpu.eaSeg, cpu.eaOff);
    sel = cpu.read16(cpu.eaSeg, (cpu.eaOff + 4) & mask);
  } else {
    off = cpu.read16(cpu.eaSeg, cpu.eaOff);
    sel = cpu.read16(cpu.eaSeg, (cpu.eaOff + 2) & mask);
  }
  loadSegment(cpu, seg, sel);
  cpu.setRegV(reg, off);
  if (seg === 2) cpu.shadow = true;
}

function movRmImm(cpu: Cpu): void {
  if (((cpu.modrm >> 3) & 7) !== 0) cpu.ud();
  if (cpu.opcode === 0xc6) cpu.setRm8(cpu.imm);
  else cpu.setRmV(cpu.imm);
}

function enterPush(cpu: Cpu, sp: number, v: number, n: number): number {
  sp = (sp - n) | 0;
  if (cpu.ssB === 0) sp &= 0xffff;
  if (n === 4) cpu.write32(2, sp, v);
  else cpu.write16(2, sp, v);
  return sp;
}

function enter(cpu: Cpu): void {
  const size = cpu.imm & 0xffff;
  const level = cpu.imm2 & 31;
  const n = cpu.os32 !== 0 ? 4 : 2;
  const big = cpu.ssB !== 0;
  const r = cpu.reg32;
  const ebp = r[5]!;
  let sp = enterPush(cpu, cpu.sp(), n === 4 ? ebp : ebp & 0xffff, n);
  const frame = sp;
  if (level > 0) {
    let bp = big ? ebp : ebp & 0xffff;
    for (let i = 1; i < level; i++) {
      bp = (bp - n) | 0;
      if (!big) bp &= 0xffff;
      sp = enterPush(cpu, sp, n === 4 ? cpu.read32(2, bp) : cpu.read16(2, bp), n);
    }
    sp = enterPush(cpu, sp, frame, n);
  }
  sp = (sp - size) | 0;
  if (!big) sp &= 0xffff;
  if (n === 4) r[5] = frame;
  else cpu.reg16[10] = frame;
  cpu.setSp(sp);
}

function leave(cpu: Cpu): void {
  const bp = cpu.ssB !== 0 ? cpu.reg32[5]! : cpu.reg16[10]!;
  const v = cpu.os32 !== 0 ? cpu.read32(2, bp) : cpu.read16(2, bp);
  cpu.setSp((bp + (cpu.os32 !== 0 ? 4 : 2)) | 0);
  if (cpu.os32 !== 0) cpu.reg32[5] = v;
  else cpu.reg16[10] = v;
}

function retFar(cpu: Cpu): void {
  farReturn(cpu, cpu.opcode === 0xca ? cpu.imm : 0);
}

function int3(cpu: Cpu): void {
  softInt(cpu, 3);
}
function intN(cpu: Cpu): void {
  const f = cpu.flags;
  const vec = cpu.imm & 0xff;
  if ((f & Flag.VM) !== 0) {
    if ((cpu.cr4 & 1) !== 0 && !redirected(cpu, vec)) {
      v86Interrupt(cpu, vec);
      return;
    }
    // INT n (not INT3/INTO) is IOPL-sensitive in v86 mode (SDM INT n)
    if (((f >> 12) & 3) !== 3) cpu.gp(0);
  }
  softInt(cpu, vec);
}

/** VME: the bit for `vec` in the TSS interrupt redirection bitmap (32 bytes below the I/O map). */
function redirected(cpu: Cpu, vec: number): boolean {
  const base = cpu.segBase[7]!;
  const limit = cpu.segLimit[7]! >>> 0;
  if (limit < 0x67) cpu.gp(0);
  const map = cpu.sysRead16((base + 0x66) | 0);
  const off = map - 32 + (vec >> 3);
  if (off < 0 || off > limit) cpu.gp(0);
  return ((cpu.sysRead8((base + off) | 0) >> (vec & 7)) & 1) !== 0;
}

/** VME: deliver INT n inside v86 mode through the real-mode IVT at linear 0 (SDM 20.3.3). */
function v86Interrupt(cpu: Cpu, vec: number): void {
  const ip = cpu.readLin16(vec << 2);
  const cs = cpu.readLin16((vec << 2) + 2);
  const f = cpu.getFlags();
  const iopl3 = ((f >> 12) & 3) === 3;
  let image = f & 0xffff;
  if (!iopl3) image = (image & ~Flag.IF) | ((f & Flag.VIF) !== 0 ? Flag.IF : 0) | Flag.IOPL;
  cpu.push16(image);
  cpu.push16(cpu.segSel[1]!);
  cpu.push16(cpu.eip);
  loadSegment(cpu, 1, cs);
  cpu.eip = ip;
  cpu.setFlags(f & ~(Flag.TF | (iopl3 ? Flag.IF : Flag.VIF)));
}
function into(cpu: Cpu): void {
  if (cpu.of() !== 0) softInt(cpu, 4);
}
function int1(cpu: Cpu): void {
  // ICEBP: a debug trap delivered like an external event (no DPL check)
  cpu.deliver(1, -1, 1, 0);
}
/** Software interrupt: delivered with EIP after the instruction. */
export function softInt(cpu: Cpu, vec: number): void {
  cpu.deliver(vec, -1, 0, 1);
}

function iret(cpu: Cpu): void {
  interruptReturn(cpu);
}

function aamOp(cpu: Cpu): void {
  aam(cpu, cpu.imm);
}
function aadOp(cpu: Cpu): void {
  aad(cpu, cpu.imm);
}
function salc(cpu: Cpu): void {
  cpu.reg8[0] = cpu.cf() !== 0 ? 0xff : 0;
}
function xlat(cpu: Cpu): void {
  const off = cpu.as32 !== 0 ? (cpu.reg32[3]! + cpu.reg8[0]!) | 0 : (cpu.reg16[6]! + cpu.reg8[0]!) & 0xffff;
  cpu.reg8[0] = cpu.read8(cpu.eaSeg, off);
}

function fpuEsc(cpu: Cpu): void {
  if ((cpu.cr0 & 0xc) !== 0) cpu.raise(Vec.NM);
  const fpu = cpu.options.fpu;
  // no x87: behave as a CPU whose firmware set CR0.EM for a missing FPU
  if (fpu === null) cpu.raise(Vec.NM);
  fpu.x87(cpu);
}

function loop(cpu: Cpu): void {
  const o = cpu.opcode;
  const disp = (cpu.imm << 24) >> 24;
  if (o === 0xe3) {
    if (cpu.regA(1) === 0) jumpNear(cpu, (cpu.eip + disp) | 0);
    return;
  }
  const c = (cpu.regA(1) - 1) | 0;
  const nz = cpu.as32 !== 0 ? c !== 0 : (c & 0xffff) !== 0;
  let take = nz;
  if (o === 0xe0) take = nz && cpu.zf() === 0;
  else if (o === 0xe1) take = nz && cpu.zf() !== 0;
  // jump first: a #GP for a target beyond CS.limit leaves ECX unchanged
  if (take) jumpNear(cpu, (cpu.eip + disp) | 0);
  cpu.setRegA(1, c);
}

function callNear(cpu: Cpu): void {
  const t = (cpu.eip + cpu.imm) | 0;
  const target = cpu.os32 !== 0 ? t : t & 0xffff;
  if (target >>> 0 > cpu.segLimit[1]! >>> 0) cpu.gp(0);
  cpu.push(cpu.eip);
  cpu.eip = target;
}
function jmpNear(cpu: Cpu): void {
  jumpNear(cpu, (cpu.eip + cpu.imm) | 0);
}
function jmpShort(cpu: Cpu): void {
  jumpNear(cpu, (cpu.eip + ((cpu.imm << 24) >> 24)) | 0);
}

function hlt(cpu: Cpu): void {
  if (cpu.cpl !== 0 && (cpu.cr0 & 1) !== 0) cpu.gp(0);
  cpu.runState = 1;
  cpu.breakLoop = true;
}

function cmc(cpu: Cpu): void {
  cpu.setArith(Flag.CF, cpu.cf() ^ 1);
}

function grp3(cpu: Cpu): void {
  const op = (cpu.modrm >> 3) & 7;
  const byte = cpu.opcode === 0xf6;
  const size = byte ? 8 : cpu.os32 !== 0 ? 32 : 16;
  switch (op) {
    case 0:
    case 1:
      alu(cpu, 4, byte ? cpu.rm8() : cpu.rmV(), cpu.imm, size);
      return;
    case 2:
      if (byte) cpu.setRm8(~cpu.rm8());
      else cpu.setRmV(~cpu.rmV());
      return;
    case 3: {
      const a = byte ? cpu.rm8() : cpu.rmV();
      cpu.probeRmWrite(size);
      if (byte) cpu.setRm8(neg(cpu, a, 8));
      else cpu.setRmV(neg(cpu, a, size));
      return;
    }
    case 4:
    case 5: {
      const signed = op === 5;
      if (size === 8) {
        const a = cpu.reg8[0]!;
        const b = cpu.rm8();
        const p = signed ? ((a << 24) >> 24) * ((b << 24) >> 24) : a * b;
        cpu.reg16[0] = p;
        mulFlags(cpu, signed ? p !== (p << 24) >> 24 : p > 0xff, p & 0xff, 8);
      } else if (size === 16) {
        const a = cpu.reg16[0]!;
        const b = cpu.rm16();
        const p = signed ? ((a << 16) >> 16) * ((b << 16) >> 16) : a * b;
        cpu.reg16[0] = p;
        cpu.reg16[4] = p >> 16;
        mulFlags(cpu, signed ? p !== (p << 16) >> 16 : p > 0xffff, p & 0xffff, 16);
      } else {
        const b = cpu.rm32();
        const lo = signed ? imul32(cpu.reg32[0]!, b) : mul32(cpu.reg32[0]!, b);
        const hi = mulHi;
        cpu.reg32[0] = lo;
        cpu.reg32[2] = hi;
        mulFlags(cpu, signed ? hi !== lo >> 31 : hi !== 0, lo, 32);
      }
      return;
    }
    default:
      divide(cpu, op === 7, byte ? cpu.rm8() : cpu.rmV(), size);
  }
}

function flagOp(cpu: Cpu): void {
  switch (cpu.opcode) {
    case 0xf8: cpu.setArith(Flag.CF, 0); return;
    case 0xf9: cpu.setArith(Flag.CF, Flag.CF); return;
    case 0xfc: cpu.flags &= ~Flag.DF; return;
    case 0xfd: cpu.flags |= Flag.DF; return;
  }
  // CLI/STI: IOPL-sensitive (SDM vol. 3, 20.2.5 for VME/PVI)
  const sti = cpu.opcode === 0xfb;
  const f = cpu.flags;
  const iopl = (f >> 12) & 3;
  if ((cpu.cr0 & 1) !== 0) {
    const vm = (f & Flag.VM) !== 0;
    if (vm ? iopl < 3 : cpu.cpl > iopl) {
      const virt = vm ? (cpu.cr4 & 1) !== 0 : cpu.cpl === 3 && (cpu.cr4 & 2) !== 0;
      if (!virt) cpu.gp(0);
      if (sti) {
        if ((f & Flag.VIP) !== 0) cpu.gp(0);
        cpu.flags |= Flag.VIF;
      } else cpu.flags &= ~Flag.VIF;
      return;
    }
  }
  if (sti) {
    if ((f & Flag.IF) === 0) cpu.shadow = true;
    cpu.flags |= Flag.IF;
  } else cpu.flags &= ~Flag.IF;
}

function grp4(cpu: Cpu): void {
  const op = (cpu.modrm >> 3) & 7;
  if (op > 1) cpu.ud();
  const a = cpu.rm8();
  cpu.probeRmWrite(8);
  cpu.setRm8(op === 0 ? inc(cpu, a, 8) : dec(cpu, a, 8));
}

function grp5(cpu: Cpu): void {
  const op = (cpu.modrm >> 3) & 7;
  const size = cpu.os32 !== 0 ? 32 : 16;
  switch (op) {
    case 0:
    case 1: {
      const a = cpu.rmV();
      cpu.probeRmWrite(size);
      cpu.setRmV(op === 0 ? inc(cpu, a, size) : dec(cpu, a, size));
      return;
    }
    case 2: {
      const t = cpu.rmV();
      if (t >>> 0 > cpu.segLimit[1]! >>> 0) cpu.gp(0);
      cpu.push(cpu.eip);
      cpu.eip = t;
      return;
    }
    case 4: jumpNear(cpu, cpu.rmV()); return;
    case 3:
    case 5: {
      if (cpu.modrm >= 0xc0) cpu.ud();
      const mask = cpu.as32 !== 0 ? -1 : 0xffff;
      const off = cpu.os32 !== 0 ? cpu.read32(cpu.eaSeg, cpu.eaOff) : cpu.read16(cpu.eaSeg, cpu.eaOff);
      const sel = cpu.read16(cpu.eaSeg, (cpu.eaOff + (cpu.os32 !== 0 ? 4 : 2)) & mask);
      if (op === 3) farCall(cpu, sel, off);
      else farJump(cpu, sel, off);
      return;
    }
    case 6: cpu.push(cpu.rmV()); return;
    default: cpu.ud();
  }
}

function ud(cpu: Cpu): void {
  cpu.ud();
}

/** Install the one-byte map into `ops`. */
export function installBase(ops: Op[]): void {
  for (let o = 0; o < 0x40; o++) if ((o & 7) < 6) ops[o] = aluOp;
  ops[0x06] = ops[0x0e] = ops[0x16] = ops[0x1e] = pushSeg;
  ops[0x07] = ops[0x17] = ops[0x1f] = popSeg;
  ops[0x27] = daa;
  ops[0x2f] = das;
  ops[0x37] = (c) => aaa(c, false);
  ops[0x3f] = (c) => aaa(c, true);
  for (let i = 0; i < 8; i++) {
    ops[0x40 + i] = incReg;
    ops[0x48 + i] = decReg;
    ops[0x50 + i] = pushReg;
    ops[0x58 + i] = popReg;
    ops[0x90 + i] = xchgAx;
    ops[0xb0 + i] = ops[0xb8 + i] = movRegImm;
  }
  ops[0x60] = pusha;
  ops[0x61] = popa;
  ops[0x62] = bound;
  ops[0x63] = arpl;
  ops[0x68] = ops[0x6a] = pushImm;
  ops[0x69] = ops[0x6b] = imulImm;
  for (let i = 0x70; i < 0x80; i++) ops[i] = jcc;
  ops[0x80] = ops[0x81] = ops[0x82] = ops[0x83] = grp1;
  ops[0x84] = ops[0x85] = ops[0xa8] = ops[0xa9] = testOp;
  ops[0x86] = ops[0x87] = xchg;
  ops[0x88] = ops[0x8a] = movOp;
  ops[0x89] = movEvGv;
  ops[0x8b] = movGvEv;
  for (let o = 0; o < 0x40; o += 8) {
    ops[o + 1] = aluEvGv;
    ops[o + 3] = aluGvEv;
  }
  ops[0x8c] = movFromSeg;
  ops[0x8d] = lea;
  ops[0x8e] = movToSeg;
  ops[0x8f] = popEv;
  ops[0x98] = cbw;
  ops[0x99] = cwd;
  ops[0x9a] = callFar;
  ops[0x9b] = wait;
  ops[0x9c] = pushf;
  ops[0x9d] = popf;
  ops[0x9e] = sahf;
  ops[0x9f] = lahf;
  ops[0xa0] = ops[0xa1] = ops[0xa2] = ops[0xa3] = movMoffs;
  ops[0xc0] = ops[0xc1] = ops[0xd0] = ops[0xd1] = ops[0xd2] = ops[0xd3] = shiftGrp;
  ops[0xc2] = ops[0xc3] = retNear;
  ops[0xc4] = ops[0xc5] = lesLds;
  ops[0xc6] = ops[0xc7] = movRmImm;
  ops[0xc8] = enter;
  ops[0xc9] = leave;
  ops[0xca] = ops[0xcb] = retFar;
  ops[0xcc] = int3;
  ops[0xcd] = intN;
  ops[0xce] = into;
  ops[0xcf] = iret;
  ops[0xd4] = aamOp;
  ops[0xd5] = aadOp;
  ops[0xd6] = salc;
  ops[0xd7] = xlat;
  for (let i = 0xd8; i < 0xe0; i++) ops[i] = fpuEsc;
  ops[0xe0] = ops[0xe1] = ops[0xe2] = ops[0xe3] = loop;
  ops[0xe8] = callNear;
  ops[0xe9] = jmpNear;
  ops[0xea] = jmpFar;
  ops[0xeb] = jmpShort;
  ops[0xf1] = int1;
  ops[0x1a0] = ops[0x1a8] = pushSeg;
  ops[0x1a1] = ops[0x1a9] = popSeg;
  ops[0x1b2] = ops[0x1b4] = ops[0x1b5] = lesLds;
  ops[0xf4] = hlt;
  ops[0xf5] = cmc;
  ops[0xf6] = ops[0xf7] = grp3;
  for (let i = 0xf8; i < 0xfe; i++) ops[i] = flagOp;
  ops[0xfe] = grp4;
  ops[0xff] = grp5;
}

/** The #UD handler used for unassigned opcodes. */
export const undefinedOpcode: Op = ud;
