import { describe, expect, it } from 'vitest';
import type { RamGuestMemory } from '@vm/bus/test';
import { CODE, DATA, fpuMachine } from './fpu-test-machine.js';
import { doubleTo80, float80ToDouble } from './float80.js';
import { Sw } from './x87.js';

const machine = fpuMachine;

const f64 = (mem: RamGuestMemory, a: number) => new DataView(mem.bytes.buffer).getFloat64(a, true);
const setF64 = (mem: RamGuestMemory, a: number, v: number) => new DataView(mem.bytes.buffer).setFloat64(a, v, true);
const i32 = (mem: RamGuestMemory, a: number) => new DataView(mem.bytes.buffer).getInt32(a, true);

describe('x87 arithmetic', () => {
  it('FLD1 + FLDPI, FADDP, FSTP m64', () => {
    const { mem, x87 } = machine([0xd9, 0xe8, 0xd9, 0xeb, 0xde, 0xc1, 0xdd, 0x1e, 0x00, 0x20]);
    expect(f64(mem, DATA)).toBe(1 + Math.PI);
    expect(x87.empty).toBe(0xff);
  });
  it('FILD m32, FIDIV m16, FISTP m32 honours the rounding control', () => {
    const run = (rc: number) =>
      machine(
        // FLDCW [0x2010]; FILD dword [0x2000]; FIDIV word [0x2004]; FISTP dword [0x2008]
        [0xd9, 0x2e, 0x10, 0x20, 0xdb, 0x06, 0x00, 0x20, 0xde, 0x36, 0x04, 0x20, 0xdb, 0x1e, 0x08, 0x20],
        (mem) => {
          new DataView(mem.bytes.buffer).setInt32(DATA, -7, true);
          new DataView(mem.bytes.buffer).setInt16(DATA + 4, 2, true);
          new DataView(mem.bytes.buffer).setUint16(DATA + 0x10, 0x037f | (rc << 10), true);
        },
      );
    expect(i32(run(0).mem, DATA + 8)).toBe(-4); // -3.5 to nearest even
    expect(i32(run(1).mem, DATA + 8)).toBe(-4); // down
    expect(i32(run(2).mem, DATA + 8)).toBe(-3); // up
    expect(i32(run(3).mem, DATA + 8)).toBe(-3); // toward zero
    expect(run(0).x87.sw & Sw.PE).toBe(Sw.PE);
  });
  it('FSQRT, FSIN, FCOS, FPATAN, FYL2X', () => {
    // FLD qword [0x2000]; FSQRT; FSTP qword [0x2008]
    const { mem } = machine([0xdd, 0x06, 0x00, 0x20, 0xd9, 0xfa, 0xdd, 0x1e, 0x08, 0x20], (m) => setF64(m, DATA, 2));
    expect(f64(mem, DATA + 8)).toBe(Math.SQRT2);
    // FLD1; FLD qword [0x2000] (8); FYL2X -> 1*log2(8) = 3
    const r = machine([0xd9, 0xe8, 0xdd, 0x06, 0x00, 0x20, 0xd9, 0xf1, 0xdd, 0x1e, 0x08, 0x20], (m) => setF64(m, DATA, 8));
    expect(f64(r.mem, DATA + 8)).toBe(3);
  });
  it('FPREM reports the low quotient bits in C0, C3, C1', () => {
    // FLD qword [0x2008] (y=3); FLD qword [0x2000] (x=17); FPREM; FNSTSW AX; FSTP qword [0x2010]
    const { mem, cpu } = machine([0xdd, 0x06, 0x08, 0x20, 0xdd, 0x06, 0x00, 0x20, 0xd9, 0xf8, 0xdf, 0xe0, 0xdd, 0x1e, 0x10, 0x20], (m) => {
      setF64(m, DATA, 17);
      setF64(m, DATA + 8, 3);
    });
    expect(f64(mem, DATA + 0x10)).toBe(2);
    const sw = cpu.reg16[0]!;
    // quotient 5 = 0b101: C0 = bit2 = 1, C3 = bit1 = 0, C1 = bit0 = 1; C2 clear (complete)
    expect([(sw >> 8) & 1, (sw >> 14) & 1, (sw >> 9) & 1, (sw >> 10) & 1]).toEqual([1, 0, 1, 0]);
  });
});

describe('x87 compares', () => {
  it('FCOM sets C3/C0, FNSTSW AX; FCOMI sets EFLAGS', () => {
    // FLD1; FLDZ; FCOM ST(1); FNSTSW AX  -> 0 < 1: C0
    const { cpu } = machine([0xd9, 0xe8, 0xd9, 0xee, 0xd8, 0xd1, 0xdf, 0xe0]);
    expect(cpu.reg16[0]! & (Sw.C0 | Sw.C3 | Sw.C2)).toBe(Sw.C0);
    // FLD1; FLD1; FCOMIP ST(1) -> equal: ZF
    const r = machine([0xd9, 0xe8, 0xd9, 0xe8, 0xdf, 0xf1]);
    expect(r.cpu.getFlags() & 0x45).toBe(0x40);
    expect(r.x87.empty).toBe(0xff - (1 << 7));
  });
  it('FXAM classifies zero, empty, infinity and sign', () => {
    const { cpu } = machine([0xd9, 0xee, 0xd9, 0xe0, 0xd9, 0xe5, 0xdf, 0xe0]); // FLDZ; FCHS; FXAM
    expect(cpu.reg16[0]! & (Sw.C0 | Sw.C1 | Sw.C2 | Sw.C3)).toBe(Sw.C3 | Sw.C1);
    const e = machine([0xd9, 0xe5, 0xdf, 0xe0]);
    expect(e.cpu.reg16[0]! & (Sw.C0 | Sw.C2 | Sw.C3)).toBe(Sw.C3 | Sw.C0);
  });
});

