import { describe, expect, it } from 'vitest';
import { Flag } from './constants.js';
import { createRealModeMachine, createTestMachine, enterFlatProtectedMode, getRegs, loadBytes, runUntilHalt, setRegs, type TestMachine } from './test/index.js';

/** Flat 32-bit CPL 0 machine running `code` at 0x1000 with ESP = 0x80000. */
function flat(code: number[], opts: Parameters<typeof createTestMachine>[0] = {}): TestMachine {
  const m = createTestMachine(opts);
  enterFlatProtectedMode(m.cpu);
  m.cpu.eip = 0x1000;
  m.cpu.reg32[4] = 0x80000;
  loadBytes(m.memory, 0x1000, [...code, 0xf4]);
  // IDT-less: any exception would triple fault; tests that expect one check shutdowns
  return m;
}

function run(m: TestMachine): ReturnType<typeof getRegs> {
  runUntilHalt(m.cpu, 100_000);
  expect(m.shutdowns).toEqual([]);
  return getRegs(m.cpu);
}

describe('integer instructions (32-bit)', () => {
  it('MUL/IMUL/DIV/IDIV with 64-bit products and dividends', () => {
    // mov eax,0xfffffffe; mov ecx,0x12345678; mul ecx
    const m = flat([0xb8, 0xfe, 0xff, 0xff, 0xff, 0xb9, 0x78, 0x56, 0x34, 0x12, 0xf7, 0xe1]);
    const r = run(m);
    const p = 0xfffffffen * 0x12345678n;
    expect(r.eax).toBe(Number(p & 0xffffffffn));
    expect(r.edx).toBe(Number(p >> 32n));
    expect(r.eflags & (Flag.CF | Flag.OF)).toBe(Flag.CF | Flag.OF);

    // idiv: edx:eax = -1000000000007 / 1000 ; mov ecx, 1000 ; idiv ecx
    const m2 = flat([0xb9, 0xe8, 0x03, 0, 0, 0xf7, 0xf9]);
    const n = -1000000000007n;
    const u = BigInt.asUintN(64, n);
    setRegs(m2.cpu, { eax: Number(u & 0xffffffffn), edx: Number(u >> 32n) });
    const r2 = run(m2);
    expect(r2.eax | 0).toBe(Number(n / 1000n));
    expect(r2.edx | 0).toBe(Number(n % 1000n));

    // imul eax, ecx, -3 (6B C1 FD)
    const m3 = flat([0xb9, 0x00, 0x00, 0x00, 0x40, 0x6b, 0xc1, 0xfd]);
    const r3 = run(m3);
    expect(r3.eax).toBe(Number(BigInt.asUintN(32, 0x40000000n * -3n)));
    expect(r3.eflags & Flag.OF).toBe(Flag.OF);
  });

  it('divide overflow raises #DE through the IVT in real mode', () => {
    // div cl with AX=0x1000, CL=1: quotient overflow
    const m = createRealModeMachine([0xb8, 0x00, 0x10, 0xb1, 0x01, 0xf6, 0xf1, 0xf4]);
    m.memory.write32(0, 0x2000); // IVT[0] = 0000:2000
    loadBytes(m.memory, 0x2000, [0xf4]);
    runUntilHalt(m.cpu, 100);
    expect(m.cpu.eip).toBe(0x2001);
    expect(m.memory.read16(0xfffe - 6)).toBe(0x1005); // IP of the DIV
  });

  it('SHLD/SHRD, BSF/BSR, BT with a register bit offset into memory', () => {
    // mov eax,0x80000001; mov edx,0xf0000000; shld eax,edx,4 -> 0x0000001f
    const m = flat([0xb8, 0x01, 0, 0, 0x80, 0xba, 0, 0, 0, 0xf0, 0x0f, 0xa4, 0xd0, 0x04]);
    expect(run(m).eax).toBe(0x1f);
    // bsr ecx, eax (eax=0x00400100) ; bsf edx, eax
    const m2 = flat([0xb8, 0x00, 0x01, 0x40, 0x00, 0x0f, 0xbd, 0xc8, 0x0f, 0xbc, 0xd0]);
    const r2 = run(m2);
    expect(r2.ecx).toBe(22);
    expect(r2.edx).toBe(8);
    // bts [0x3000], ecx with ecx = 35 -> sets bit 3 of dword at 0x3004
    const m3 = flat([0xb9, 35, 0, 0, 0, 0x0f, 0xab, 0x0d, 0x00, 0x30, 0x00, 0x00]);
    run(m3);
    expect(m3.memory.read32(0x3004)).toBe(8);
  });

  it('CMPXCHG8B, XADD, BSWAP, CMOV, SETcc', () => {
    // cmpxchg8b [0x3000] with edx:eax matching -> stores ecx:ebx, ZF=1
    const m = flat([0x0f, 0xc7, 0x0d, 0x00, 0x30, 0x00, 0x00]);
    m.memory.write32(0x3000, 0x11111111);
    m.memory.write32(0x3004, 0x22222222);
    setRegs(m.cpu, { eax: 0x11111111, edx: 0x22222222, ebx: 0xaaaaaaaa, ecx: 0xbbbbbbbb });
    const r = run(m);
    expect(m.memory.read32(0x3000)).toBe(0xaaaaaaaa);
    expect(m.memory.read32(0x3004)).toBe(0xbbbbbbbb);
    expect(r.eflags & Flag.ZF).toBe(Flag.ZF);
    // xadd eax, ecx ; bswap eax ; cmp eax,eax ; cmove ebx, ecx ; setne dl
    const m2 = flat([0x0f, 0xc1, 0xc8, 0x0f, 0xc8, 0x39, 0xc0, 0x0f, 0x44, 0xd9, 0x0f, 0x95, 0xc2]);
    setRegs(m2.cpu, { eax: 0x01020304, ecx: 0x10, ebx: 0, edx: 0xff });
    const r2 = run(m2);
    expect(r2.eax).toBe(0x14030201);
    expect(r2.ecx).toBe(0x01020304);
    expect(r2.ebx).toBe(0x01020304);
    expect(r2.edx).toBe(0);
  });

  it('REP MOVSD and REPNE SCASB', () => {
    // mov esi,0x3000; mov edi,0x4000; mov ecx,300; rep movsd; mov edi,0x4000; mov al,0x77; mov ecx,2000; repne scasb
    const m = flat([0xbe, 0, 0x30, 0, 0, 0xbf, 0, 0x40, 0, 0, 0xb9, 0x2c, 0x01, 0, 0, 0xf3, 0xa5,
      0xbf, 0, 0x40, 0, 0, 0xb0, 0x77, 0xb9, 0xd0, 0x07, 0, 0, 0xf2, 0xae]);
    for (let i = 0; i < 1200; i++) m.memory.write8(0x3000 + i, i === 999 ? 0x77 : i & 0x3f);
    const r = run(m);
    for (let i = 0; i < 1200; i += 97) expect(m.memory.read8(0x4000 + i)).toBe(m.memory.read8(0x3000 + i));
    expect(r.edi).toBe(0x4000 + 1000);
    expect(r.ecx).toBe(1000);
  });

  it('ENTER with nesting level and LEAVE', () => {
    // mov ebp, 0x7fff0 ; enter 16, 2 ; mov ebx, esp ; leave
    const m = flat([0xbd, 0xf0, 0xff, 0x07, 0x00, 0xc8, 0x10, 0x00, 0x02, 0x89, 0xe3, 0xc9]);
    const r = run(m);
    expect(r.ebx).toBe(0x80000 - 4 - 4 - 4 - 16);
    expect(r.esp).toBe(0x80000);
    expect(r.ebp).toBe(0x7fff0);
  });
});

