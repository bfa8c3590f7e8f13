/**
 * Integer ALU: the eight classic two-operand operations in all their forms,
 * INC/DEC/NEG/NOT/TEST, XCHG/XADD/CMPXCHG/CMPXCHG8B, MOVZX/MOVSX, LEA, BSWAP,
 * CBW/CWD family, LAHF/SAHF and the carry-flag instructions.
 * Undefined flags (Intel SDM vol. 2): AF after AND/OR/XOR/TEST.
 */
import { EAX, ECX, EDX, EBX, ESI, EDI, EBP, m, opText, r, REG_NAMES, type Size } from '../asm.js';
import { AF, DATA_ADDR, draft, Feature, finish, operand, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';
import { anyReg, anySize, dataMem, getReg, readData, regOrMem, setReg, w } from './util.js';

const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const LOGIC = new Set([1, 4, 6]);

function reg(size: Size, n: number): string {
  return (REG_NAMES[size] as readonly string[])[n] as string;
}

/** One random ALU case. */
export function aluCase(rng: Prng): NativeCase {
  const d = draft(rng, 'alu');
  const a = d.asm;
  const size = anySize(rng);
  const kind = rng.below(20);
  // Set when the instruction writes a memory destination and may take LOCK.
  let lockable = false;
  if (kind < 9) {
    // op r/m, r  |  op r, r/m  |  op r/m, imm  |  op acc, imm
    const op = rng.below(8);
    if (LOGIC.has(op)) d.undefFlags |= AF;
    const form = rng.below(5);
    a.osz(size);
    if (form === 0 || form === 1) {
      const rm = regOrMem(d, rng, size);
      const rg = anyReg(rng, size);
      const dir = form === 1 ? 2 : 0;
      a.op([op * 8 + dir + w(size)], rg, rm);
      lockable = form === 0 && op !== 7 && 'mem' in rm;
      d.name = form === 0 ? `${ALU_NAMES[op]} ${opText(rm, size)}, ${reg(size, rg)}` : `${ALU_NAMES[op]} ${reg(size, rg)}, ${opText(rm, size)}`;
    } else if (form === 2 || form === 3) {
      const rm = regOrMem(d, rng, size);
      const imm = operand(rng);
      if (form === 3 && size !== 8) {
        a.op([0x83], op, rm).imm8(imm);
        d.name = `${ALU_NAMES[op]} ${opText(rm, size)}, imm8 0x${(imm & 0xff).toString(16)}`;
      } else {
        a.op([size === 8 ? 0x80 : 0x81], op, rm).imm(size, imm);
        d.name = `${ALU_NAMES[op]} ${opText(rm, size)}, imm 0x${imm.toString(16)}`;
      }
      lockable = op !== 7 && 'mem' in rm;
    } else {
      const imm = operand(rng);
      a.db(op * 8 + 4 + w(size)).imm(size, imm);
      d.name = `${ALU_NAMES[op]} ${reg(size, 0)}, imm 0x${imm.toString(16)}`;
    }
  } else if (kind < 11) {
    // INC/DEC (both encodings), NEG, NOT
    const which = rng.below(4);
    const rm = regOrMem(d, rng, size);
    a.osz(size);
    if (which < 2 && size !== 8 && 'reg' in rm && rng.chance(0.5)) {
      a.db((which === 0 ? 0x40 : 0x48) + rm.reg);
    } else if (which < 2) {
      a.op([0xfe + w(size)], which, rm);
    } else {
      a.op([0xf6 + w(size)], which === 2 ? 3 : 2, rm);
    }
    lockable = 'mem' in rm;
    d.name = `${['inc', 'dec', 'neg', 'not'][which]} ${opText(rm, size)}`;
  } else if (kind < 12) {
    // TEST
    d.undefFlags |= AF;
    const form = rng.below(3);
    const rm = regOrMem(d, rng, size);
    a.osz(size);
    if (form === 0) {
      const rg = anyReg(rng, size);
      a.op([0x84 + w(size)], rg, rm);
      d.name = `test ${opText(rm, size)}, ${reg(size, rg)}`;
    } else if (form === 1) {
      const imm = operand(rng);
      a.op([0xf6 + w(size)], 0, rm).imm(size, imm);
      d.name = `test ${opText(rm, size)}, imm`;
    } else {
      a.db(0xa8 + w(size)).imm(size, operand(rng));
      d.name = `test ${reg(size, 0)}, imm`;
    }
  } else if (kind < 14) {
    // XCHG, XADD, CMPXCHG
    const which = rng.below(3);
    let rm;
    let memOff = -1;
    if (rng.chance(0.4)) {
      const dm = dataMem(d, rng, size / 8);
      rm = dm.op;
      memOff = dm.offset;
    } else rm = r(anyReg(rng, size));
    const rg = anyReg(rng, size);
    if (which === 2 && rng.chance(0.5)) {
      // Make the comparison succeed half the time: accumulator = destination.
      const v = memOff >= 0 ? readData(d.data, memOff, size) : getReg(d.regs, (rm as { reg: number }).reg, size);
      setReg(d.regs, EAX, size, v);
    }
    a.osz(size);
    lockable = 'mem' in rm;
    if (which === 0) a.op([0x86 + w(size)], rg, rm);
    else a.op([0x0f, (which === 1 ? 0xc0 : 0xb0) + w(size)], rg, rm);
    d.name = `${['xchg', 'xadd', 'cmpxchg'][which]} ${opText(rm, size)}, ${reg(size, rg)}`;
  } else if (kind < 15) {
    // MOVZX / MOVSX
    const src: Size = rng.chance(0.5) ? 8 : 16;
    const dst: Size = src === 8 && rng.chance(0.3) ? 16 : 32;
    const signed = rng.chance(0.5);
    const rm = regOrMem(d, rng, src);
    const rg = anyReg(rng, dst);
    a.osz(dst).op([0x0f, (signed ? 0xbe : 0xb6) + (src === 16 ? 1 : 0)], rg, rm);
    d.name = `${signed ? 'movsx' : 'movzx'} ${reg(dst, rg)}, ${opText(rm, src)}`;
  } else if (kind < 16) {
    // LEA with random addressing (no memory access); base/index keep random values.
    const base = rng.pick([EAX, ECX, EDX, EBX, EBP, ESI, EDI, -1]);
    const index = rng.chance(0.5) ? rng.pick([EAX, ECX, EDX, EBX, EBP, ESI, EDI]) : undefined;
    const disp = rng.pick([0, rng.range(-128, 127), operand(rng) | 0]);
    const rg = anyReg(rng, 32);
    const sz: Size = rng.chance(0.2) ? 16 : 32;
    const mem = base < 0 && index === undefined ? m(-1, disp) : m(base, disp, index, rng.below(4));
    a.osz(sz).op([0x8d], rg, mem);
    d.name = `lea ${reg(sz, rg)}, ${opText(mem, 32).replace('dword ', '')}`;
  } else if (kind < 17) {
    const which = rng.below(6);
    if (which === 0) {
      const rg = anyReg(rng, 32);
      a.db(0x0f, 0xc8 + rg);
      d.name = `bswap ${reg(32, rg)}`;
    } else if (which === 1) {
      a.osz(rng.chance(0.5) ? 16 : 32).db(0x98);
      d.name = a.bytes.length === 2 ? 'cbw' : 'cwde';
    } else if (which === 2) {
      a.osz(rng.chance(0.5) ? 16 : 32).db(0x99);
      d.name = a.bytes.length === 2 ? 'cwd' : 'cdq';
    } else if (which === 3) {
      a.db(0x9f);
      d.name = 'lahf';
    } else if (which === 4) {
      a.db(0x9e);
      d.name = 'sahf';
    } else {
      const op = rng.pick([0xf5, 0xf8, 0xf9, 0xfc, 0xfd]);
      a.db(op);
      d.name = { 0xf5: 'cmc', 0xf8: 'clc', 0xf9: 'stc', 0xfc: 'cld', 0xfd: 'std' }[op] as string;
    }
  } else if (kind < 18) {
    // CMPXCHG8B m64 (CX8)
    d.requires |= Feature.CX8;
    const { op, offset } = dataMem(d, rng, 8, [EBX]);
    if (rng.chance(0.5)) {
      // Matching EDX:EAX so the store happens.
      d.regs[EAX] = (d.data[offset]! | (d.data[offset + 1]! << 8) | (d.data[offset + 2]! << 16) | (d.data[offset + 3]! << 24)) >>> 0;
      d.regs[EDX] = (d.data[offset + 4]! | (d.data[offset + 5]! << 8) | (d.data[offset + 6]! << 16) | (d.data[offset + 7]! << 24)) >>> 0;
    }
    a.op([0x0f, 0xc7], 1, op);
    lockable = true;
    d.name = `cmpxchg8b ${opText(op, 32).replace('dword', 'qword')}`;
  } else {
    // A short dependent sequence: add/adc chain (multi-precision arithmetic).
    const sub = rng.chance(0.5);
    const { op } = dataMem(d, rng, 8, [ESI, EDI]);
    const base = 'mem' in op ? op.mem : undefined;
    if (!base) throw new Error('unreachable');
    d.regs[ESI] = operand(rng);
    d.regs[EDI] = operand(rng);
    a.op([sub ? 0x29 : 0x01], ESI, op);
    a.op([sub ? 0x19 : 0x11], EDI, base.index === undefined ? m(base.base, base.disp + 4) : m(base.base, base.disp + 4, base.index, base.scale));
    d.name = sub ? 'sub/sbb qword [mem], edi:esi' : 'add/adc qword [mem], edi:esi';
  }
  if (lockable && rng.chance(0.3)) {
    // LOCK and redundant flat-segment overrides (DS, ES, SS) in random order.
    const pfx = [0xf0, ...(rng.chance(0.5) ? [rng.pick([0x3e, 0x26, 0x36])] : [])];
    if (rng.chance(0.5)) pfx.reverse();
    a.bytes.unshift(...pfx);
    d.name = `${pfx.includes(0xf0) ? 'lock ' : ''}${d.name}`;
  }
  return finish(d);
}

/** Hand-written ALU cases: every operation on every edge pair in 8/16/32 bits. */
export function aluEdgeCases(rng: Prng): NativeCase[] {
  const out: NativeCase[] = [];
  const edges8 = [0, 1, 0x7f, 0x80, 0xff];
  for (const size of [8, 16, 32] as const) {
    const top = size === 8 ? 0x80 : size === 16 ? 0x8000 : 0x80000000;
    const mask = size === 32 ? 0xffffffff : (1 << size) - 1;
    const vals = size === 8 ? edges8 : [0, 1, top - 1, top, mask];
    for (let op = 0; op < 8; op++) {
      for (const x of vals) {
        for (const y of vals) {
          for (const cf of [0, 1]) {
            const d = draft(rng, 'alu', `${ALU_NAMES[op]} ${reg(size, EAX)}, ${reg(size, ECX)} [0x${x.toString(16)}, 0x${y.toString(16)}, cf=${cf}]`);
            d.regs[EAX] = x >>> 0;
            d.regs[ECX] = y >>> 0;
            d.eflags = (d.eflags & ~1) | cf;
            if (LOGIC.has(op)) d.undefFlags |= AF;
            d.asm.osz(size).op([op * 8 + 2 + w(size)], EAX, r(ECX));
            out.push(finish(d));
          }
        }
      }
    }
  }
  // #UD: LOCK on a register destination, on CMP, and UD2.
  const ud: Array<[string, number[]]> = [
    ['lock add eax, ebx (#UD)', [0xf0, 0x01, 0xd8]],
    ['lock cmp [ebx], eax (#UD)', [0xf0, 0x39, 0x03]],
    ['lock mov [ebx], eax (#UD)', [0xf0, 0x89, 0x03]],
    ['ud2 (#UD)', [0x0f, 0x0b]],
    ['add eax, ebx; ud2 (#UD)', [0x01, 0xd8, 0x0f, 0x0b]],
  ];
  for (const [name, bytes] of ud) {
    const d = draft(rng, 'alu', name);
    d.regs[EBX] = DATA_ADDR + 16;
    d.asm.db(...bytes);
    out.push(finish(d));
  }
  return out;
}
