import { describe, expect, it } from 'vitest';
import { Cr0 } from '../constants.js';
import { createTestMachine, enterFlatProtectedMode, type TestMachine, xorshift } from '../test/index.js';

// Random *well-formed* programs (the instruction mix of compiled code: ALU,
// MOV, memory operands, PUSH/POP, CALL/RET, Jcc, LOOP, string ops, shifts,
// multiply/divide, self-modifying stores) run on the interpreter and on the
// translator in lockstep; after every run() the two CPUs and their RAM must
// agree exactly, faults included (an IDT sends every exception to a HLT).

const GDT = 0x1000;
const IDT = 0x2000;
const HANDLERS = 0x3000;
const PD = 0x8000;
const PT = 0x9000;
const CODE = 0x40000;
const DATA = 0x200000;

function setup(engine: 'interpreter' | 'translator'): TestMachine {
  const m = createTestMachine({ ramSize: 0x400000, engine, translator: { threshold: 1 } });
  const mem = m.memory;
  const cpu = m.cpu;
  enterFlatProtectedMode(cpu, 0);
  // flat 32-bit code and data descriptors, as enterFlatProtectedMode assumes
  mem.write32(GDT + 8, 0x0000ffff);
  mem.write32(GDT + 12, 0x00cf9b00);
  mem.write32(GDT + 16, 0x0000ffff);
  mem.write32(GDT + 20, 0x00cf9300);
  cpu.gdtBase = GDT;
  cpu.gdtLimit = 23;
  for (let v = 0; v < 32; v++) {
    const h = HANDLERS + v * 16;
    mem.write32(IDT + v * 8, (0x08 << 16) | (h & 0xffff));
    mem.write32(IDT + v * 8 + 4, ((h & 0xffff0000) | 0x8e00) >>> 0);
    mem.write8(h, 0xf4);
  }
  cpu.idtBase = IDT;
  cpu.idtLimit = 32 * 8 - 1;
  mem.write32(PD, PT | 7);
  // identity map of 4 MiB, except one hole (a page fault target) and read-only pages: one (a
  // store there faults after the load succeeded: the slow path of the store must find nothing
  // changed) and the page tables (a random store rewriting a PTE without INVLPG would let the
  // engines' TLBs, both valid, set different A/D bits)
  const ro = (i: number): boolean => i === 0x281 || i === PD >> 12 || i === PT >> 12;
  for (let i = 0; i < 1024; i++) mem.write32(PT + i * 4, i === 0x280 ? 0 : ((i << 12) | (ro(i) ? 5 : 7)) >>> 0);
  mem.write32(0x281000, 0x12345678);
  cpu.cr3 = PD;
  cpu.cr0 |= Cr0.PG | Cr0.WP;
  cpu.flushTlbAll();
  return m;
}