describe('CPU identification and time', () => {
  it('CPUID advertises only the integer unit, hypervisor leaf on request', () => {
    const m = flat([0xb8, 1, 0, 0, 0, 0x0f, 0xa2]);
    const r = run(m);
    expect(r.eax).toBe(0x633);
    expect(r.edx & 1).toBe(0); // no FPU
    expect(r.edx & (1 << 15)).not.toBe(0); // CMOV
    expect(r.edx & (1 << 8)).not.toBe(0); // CX8
    expect(r.ecx >>> 31).toBe(0);

    const h = flat([0xb8, 0, 0, 0, 0x40, 0x0f, 0xa2], { hypervisor: true });
    const rh = run(h);
    const s = [rh.ebx, rh.ecx, rh.edx].map((v) => String.fromCharCode(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24)).join('');
    expect(s).toBe('VMwareVMware');
  });

  it('RDTSC follows virtual time; WRMSR 0x10 sets it', () => {
    const m = flat([0x0f, 0x31, 0x89, 0xc3, 0x0f, 0x31]);
    m.cpu.run(2);
    m.clock.advance(1000);
    const r = run(m);
    expect(r.eax - r.ebx).toBe(1000);
    const w = flat([0xb9, 0x10, 0, 0, 0, 0x31, 0xc0, 0xba, 5, 0, 0, 0, 0x0f, 0x30, 0x0f, 0x31]);
    const rw = run(w);
    expect(rw.edx).toBe(5);
  });

  it('SYSENTER and SYSEXIT switch between flat ring 0 and ring 3', () => {
    // wrmsr 0x174 = 0x08, 0x175 = 0x70000, 0x176 = 0x2000 ; mov ecx, 0x60000 ; mov edx, 0x1800 ; sysexit
    const m = flat([
      0xb9, 0x74, 0x01, 0, 0, 0x31, 0xd2, 0xb8, 0x08, 0, 0, 0, 0x0f, 0x30,
      0xb9, 0x75, 0x01, 0, 0, 0xb8, 0, 0, 0x07, 0, 0x0f, 0x30,
      0xb9, 0x76, 0x01, 0, 0, 0xb8, 0, 0x20, 0, 0, 0x0f, 0x30,
      0xb9, 0, 0, 0x06, 0, 0xba, 0, 0x18, 0, 0, 0x0f, 0x35,
    ]);
    loadBytes(m.memory, 0x1800, [0x0f, 0x34]); // ring 3: sysenter
    loadBytes(m.memory, 0x2000, [0xf4]);
    m.cpu.run(13);
    expect(m.cpu.cpl).toBe(3);
    expect(m.cpu.segSel[1]).toBe(0x1b);
    expect(m.cpu.reg32[4]).toBe(0x60000);
    run(m);
    expect(m.cpu.cpl).toBe(0);
    expect(m.cpu.eip).toBe(0x2001);
    expect(m.cpu.reg32[4]).toBe(0x70000);
  });
});

