/**
 * Two-byte (`0F xx`) integer instructions of the 386, 486 and P6 (SDM vol. 2,
 * table A-3), and the routing of MMX/SSE opcodes to the {@link FpuUnit}.
 *
 * @module
 */

import type { Cpu } from '../cpu.js';
import { Cr0, Cr4, Flag, LazyOp, R8, Vec } from '../constants.js';
import { alu, imul32, mulHi, shiftDouble } from './alu.js';
import { imulTo, jumpNear } from './base.js';
import type { Op } from './types.js';

function jccNear(cpu: Cpu): void {
  if (cpu.cond(cpu.opcode & 15)) jumpNear(cpu, (cpu.eip + cpu.imm) | 0);
}

function setcc(cpu: Cpu): void {
  cpu.setRm8(cpu.cond(cpu.opcode & 15) ? 1 : 0);
}

function cmov(cpu: Cpu): void {
  // the source is read (and may fault) even when the condition is false
  const v = cpu.rmV();
  if (cpu.cond(cpu.opcode & 15)) cpu.setRegV((cpu.modrm >> 3) & 7, v);
}

/** BT/BTS/BTR/BTC: `op` 0..3; `bitOff` from a register (may address beyond the operand) or an immediate. */
function bitOp(cpu: Cpu, op: number, bit: number, fromReg: boolean): void {
  const size = cpu.os32 !== 0 ? 32 : 16;
  let v: number;
  if (cpu.modrm >= 0xc0 || !fromReg) {
    bit &= size - 1;
    v = cpu.rmV();
    if (op !== 0) cpu.probeRmWrite(size);
    const cf = (v >>> bit) & 1;
    cpu.setArith(Flag.CF, cf);
    if (op === 0) return;
    const m = 1 << bit;
    cpu.setRmV(op === 1 ? v | m : op === 2 ? v & ~m : v ^ m);
    return;
  }
  // register bit offset: signed, selects a word/dword relative to the address
  const sb = size === 16 ? (bit << 16) >> 16 : bit;
  const disp = (sb >> (size === 16 ? 4 : 5)) * (size >> 3);
  const mask = cpu.as32 !== 0 ? -1 : 0xffff;
  const off = (cpu.eaOff + disp) & mask;
  const b = sb & (size - 1);
  v = size === 16 ? cpu.read16(cpu.eaSeg, off) : cpu.read32(cpu.eaSeg, off);
  if (op !== 0) {
    // the store must not fault after CF changed (see Cpu.probeRmWrite)
    cpu.segCheck(cpu.eaSeg, off, size >>> 3, true);
    cpu.probeWrite((cpu.segBase[cpu.eaSeg]! + off) | 0, size >>> 3);
  }
  cpu.setArith(Flag.CF, (v >>> b) & 1);
  if (op === 0) return;
  const m = 1 << b;
  const r = op === 1 ? v | m : op === 2 ? v & ~m : v ^ m;
  if (size === 16) cpu.write16(cpu.eaSeg, off, r);
  else cpu.write32(cpu.eaSeg, off, r);
}

function btReg(cpu: Cpu): void {
  const o = cpu.opcode & 0xff;
  const op = o === 0xa3 ? 0 : o === 0xab ? 1 : o === 0xb3 ? 2 : 3;
  bitOp(cpu, op, cpu.regV((cpu.modrm >> 3) & 7), true);
}
function grp8(cpu: Cpu): void {
  const r = (cpu.modrm >> 3) & 7;
  if (r < 4) cpu.ud();
  bitOp(cpu, r - 4, cpu.imm, false);
}

function shld(cpu: Cpu): void {
  const o = cpu.opcode & 0xff;
  const left = o < 0xa8;
  const count = (o & 1) === 0 ? cpu.imm : cpu.reg8[4]!;
  const size = cpu.os32 !== 0 ? 32 : 16;
  const a = cpu.rmV();
  if ((count & 31) === 0) return;
  cpu.probeRmWrite(size);
  cpu.setRmV(shiftDouble(cpu, left, a, cpu.regV((cpu.modrm >> 3) & 7), count, size));
}