describe('x87 stack faults and exceptions', () => {
  it('a ninth push overflows: IE|SF|C1 and the indefinite with IM masked', () => {
    const code: number[] = [];
    for (let i = 0; i < 9; i++) code.push(0xd9, 0xe8);
    code.push(0xdf, 0xe0); // FNSTSW AX: C1 = 1 reports the overflow
    code.push(0xdd, 0x1e, 0x00, 0x20); // FSTP qword [0x2000]
    const { mem, x87, cpu } = machine(code);
    expect(cpu.reg16[0]! & (Sw.IE | Sw.SF | Sw.C1)).toBe(Sw.IE | Sw.SF | Sw.C1);
    // IE/SF are sticky; the exact store clears C1 (no round-up)
    expect(x87.sw & (Sw.IE | Sw.SF | Sw.C1)).toBe(Sw.IE | Sw.SF);
    const dv = new DataView(mem.bytes.buffer);
    expect(dv.getUint32(DATA + 4, true)).toBe(0xfff80000);
    expect(dv.getUint32(DATA, true)).toBe(0);
  });
  it('an unmasked divide by zero leaves the destination and raises #MF on the next FPU instruction', () => {
    // FLDCW [0x2010] (ZM clear); FLD1; FLDZ; FDIVP ST(1),ST -> ZE pending; FLD1 -> #MF (vector 16)
    const { cpu, x87, mem } = machine([0xd9, 0x2e, 0x10, 0x20, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9, 0xd9, 0xe8], (m, c) => {
      new DataView(m.bytes.buffer).setUint16(DATA + 0x10, 0x037b, true);
      c.cr0 |= 0x20; // CR0.NE
      // IVT entry 16 -> 0:0x3000 where a HLT waits
      new DataView(m.bytes.buffer).setUint32(16 * 4, 0x3000, true);
      m.bytes[0x3000] = 0xf4;
    });
    expect(x87.sw & (Sw.ZE | Sw.ES)).toBe(Sw.ZE | Sw.ES);
    expect(cpu.eip).toBe(0x3001);
    expect(mem.bytes[0x7ffa]! | (mem.bytes[0x7ffb]! << 8)).toBe(CODE + 10); // pushed IP = the FLD1 that faulted
  });
});

describe('x87 state save and restore', () => {
  it('FLD m80 / FSTP m80 keeps a 64-bit significand exactly', () => {
    const { mem } = machine([0xdb, 0x2e, 0x00, 0x20, 0xdb, 0x3e, 0x10, 0x20], (m) => {
      m.bytes.set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xf8, 0xff, 0x3f], DATA); // 1.9399... with low bits set
    });
    expect([...mem.bytes.subarray(DATA + 0x10, DATA + 0x1a)]).toEqual([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xf8, 0xff, 0x3f]);
  });
  it('FNSAVE then FRSTOR round-trips registers, tags and control word', () => {
    // FLDPI; FLD1; FNSAVE [0x2000]; FLDZ; FRSTOR [0x2000]; FADDP; FSTP qword [0x2100]
    const { mem, x87 } = machine([0xd9, 0xeb, 0xd9, 0xe8, 0xdd, 0x36, 0x00, 0x20, 0xd9, 0xee, 0xdd, 0x26, 0x00, 0x20, 0xde, 0xc1, 0xdd, 0x1e, 0x00, 0x21]);
    expect(f64(mem, 0x2100)).toBe(1 + Math.PI);
    expect(x87.empty).toBe(0xff);
    // 16-bit real-mode FNSAVE image: CW at 0, tag word at 4 shows two valid registers (6, 7), the rest empty
    expect(mem.bytes[DATA]! | (mem.bytes[DATA + 1]! << 8)).toBe(0x037f);
    expect(mem.bytes[DATA + 4]! | (mem.bytes[DATA + 5]! << 8)).toBe(0x0fff);
  });
  it('FXSAVE/FXRSTOR round-trips and needs 16-byte alignment', () => {
    // FLDPI; FXSAVE [0x2000]; FNINIT; FXRSTOR [0x2000]; FSTP qword [0x2300]
    const { mem, x87 } = machine([0xd9, 0xeb, 0x0f, 0xae, 0x06, 0x00, 0x20, 0xdb, 0xe3, 0x0f, 0xae, 0x0e, 0x00, 0x20, 0xdd, 0x1e, 0x00, 0x23]);
    expect(f64(mem, 0x2300)).toBe(Math.PI);
    expect(x87.empty).toBe(0xff);
    expect(i32(mem, DATA + 24)).toBe(0x1f80);
    // misaligned: #GP (vector 13)
    const r = machine([0x0f, 0xae, 0x06, 0x08, 0x20], (m) => {
      new DataView(m.bytes.buffer).setUint32(13 * 4, 0x3000, true);
      m.bytes[0x3000] = 0xf4;
    });
    expect(r.cpu.eip).toBe(0x3001);
  });
});

describe('float80 conversions', () => {
  it('every double converts to 80 bits and back exactly', () => {
    const out = { se: 0, hi: 0, lo: 0 };
    for (const v of [0, -0, 1, -1.5, Math.PI, 1e300, -1e-300, 5e-324, Number.MAX_VALUE, Infinity, -Infinity]) {
      doubleTo80(v, out);
      expect(Object.is(float80ToDouble(out.se, out.hi, out.lo), v)).toBe(true);
    }
    doubleTo80(1, out);
    expect(out).toEqual({ se: 0x3fff, hi: 0x80000000, lo: 0 });
  });
});