describe('prefix and opcode rules', () => {
  it('LOCK on a register destination raises #UD; x87 escapes raise #NM without an FPU', () => {
    const m = createRealModeMachine([0xf0, 0x01, 0xc0, 0xf4]);
    m.memory.write32(6 * 4, 0x2000);
    loadBytes(m.memory, 0x2000, [0xf4]);
    runUntilHalt(m.cpu, 10);
    expect(m.cpu.eip).toBe(0x2001);

    const f = createRealModeMachine([0xd9, 0xe8, 0xf4]);
    f.memory.write32(7 * 4, 0x2000);
    loadBytes(f.memory, 0x2000, [0xf4]);
    runUntilHalt(f.cpu, 10);
    expect(f.cpu.eip).toBe(0x2001);
  });

  it('32-bit operand and address prefixes in real mode', () => {
    // mov eax, 0x12345678 (66 B8) ; mov [ebx+ecx*4+8], eax (67 66 89 44 8B 08)
    const m = createRealModeMachine([0x66, 0xb8, 0x78, 0x56, 0x34, 0x12, 0x67, 0x66, 0x89, 0x44, 0x8b, 0x08, 0xf4]);
    setRegs(m.cpu, { ebx: 0x100, ecx: 2 });
    runUntilHalt(m.cpu, 10);
    expect(m.memory.read32(0x110)).toBe(0x12345678);
  });

  it('the A20 gate masks bit 20 at TLB refill', () => {
    // mov ax, 0xffff ; mov ds, ax ; mov al, [0x10] -> linear 0x100000 (or 0 with A20 off)
    const m = createRealModeMachine([0xb8, 0xff, 0xff, 0x8e, 0xd8, 0xa0, 0x10, 0x00, 0xf4]);
    m.memory.write8(0x100000, 0xaa);
    m.memory.write8(0, 0x55);
    m.cpu.setA20(false);
    runUntilHalt(m.cpu, 10);
    expect(m.cpu.reg8[0]).toBe(0x55);
  });
});
