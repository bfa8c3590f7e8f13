import { describe, expect, it } from 'vitest';
import { CODE, DATA, fpuMachine } from '../fpu/fpu-test-machine.js';

const setXmmBytes = (dv: DataView, addr: number, dwords: number[]) => dwords.forEach((d, i) => dv.setUint32(addr + i * 4, d >>> 0, true));

describe('MMX', () => {
  it('MOVQ, PADDB wraps, PADDUSB saturates, and the x87 sees TOP=0 and all tags valid', () => {
    // MOVQ mm0,[0x2000]; MOVQ mm1,[0x2008]; MOVQ mm2,mm0; PADDB mm0,mm1; PADDUSB mm2,mm1; MOVQ [0x2010],mm0; MOVQ [0x2018],mm2
    const { dv, x87 } = fpuMachine(
      [0x0f, 0x6f, 0x06, 0x00, 0x20, 0x0f, 0x6f, 0x0e, 0x08, 0x20, 0x0f, 0x6f, 0xd0, 0x0f, 0xfc, 0xc1, 0x0f, 0xdc, 0xd1, 0x0f, 0x7f, 0x06, 0x10, 0x20, 0x0f, 0x7f, 0x16, 0x18, 0x20],
    );
    expect(dv.getUint32(DATA + 0x10, true)).toBe(0);
    expect(x87.top).toBe(0);
    expect(x87.empty).toBe(0);
  });
  it('PMULUDQ, PSRLQ by immediate, EMMS', () => {
    const { dv, x87 } = fpuMachine(
      // MOVQ mm0,[0x2000]; PMULUDQ mm0,[0x2008]; MOVQ [0x2010],mm0; PSRLQ mm0,40; MOVQ [0x2018],mm0; EMMS
      [0x0f, 0x6f, 0x06, 0x00, 0x20, 0x0f, 0xf4, 0x06, 0x08, 0x20, 0x0f, 0x7f, 0x06, 0x10, 0x20, 0x0f, 0x73, 0xd0, 40, 0x0f, 0x7f, 0x06, 0x18, 0x20, 0x0f, 0x77],
      (m) => {
        const v = new DataView(m.bytes.buffer);
        v.setUint32(DATA, 0xffffffff, true);
        v.setUint32(DATA + 8, 0xfffffffe, true);
      },
    );
    // 0xffffffff * 0xfffffffe = 0xfffffffd_00000002
    expect(dv.getUint32(DATA + 0x10, true)).toBe(2);
    expect(dv.getUint32(DATA + 0x14, true)).toBe(0xfffffffd);
    expect(dv.getUint32(DATA + 0x18, true)).toBe(0xffffff);
    expect(dv.getUint32(DATA + 0x1c, true)).toBe(0);
    expect(x87.empty).toBe(0xff);
  });
  it('PADDB and PADDUSB lane results', () => {
    const { dv } = fpuMachine(
      [0x0f, 0x6f, 0x06, 0x00, 0x20, 0x0f, 0x6f, 0xd0, 0x0f, 0xfc, 0x06, 0x08, 0x20, 0x0f, 0xdc, 0x16, 0x08, 0x20, 0x0f, 0x7f, 0x06, 0x10, 0x20, 0x0f, 0x7f, 0x16, 0x18, 0x20],
      (m) => {
        const v = new DataView(m.bytes.buffer);
        v.setUint32(DATA, 0x01ff80f0, true);
        v.setUint32(DATA + 8, 0x01012020, true);
      },
    );
    expect(dv.getUint32(DATA + 0x10, true)).toBe(0x0200a010);
    expect(dv.getUint32(DATA + 0x18, true)).toBe(0x02ffa0ff);
  });
});