function imulRm(cpu: Cpu): void {
  const reg = (cpu.modrm >> 3) & 7;
  if (cpu.os32 !== 0) imulTo(cpu, reg, cpu.reg32[reg]!, cpu.rm32());
  else imulTo(cpu, reg, (cpu.reg16[reg << 1]! << 16) >> 16, (cpu.rm16() << 16) >> 16);
  void imul32;
  void mulHi;
}

function cmpxchg(cpu: Cpu): void {
  const reg = (cpu.modrm >> 3) & 7;
  if (cpu.opcode === 0x1b0) {
    const d = cpu.rm8();
    cpu.probeRmWrite(8);
    alu(cpu, 7, cpu.reg8[0]!, d, 8);
    if (cpu.reg8[0]! === d) cpu.setRm8(cpu.reg8[R8[reg]!]!);
    else {
      // the destination is written back even on failure (locked cycle)
      cpu.setRm8(d);
      cpu.reg8[0] = d;
    }
    return;
  }
  const size = cpu.os32 !== 0 ? 32 : 16;
  const d = cpu.rmV();
  cpu.probeRmWrite(size);
  const acc = cpu.regV(0);
  alu(cpu, 7, acc, d, size);
  if (acc === d) cpu.setRmV(cpu.regV(reg));
  else {
    cpu.setRmV(d);
    cpu.setRegV(0, d);
  }
}

function cmpxchg8b(cpu: Cpu): void {
  if (cpu.modrm >= 0xc0 || ((cpu.modrm >> 3) & 7) !== 1) cpu.ud();
  const seg = cpu.eaSeg;
  const off = cpu.eaOff;
  // the 8-byte write must not be half done when it faults
  cpu.segCheck(seg, off, 8, true);
  cpu.probeWrite((cpu.segBase[seg]! + off) | 0, 8);
  const lo = cpu.read32(seg, off);
  const hi = cpu.read32(seg, (off + 4) | 0);
  const r = cpu.reg32;
  if (lo === r[0] && hi === r[2]) {
    cpu.write32(seg, off, r[3]!);
    cpu.write32(seg, (off + 4) | 0, r[1]!);
    cpu.setArith(Flag.ZF, Flag.ZF);
  } else {
    cpu.write32(seg, off, lo);
    cpu.write32(seg, (off + 4) | 0, hi);
    r[0] = lo;
    r[2] = hi;
    cpu.setArith(Flag.ZF, 0);
  }
}

function xadd(cpu: Cpu): void {
  const reg = (cpu.modrm >> 3) & 7;
  if (cpu.opcode === 0x1c0) {
    const d = cpu.rm8();
    cpu.probeRmWrite(8);
    const s = cpu.reg8[R8[reg]!]!;
    const sum = alu(cpu, 0, d, s, 8);
    if (cpu.modrm >= 0xc0) {
      cpu.reg8[R8[reg]!] = d;
      cpu.setRm8(sum);
    } else {
      cpu.setRm8(sum);
      cpu.reg8[R8[reg]!] = d;
    }
    return;
  }
  const size = cpu.os32 !== 0 ? 32 : 16;
  const d = cpu.rmV();
  cpu.probeRmWrite(size);
  const sum = alu(cpu, 0, d, cpu.regV(reg), size);
  if (cpu.modrm >= 0xc0) {
    // DEST is written last: XADD r, r with one register leaves the sum (SDM XADD operation)
    cpu.setRegV(reg, d);
    cpu.setRmV(sum);
    return;
  }
  // memory destination first, so a faulting write leaves the register untouched for the restart
  cpu.setRmV(sum);
  cpu.setRegV(reg, d);
}