/** Emits one random program into `out`. */
function program(rnd: () => number): number[] {
  const out: number[] = [];
  const b = (...x: number[]): void => {
    out.push(...x.map((v) => v & 0xff));
  };
  const d32 = (v: number): number[] => [v, v >> 8, v >> 16, v >>> 24];
  const pick = <T,>(a: readonly T[]): T => a[rnd() % a.length]!;
  // value registers (EAX ECX EDX), pointer registers (EBX ESI EDI EBP) into DATA
  const val = (): number => rnd() % 3;
  const ptr = (): number => pick([3, 6, 7, 5]);
  /** A ModRM (+disp) for r/m: a value register or [ptr + disp8]. */
  const rm = (reg: number): number[] => {
    if ((rnd() & 1) === 0) return [0xc0 | (reg << 3) | val()];
    const p = ptr();
    // [ptr + value register] (a random address: often a fault)
    if ((rnd() & 7) === 0) return [0x04 | (reg << 3), (val() << 3) | pick([3, 6, 7])];
    return [0x40 | (reg << 3) | p, rnd() & 0x7c];
  };
  /** A memory operand for r/m: aligned in the data area, across a page end, in the unmapped page (#PF), or [ptr + value register]. */
  const mem = (reg: number): number[] => {
    const x = rnd() % 7;
    if (x === 0) return [0x05 | (reg << 3), ...d32(DATA + 0xffe + (rnd() % 3))];
    if (x === 1) return [0x05 | (reg << 3), ...d32(0x280000 + (rnd() & 0xffc))];
    if (x === 6) return [0x05 | (reg << 3), ...d32(0x281000 + (rnd() & 0xc))];
    if (x === 2) return [0x04 | (reg << 3), (val() << 3) | pick([3, 6, 7])];
    return [0x40 | (reg << 3) | ptr(), rnd() & 0x7c];
  };
  /** Something that reads the flags: PUSHF; POP, SETcc, ADC, Jcc over an INC, or INC then SETB (CF kept). */
  const flagsOut = (): void => {
    const x = rnd() % 5;
    if (x === 0) b(0x9c, 0x58 + val());
    else if (x === 1) b(0x0f, 0x90 + (rnd() % 16), 0xc0 | val());
    else if (x === 2) b(0x13, 0xc0 | (val() << 3) | val());
    else if (x === 3) b(0x70 + (rnd() % 16), 1, 0x40);
    else b(0x40 + val(), 0x0f, 0x92, 0xc0 | val());
  };
  /** Interesting operand values. */
  const special = (): number => pick([0, 1, -1, 7, 0x80000000, 0x7fffffff, 0xffff, 0x8000, 0x80, 0xff, rnd(), rnd() & 0xff, rnd() & 0xffff, (rnd() % 64) - 32, (rnd() % 64) - 32]);
  const n = 20 + (rnd() % 60);
  for (let k = 0; k < n; k++) {
    const kind = rnd() % 50;
    switch (kind) {
      case 0: case 1: case 2: // ALU r/m32, r32 both directions
        b((((rnd() % 8) << 3) | pick([0, 1, 2, 3])), ...rm(val()));
        break;
      case 3: // ALU with 16-bit operands
        b(0x66, (((rnd() % 8) << 3) | pick([1, 3])), ...rm(val()));
        break;
      case 4: // grp1 immediates
        {
          const op = pick([0x80, 0x81, 0x83]);
          b(op, ...rm(rnd() % 8));
          if (op === 0x81) b(...d32(rnd()));
          else b(rnd());
        }
        break;
      case 5: case 6: // MOV forms
        b(pick([0x88, 0x89, 0x8a, 0x8b]), ...rm(val()));
        break;
      case 7:
        b(0xb8 + val(), ...d32(rnd() & (rnd() & 1 ? 0xff : -1)));
        break;
      case 8:
        b(0xc7, ...rm(0), ...d32(rnd()));
        break;
      case 9: // INC/DEC
        b(pick([0x40, 0x48]) + val());
        break;
      case 10: // PUSH/POP pairs
        b(0x50 + (rnd() % 8), 0x58 + val());
        break;
      case 11: // TEST/CMP then Jcc forward over a random single-byte instruction
        b(pick([0x85, 0x39, 0x3b]), 0xc0 | (val() << 3) | val(), 0x70 + (rnd() % 16), 1, pick([0x40, 0x41, 0x4a, 0x90, 0xf8, 0xf9, 0xf5]));
        break;
      case 12: // LEA
        b(0x8d, 0x40 | (val() << 3) | ptr(), rnd());
        break;
      case 13: // MOVZX/MOVSX
        b(0x0f, pick([0xb6, 0xb7, 0xbe, 0xbf]), ...rm(val()));
        break;
      case 14: // shifts
        {
          const op = pick([0xc1, 0xd1, 0xd3]);
          b(op, 0xc0 | ((rnd() % 8) << 3) | val());
          if (op === 0xc1) b(rnd() & 31);
        }
        break;
      case 15: // IMUL forms
        b(0x0f, 0xaf, 0xc0 | (val() << 3) | val());
        break;
      case 16: // MUL/DIV/NEG/NOT on ECX (DIV may raise #DE)
        b(0xf7, 0xc0 | ((2 + (rnd() % 6)) << 3) | 1);
        break;
      case 17: // SETcc / CMOVcc
        if (rnd() & 1) b(0x0f, 0x90 + (rnd() % 16), 0xc0 | val());
        else b(0x0f, 0x40 + (rnd() % 16), 0xc0 | (val() << 3) | val());
        break;
      case 18: // ADC/SBB after a carry-setting op
        b(pick([0xf8, 0xf9]), pick([0x11, 0x19, 0x13, 0x1b]), 0xc0 | (val() << 3) | val());
        break;
      case 19: // call next; pop (PIC idiom), and a real call to a RET placed after a short jump
        if (rnd() & 1) b(0xe8, 0, 0, 0, 0, 0x58 + val());
        else b(0xe8, 2, 0, 0, 0, 0xeb, 1, 0xc3);
        break;
      case 20: // short loop: mov ecx,n ; L: inc eax ; loop L
        b(0xb9, ...d32(1 + (rnd() % 5)), 0x40, 0xe2, 0xfd);
        break;
      case 21: // string ops with a small count
        b(0xb9, ...d32(rnd() % 9), pick([0xfc, 0xfd]), ...(rnd() & 1 ? [0xf3] : []), pick([0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad, 0xa6, 0xaf]));
        break;
      case 22: // now and then a self-modifying store into the code just ahead (a NOP/INC pair)
        if ((rnd() & 3) !== 0) b(0x90);
        else {
          const at = out.length + 7;
          b(0xc6, 0x05, ...d32(CODE + at + 0), pick([0x90, 0x40, 0x41]));
          b(0x90);
        }
        break;
      case 23: // a load from the unmapped page (#PF, CR2) now and then
        if ((rnd() & 3) === 0) b(0x8b, 0x05, ...d32(0x280000 + (rnd() & 0xffc)));
        else b(0x90);
        break;
      case 24: // XCHG / BT / BSWAP
        b(pick([0x87, 0x86]), 0xc0 | (val() << 3) | val());
        break;
      case 25:
        b(0x0f, 0xa3, 0xc0 | (val() << 3) | val());
        break;
      case 26: // 8-bit ALU
        b(((rnd() % 8) << 3) | pick([0, 2]), ...rm(val()));
        break;
      case 27: // unaligned / page-crossing memory access
        b(0x8b, 0x80 | (val() << 3) | ptr(), ...d32(0xffd + (rnd() % 3)));
        break;
      case 28: // PUSHF/POPF (ends blocks), CLD
        b(0x9c, 0x9d, 0xfc);
        break;
      case 30: // IMUL with an immediate
        if (rnd() & 1) b(0x6b, ...rm(val()), rnd());
        else b(0x69, ...rm(val()), ...d32(rnd()));
        break;
      case 31: // indirect CALL/JMP through a register (ff /2, ff /4)
        if (rnd() & 1) b(0xe8, 0, 0, 0, 0, 0x58, 0x83, 0xc0, 8, 0xff, 0xd0, 0xeb, 0x01, 0xc3);
        else b(0xe8, 0, 0, 0, 0, 0x58, 0x83, 0xc0, 7, 0xff, 0xe0, 0x90);
        break;
      case 32: // PUSH r/m, a stack frame with LEAVE
        if (rnd() & 1) b(0xff, 0x70 | ptr(), rnd() & 0x7c, 0x58 + val());
        else b(0x55, 0x89, 0xe5, 0x83, 0xec, 0x08, 0xc9);
        break;
      case 33: // INC/DEC/NOT/NEG/TEST on memory
        {
          const op = pick([0xff, 0xfe, 0xf7, 0xf6]);
          b(op, 0x40 | (pick([0, 1]) << 3) | ptr(), rnd() & 0x7c);
          if (op === 0xf6) b(rnd());
          else if (op === 0xf7) b(...d32(rnd()));
        }
        break;
      case 34: case 35: { // a flag producer, instructions that leave the flags alone, then a flag consumer
        b(pick([0x39, 0x29, 0x01, 0x21, 0x31, 0x85]), 0xc0 | (val() << 3) | val());
        for (let j = rnd() % 3; j > 0; j--) {
          const x = rnd() % 6;
          if (x === 0) b(0xff, 0x70 | ptr(), rnd() & 0x7c, 0x58 + val());
          else if (x === 1) b(0x8b, 0x40 | (val() << 3) | ptr(), rnd() & 0x7c);
          else if (x === 2) b(0x8d, 0x40 | (val() << 3) | ptr(), rnd());
          else if (x === 3) b(0x87, 0xc0 | (val() << 3) | val());
          else if (x === 4) b(0x0f, 0xb6, 0xc0 | (val() << 3) | val());
          else b(0x50 + val(), 0x58 + val());
        }
        const consumer = rnd() % 3;
        if (consumer === 0) b(0x70 + (rnd() % 16), 1, 0x40);
        else if (consumer === 1) b(0x0f, 0x90 + (rnd() % 16), 0xc0 | val());
        else b(pick([0x40, 0x48]) + val(), 0x0f, 0x92 + (rnd() & 1), 0xc0 | val());
        break;
      }
      case 36: // MOV AL/EAX <-> moffs: in the data page, across a page end, or in the hole (#PF)
        {
          const at = pick([DATA + (rnd() & 0xffc), DATA + 0xffe, 0x280000 + (rnd() & 0xffc)]);
          b(0xa0 + (rnd() % 4), ...d32(at));
        }
        break;
      case 37: // RET imm16: push eax ; call L ; jmp over ; L: ret 4 ; over:
        b(0x50, 0xe8, 2, 0, 0, 0, 0xeb, 3, 0xc2, 4, 0);
        break;
      case 38: // SHL/SHR/SAR by a small CL (0 keeps the flags, 1 sets OF), the flags kept by PUSHF; POP
        b(0xb9, ...d32(rnd() % 4), 0xd3, 0xc0 | (pick([4, 5, 7]) << 3) | pick([0, 2]), 0x9c, 0x58 + pick([0, 2]));
        break;
      case 39: case 40: { // MUL/IMUL/DIV/IDIV at 8/16/32 bits (#DE on zero or overflow), then the flags
        const w = pick([0, 0, 1, 2]); // 32, 16, 8 bits
        const opc = w === 2 ? 0xf6 : 0xf7;
        const pre = w === 1 ? [0x66] : [];
        if (rnd() % 3 === 0) {
          // dividends whose quotient by +-1 is just inside or just outside the signed and unsigned ranges
          const edges = [
            [[-1, 0x7fffffff], [-1, 0x80000000], [0, 0x80000000], [0, 0x7fffffff], [1, 0], [0, -1]],
            [[0, 0x8000], [-1, 0xffff8000], [-1, 0xffff7fff], [0, 0x7fff], [1, 0], [0, 0xffff]],
            [[0, 0x80], [0, 0xff80], [0, 0xff7f], [0, 0x7f], [0, 0x100], [0, 0xff]],
          ][w]!;
          const [hi, lo] = pick(edges);
          b(0xba, ...d32(hi!), 0xb8, ...d32(lo!), 0xb9, ...d32(pick([1, -1])), ...pre, opc, 0xc0 | (pick([6, 7]) << 3) | 1);
          flagsOut();
          break;
        }
        const r = 4 + (rnd() % 4);
        b(0xb9, ...d32(special()));
        if (rnd() & 1) b(0xb8, ...d32(special()));
        const e = rnd() % 3;
        if (e === 0) b(0x99);
        else if (e === 1) b(0xba, ...d32(pick([0, 1, -1, rnd() & 0xff, rnd() & 0xffff, rnd()])));
        if ((rnd() & 3) !== 0) b(...pre, opc, 0xc0 | (r << 3) | pick([1, 1, 0, 2, 3]));
        else {
          // a memory operand: stored first when it is in the data area
          const p = ptr();
          const disp = rnd() & 0x7c;
          if (rnd() & 1) b(0xc7, 0x40 | p, disp, ...d32(special()), ...pre, opc, 0x40 | (r << 3) | p, disp);
          else b(...pre, opc, ...mem(r));
        }
        flagsOut();
        break;
      }
      case 41: // a producer, CLD/STD or BSWAP (flags untouched), then a consumer (fused Jcc across them); DF seen by PUSHF or LODSB
        b(pick([0x39, 0x29, 0x01, 0x21]), 0xc0 | (val() << 3) | val());
        for (let j = 1 + (rnd() % 2); j > 0; j--) {
          if (rnd() & 1) b(pick([0xfc, 0xfd]));
          else b(...(rnd() % 4 === 0 ? [0x66] : []), 0x0f, 0xc8 + (rnd() % 8 === 4 ? 0 : rnd() % 8));
        }
        flagsOut();
        if (rnd() & 1) b(0xac);
        break;
      case 42: // SAHF after a producer (OF kept), then the flags
        b(pick([0x01, 0x29, 0x39, 0x21, 0x40, 0x48]), 0xc0 | (val() << 3) | val());
        if (rnd() & 1) b(0xb4, rnd());
        b(0x9e);
        flagsOut();
        break;
      case 43: { // XCHG with memory (8/16/32 bits), between a producer and a consumer
        b(pick([0x39, 0x29, 0x01, 0x21]), 0xc0 | (val() << 3) | val());
        const w = rnd() % 3;
        b(...(w === 1 ? [0x66] : []), w === 2 ? 0x86 : 0x87, ...(rnd() & 1 ? mem(val()) : [0x40 | (val() << 3) | ptr(), rnd() & 0x7f]));
        flagsOut();
        break;
      }
      case 44: // XCHG with memory at a page end (the slow path re-runs it), then reads it back
        b(0x87, 0x05 | (val() << 3), ...d32(pick([DATA + 0xffc, DATA + 0xffd, DATA + 0xffe, DATA + 0xfff])), 0x8b, 0x05 | (val() << 3), ...d32(DATA + 0xffc));
        break;
      case 45: { // BSF/BSR (zero source keeps the destination), 16/32 bits, register or memory
        const pre = rnd() % 3 === 0 ? [0x66] : [];
        const opc = pick([0xbc, 0xbd]);
        b(0xb9, ...d32(pick([0, 0, 1, 0x80000000, 0x10000, 0x8000, special()])));
        const form = rnd() % 4;
        if (form < 2) b(...pre, 0x0f, opc, 0xc0 | (val() << 3) | 1);
        else if (form === 2) {
          const p = ptr();
          const disp = rnd() & 0x7c;
          b(0x89, 0x40 | (1 << 3) | p, disp, ...pre, 0x0f, opc, 0x40 | (val() << 3) | p, disp);
        } else b(...pre, 0x0f, opc, ...mem(val()));
        flagsOut();
        break;
      }
      case 46: { // BT/BTS/BTR/BTC with an immediate (register or memory) or a register bit offset on a register
        const pre = rnd() % 3 === 0 ? [0x66] : [];
        b(pick([0x01, 0x29, 0x21, 0x40]), 0xc0 | (val() << 3) | val());
        const form = rnd() % 4;
        if (form < 2) b(...pre, 0x0f, pick([0xa3, 0xab, 0xb3, 0xbb]), 0xc0 | (val() << 3) | val());
        else if (form === 2) b(...pre, 0x0f, 0xba, 0xc0 | ((4 + (rnd() % 4)) << 3) | val(), rnd());
        else b(...pre, 0x0f, 0xba, ...(rnd() & 1 ? mem(4 + (rnd() % 4)) : [0x40 | ((4 + (rnd() % 4)) << 3) | ptr(), rnd() & 0x7c]), rnd());
        flagsOut();
        break;
      }
      case 47: { // CMPXCHG 8/16/32 bits: memory (equal or not to the accumulator) or register
        const w = rnd() % 3;
        const pre = w === 1 ? [0x66] : [];
        const opc = w === 2 ? 0xb0 : 0xb1;
        const x = special();
        b(0xb8, ...d32(rnd() & 1 ? x : special()));
        if (rnd() % 3 === 0) b(...pre, 0x0f, opc, 0xc0 | (val() << 3) | val());
        else if (rnd() & 1) {
          const p = ptr();
          const disp = rnd() & 0x7c;
          b(0xc7, 0x40 | p, disp, ...d32(x), ...pre, 0x0f, opc, 0x40 | (val() << 3) | p, disp);
        } else b(...pre, 0x0f, opc, ...mem(val()));
        flagsOut();
        break;
      }
      case 48: case 49: { // ROL/ROR by a constant (8/16/32 bits), then an instruction that overwrites all, some or none of the flags
        const w = rnd() % 4; // 32, 32, 16, 8
        b(pick([0x01, 0x29, 0x21]), 0xc0 | (val() << 3) | val());
        for (let j = 1 + (rnd() % 2); j > 0; j--) {
          const one = (rnd() & 3) === 0;
          const opc = (w === 3 ? 0xc0 : 0xc1) + (one ? 0x10 : 0);
          if (w === 2) b(0x66);
          b(opc, ...((rnd() & 3) === 0 ? mem(rnd() & 1) : [0xc0 | ((rnd() & 1) << 3) | val()]));
          if (!one) b(pick([1, 7, 8, 16, 24, 31, 32, rnd() & 31, rnd()]));
        }
        const x = rnd() % 4;
        if (x === 0) b(0x31, 0xc0 | (val() << 3) | val());
        else if (x === 1) b(0x40 + val());
        else if (x === 2) b(0x0f, 0xaf, 0xc0 | (val() << 3) | val());
        flagsOut();
        break;
      }
      default: // 16-bit push/pop and CWD/CDQ
        b(0x66, 0x50 + val(), 0x66, 0x58 + val(), pick([0x99, 0x98]));
        break;
    }
  }
  b(0xf4);
  return out;
}