describe('SSE/SSE2', () => {
  it('ADDPS and DIVSS by zero set ZE in MXCSR (masked: infinity)', () => {
    const { dv, unit } = fpuMachine(
      // MOVAPS xmm0,[0x2000]; ADDPS xmm0,[0x2010]; DIVSS xmm0,[0x2020]; MOVUPS [0x2030],xmm0
      [0x0f, 0x28, 0x06, 0x00, 0x20, 0x0f, 0x58, 0x06, 0x10, 0x20, 0xf3, 0x0f, 0x5e, 0x06, 0x20, 0x20, 0x0f, 0x11, 0x06, 0x30, 0x20],
      (m) => {
        const v = new DataView(m.bytes.buffer);
        [1, 2, 3, 4].forEach((x, i) => v.setFloat32(DATA + i * 4, x, true));
        [0.5, 0.25, -3, 1e30].forEach((x, i) => v.setFloat32(DATA + 0x10 + i * 4, x, true));
        v.setFloat32(DATA + 0x20, 0, true);
      },
    );
    expect(dv.getFloat32(DATA + 0x30, true)).toBe(Infinity);
    expect(dv.getFloat32(DATA + 0x34, true)).toBe(2.25);
    expect(dv.getFloat32(DATA + 0x38, true)).toBe(0);
    expect(dv.getFloat32(DATA + 0x3c, true)).toBe(Math.fround(1e30));
    expect(unit.mxcsr & 4).toBe(4);
  });
  it('MOVAPS from a misaligned address raises #GP', () => {
    const { cpu } = fpuMachine([0x0f, 0x28, 0x06, 0x08, 0x20]);
    expect(cpu.eip).toBe(0x3001);
  });
  it('CVTTSD2SI truncates, CVTSD2SI rounds to nearest even, out of range gives the indefinite', () => {
    const { cpu, dv } = fpuMachine(
      // CVTTSD2SI eax,[0x2000]; CVTSD2SI ecx,[0x2000]; CVTSD2SI edx,[0x2008]
      [0x66, 0xf2, 0x0f, 0x2c, 0x06, 0x00, 0x20, 0x66, 0xf2, 0x0f, 0x2d, 0x0e, 0x00, 0x20, 0x66, 0xf2, 0x0f, 0x2d, 0x16, 0x08, 0x20],
      (m) => {
        const v = new DataView(m.bytes.buffer);
        v.setFloat64(DATA, -2.5, true);
        v.setFloat64(DATA + 8, 3e9, true);
      },
    );
    expect(dv.getFloat64(DATA, true)).toBe(-2.5);
    expect(cpu.reg32[0]).toBe(-2);
    expect(cpu.reg32[1]).toBe(-2);
    expect(cpu.reg32[2]).toBe(0x80000000 | 0);
  });
  it('UCOMISS: less-than sets CF, unordered sets ZF PF CF', () => {
    const run = (a: number, b: number) =>
      fpuMachine([0xf3, 0x0f, 0x10, 0x06, 0x00, 0x20, 0x0f, 0x2e, 0x06, 0x04, 0x20], (m) => {
        const v = new DataView(m.bytes.buffer);
        v.setFloat32(DATA, a, true);
        v.setFloat32(DATA + 4, b, true);
      }).cpu.getFlags() & 0x8d5;
    expect(run(1, 2)).toBe(1);
    expect(run(2, 1)).toBe(0);
    expect(run(2, 2)).toBe(0x40);
    expect(run(NaN, 1)).toBe(0x45);
  });
  it('PSHUFD, PSRLDQ, PUNPCKLQDQ and MOVD', () => {
    const { dv } = fpuMachine(
      // MOVDQU xmm0,[0x2000]; PSHUFD xmm1,xmm0,0x1b; MOVDQU [0x2010],xmm1; PSRLDQ xmm0,4; MOVDQU [0x2020],xmm0; MOVD eax... store via MOVD [0x2030],xmm0
      [0xf3, 0x0f, 0x6f, 0x06, 0x00, 0x20, 0x66, 0x0f, 0x70, 0xc8, 0x1b, 0xf3, 0x0f, 0x7f, 0x0e, 0x10, 0x20, 0x66, 0x0f, 0x73, 0xd8, 4, 0xf3, 0x0f, 0x7f, 0x06, 0x20, 0x20, 0x66, 0x0f, 0x7e, 0x06, 0x30, 0x20],
      (m) => setXmmBytes(new DataView(m.bytes.buffer), DATA, [0x11111111, 0x22222222, 0x33333333, 0x44444444]),
    );
    expect([0, 1, 2, 3].map((i) => dv.getUint32(DATA + 0x10 + i * 4, true))).toEqual([0x44444444, 0x33333333, 0x22222222, 0x11111111]);
    expect([0, 1, 2, 3].map((i) => dv.getUint32(DATA + 0x20 + i * 4, true))).toEqual([0x22222222, 0x33333333, 0x44444444, 0]);
    expect(dv.getUint32(DATA + 0x30, true)).toBe(0x22222222);
  });
  it('an unmasked PE raises #XM (CR4.OSXMMEXCPT) or #UD and leaves the destination unchanged', () => {
    // LDMXCSR [0x2040]; MOVSD xmm0,[0x2000]; ADDSD xmm0,[0x2008]
    const code = [0x0f, 0xae, 0x16, 0x40, 0x20, 0xf2, 0x0f, 0x10, 0x06, 0x00, 0x20, 0xf2, 0x0f, 0x58, 0x06, 0x08, 0x20];
    const run = (osxmmexcpt: boolean, mxcsr: number) =>
      fpuMachine(code, (m, c) => {
        const v = new DataView(m.bytes.buffer);
        v.setUint32(19 * 4, 0x3010, true); // #XM handler: HLT at 0x3010
        m.bytes[0x3010] = 0xf4;
        v.setFloat64(DATA, 1, true);
        v.setFloat64(DATA + 8, 2 ** -60, true);
        v.setUint32(DATA + 0x40, mxcsr, true);
        if (osxmmexcpt) c.cr4 |= 0x400;
      });
    const xm = run(true, 0x0f80);
    expect(xm.cpu.eip).toBe(0x3011);
    expect(xm.unit.xmm[1]).toBe(0x3ff00000);
    expect(xm.unit.xmm[0]).toBe(0);
    expect(xm.unit.mxcsr & 0x3f).toBe(0x20);
    expect(run(false, 0x0f80).cpu.eip).toBe(0x3001);
    // masked: the sum is rounded (here up, RC = up) and only the flag is set
    const masked = run(true, 0x5f80);
    expect(masked.cpu.eip).toBe(CODE + code.length + 1);
    expect(masked.unit.xmm[0]).toBe(1);
    expect(masked.unit.mxcsr & 0x3f).toBe(0x20);
  });
  it('an unmasked ZE in one lane suppresses the other lanes\' PE and stores nothing', () => {
    // LDMXCSR [0x2040]; MOVUPS xmm0,[0x2000]; DIVPS xmm0,[0x2020]
    const { cpu, unit } = fpuMachine([0x0f, 0xae, 0x16, 0x40, 0x20, 0x0f, 0x10, 0x06, 0x00, 0x20, 0x0f, 0x5e, 0x06, 0x20, 0x20], (m, c) => {
      const v = new DataView(m.bytes.buffer);
      v.setUint32(19 * 4, 0x3010, true);
      m.bytes[0x3010] = 0xf4;
      [1, 1, 2, 4].forEach((x, i) => v.setFloat32(DATA + i * 4, x, true));
      [3, 0, 1, 1].forEach((x, i) => v.setFloat32(DATA + 0x20 + i * 4, x, true));
      v.setUint32(DATA + 0x40, 0x1d80, true);
      c.cr4 |= 0x400;
    });
    expect(cpu.eip).toBe(0x3011);
    expect(unit.mxcsr & 0x3f).toBe(4);
    expect(Array.from(unit.xmm.subarray(0, 4), (b) => new Float32Array(new Int32Array([b]).buffer)[0])).toEqual([1, 1, 2, 4]);
  });
  it('SSE instructions are #UD without CR4.OSFXSR', () => {
    const { cpu } = fpuMachine([0x0f, 0x57, 0xc0], (_m, c) => {
      c.cr4 &= ~0x200;
    });
    expect(cpu.eip).toBe(0x3001);
  });
});