function movzx(cpu: Cpu): void {
  const reg = (cpu.modrm >> 3) & 7;
  const o = cpu.opcode;
  let v: number;
  if (o === 0x1b6) v = cpu.rm8();
  else if (o === 0x1b7) v = cpu.rm16();
  else if (o === 0x1be) v = (cpu.rm8() << 24) >> 24;
  else v = (cpu.rm16() << 16) >> 16;
  cpu.setRegV(reg, v);
}

function bsf(cpu: Cpu): void {
  const size = cpu.os32 !== 0 ? 32 : 16;
  const v = cpu.rmV() & (size === 32 ? -1 : 0xffff);
  const reg = (cpu.modrm >> 3) & 7;
  if (v === 0) {
    // destination unchanged (P6), ZF set
    cpu.setArith(0x8d5, Flag.ZF | Flag.PF);
    return;
  }
  let r: number;
  if (cpu.opcode === 0x1bc) r = 31 - Math.clz32(v & -v);
  else r = 31 - Math.clz32(v);
  cpu.setRegV(reg, r);
  cpu.lazy(LazyOp.LOGIC, size, v, v, r);
  cpu.setArith(Flag.ZF, 0);
}

function bswap(cpu: Cpu): void {
  const r = cpu.opcode & 7;
  const v = cpu.reg32[r]!;
  if (cpu.os32 === 0) {
    // 16-bit BSWAP is undefined; P6 clears the low word
    cpu.reg16[r << 1] = 0;
    return;
  }
  cpu.reg32[r] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

function nopEv(cpu: Cpu): void {
  void cpu;
}

function ud2(cpu: Cpu): void {
  cpu.ud();
}

function simd(cpu: Cpu): void {
  const fpu = cpu.options.fpu;
  const o = cpu.opcode & 0xff;
  const mmx = ((o >= 0x60 && o <= 0x7f) || o >= 0xd0 || o === 0x77) && cpu.simdPrefix === 0;
  if ((cpu.cr0 & Cr0.EM) !== 0) cpu.ud();
  if (fpu === null) cpu.ud();
  if (!mmx && o !== 0xae && (cpu.cr4 & Cr4.OSFXSR) === 0) cpu.ud();
  if ((cpu.cr0 & Cr0.TS) !== 0) cpu.raise(Vec.NM);
  if (!fpu.simd(cpu)) cpu.ud();
}

/** Install the 0F-map integer instructions and SIMD routing. */
export function installExt(ops: Op[]): void {
  for (let i = 0; i < 16; i++) {
    ops[0x140 + i] = cmov;
    ops[0x180 + i] = jccNear;
    ops[0x190 + i] = setcc;
  }
  ops[0x1a3] = ops[0x1ab] = ops[0x1b3] = ops[0x1bb] = btReg;
  ops[0x1ba] = grp8;
  ops[0x1a4] = ops[0x1a5] = ops[0x1ac] = ops[0x1ad] = shld;
  ops[0x1af] = imulRm;
  ops[0x1b0] = ops[0x1b1] = cmpxchg;
  ops[0x1c7] = cmpxchg8b;
  ops[0x1c0] = ops[0x1c1] = xadd;
  ops[0x1b6] = ops[0x1b7] = ops[0x1be] = ops[0x1bf] = movzx;
  ops[0x1bc] = ops[0x1bd] = bsf;
  for (let i = 0; i < 8; i++) ops[0x1c8 + i] = bswap;
  // hint NOPs (0F 19-1F, P6 "NOP r/m"); 0F 18 is SSE prefetch
  for (let i = 0x119; i <= 0x11f; i++) ops[i] = nopEv;
  ops[0x10b] = ops[0x1b9] = ops[0x1ff] = ud2;
  // MMX/SSE opcode space
  const simdOps = [
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55,
    0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x7e, 0x7f, 0xae, 0xc2, 0xc3,
    0xc4, 0xc5, 0xc6,
  ];
  for (const o of simdOps) ops[0x100 | o] = simd;
  for (let o = 0x60; o <= 0x6f; o++) ops[0x100 | o] = simd;
  for (let o = 0xd0; o <= 0xfe; o++) ops[0x100 | o] = simd;
}