function state(m: TestMachine): string {
  const c = m.cpu;
  const r = Array.from(c.reg32, (v) => (v >>> 0).toString(16)).join(' ');
  return `regs ${r} eip ${(c.eip >>> 0).toString(16)} flags ${(c.getFlags() >>> 0).toString(16)} cr2 ${(c.cr2 >>> 0).toString(16)} run ${c.runState} retired ${c.retired}`;
}

function lockstep(seed: number, programs: number): { retired: number; compiled: number; jit: number } {
  const a = setup('interpreter');
  const b = setup('translator');
  const rnd = xorshift(seed);
  let retired = 0;
  for (let p = 0; p < programs; p++) {
    const code = program(rnd);
    const regs = Array.from({ length: 8 }, (_, i) => (i === 3 || i >= 5 ? DATA + (rnd() & 0xfff0) + (i << 12) : rnd()) | 0);
    const flags = 2 | (rnd() & 0x8d5);
    for (const m of [a, b]) {
      m.memory.write(CODE, Uint8Array.from(code));
      m.cpu.reg32.set(regs);
      m.cpu.reg32[4] = 0x80000;
      m.cpu.eip = CODE;
      m.cpu.setFlags(flags);
      m.cpu.runState = 0;
    }
    // run each program three times (same code, as the stores left it) so its blocks run compiled
    for (let pass = 0; pass < 3; pass++) {
      if (pass > 0) {
        for (const m of [a, b]) {
          m.cpu.reg32.set(regs);
          m.cpu.reg32[4] = 0x80000;
          m.cpu.eip = CODE;
          m.cpu.setFlags(flags);
          m.cpu.runState = 0;
        }
      }
      for (let slice = 0; slice < 50 && a.cpu.runState === 0; slice++) {
        const budget = 1 + (rnd() % 300);
        const na = a.cpu.run(budget);
        const nb = b.cpu.run(budget);
        retired += na;
        const sa = state(a);
        const sb = state(b);
        if (sa !== sb || na !== nb) {
          const hex = code.map((x) => x.toString(16).padStart(2, '0')).join(' ');
          throw new Error(`program ${p} pass ${pass} slice ${slice}: interpreter ran ${na}, translator ${nb}\n  interpreter ${sa}\n  translator  ${sb}\n  code ${hex}`);
        }
      }
      const ma = a.memory.ram;
      const mb = b.memory.ram;
      if (!Buffer.from(ma.buffer, ma.byteOffset, ma.length).equals(Buffer.from(mb.buffer, mb.byteOffset, mb.length))) {
        let i = 0;
        while (ma[i] === mb[i]) i++;
        throw new Error(`program ${p} pass ${pass}: RAM differs at 0x${i.toString(16)} (interpreter ${ma[i]}, translator ${mb[i]})`);
      }
    }
  }
  const s = b.cpu.jitStats!;
  return { retired, compiled: s.compiledTotal, jit: s.jitInstructions };
}

describe('random well-formed programs: translator vs interpreter in lockstep', () => {
  it('agree on registers, flags, EIP, CR2, instruction counts and RAM', () => {
    const r = lockstep(0x1234567, 400);
    expect(r.retired).toBeGreaterThan(15_000);
    expect(r.compiled).toBeGreaterThan(200);
    // most of the work ran in compiled blocks
    expect(r.jit).toBeGreaterThan(r.retired / 4);
  }, 120_000);
});
