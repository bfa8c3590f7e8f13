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

describe('snapshot and restore', () => {
  it('a restored CPU continues exactly where the snapshot was taken', () => {
    // a loop summing 1..100 into EBX in flat protected mode
    const code = [0xb9, 100, 0, 0, 0, 0x01, 0xcb, 0x49, 0x75, 0xfb];
    const a = flat(code);
    a.cpu.run(51);
    const state = a.cpu.snapshot();
    const b = flat([]);
    b.memory.write(0, a.memory.ram.slice(0, 0x10000));
    b.cpu.restore(structuredClone(state));
    const ra = run(a);
    const rb = run(b);
    expect(rb).toEqual(ra);
    expect(ra.ebx).toBe(5050);
    expect(() => b.cpu.restore({ ...state, version: 99 })).toThrow(/version/);
  });
});

describe('run loop', () => {
  it('requestExit from a device during OUT ends the slice at the next boundary', () => {
    // out 0x80, al ; inc ebx (x4) ; hlt
    const m = flat([0xe6, 0x80, 0x43, 0x43, 0x43, 0x43]);
    m.io.register(0x80, 1, { read8: () => 0xff, write8: () => m.cpu.requestExit() }, 'exit');
    expect(m.cpu.run(1000)).toBe(1);
    expect(m.cpu.run(1000)).toBe(5);
    // a request made between runs makes the next run return at once
    const n = flat([0x43, 0x43]);
    n.cpu.requestExit();
    expect(n.cpu.run(1000)).toBe(0);
    expect(n.cpu.run(1000)).toBe(3);
  });
});

describe('32-bit addressing', () => {
  it('ModRM/SIB forms compute the right effective address', () => {
    // lea edx, [eax+ecx*8+0x12345678] ; lea esi, [ecx*4+0x1000] ; lea edi, [esp+0x10] ; lea ebp, [ebp+eax*2-4]
    const m = flat([
      0x8d, 0x94, 0xc8, 0x78, 0x56, 0x34, 0x12,
      0x8d, 0x34, 0x8d, 0x00, 0x10, 0x00, 0x00,
      0x8d, 0x7c, 0x24, 0x10,
      0x8d, 0x6c, 0x45, 0xfc,
    ]);
    setRegs(m.cpu, { eax: 0x100, ecx: 3, ebp: 0x2000 });
    const r = run(m);
    expect(r.edx).toBe((0x100 + 24 + 0x12345678) >>> 0);
    expect(r.esi).toBe(0x100c);
    expect(r.edi).toBe(0x80010);
    expect(r.ebp).toBe(0x2000 + 0x200 - 4);
  });

  it('EBP/ESP-based addresses default to SS, others to DS', () => {
    // SS base 0x10000 (data), DS base 0: mov [ebp+0], eax ; mov [esp], ebx ; mov [eax], ecx
    const m = flat([0x89, 0x45, 0x00, 0x89, 0x1c, 0x24, 0x89, 0x08]);
    m.cpu.segBase[2] = 0x10000;
    m.cpu.updateSegFast(2);
    setRegs(m.cpu, { eax: 0x3000, ebx: 0xbbbb, ecx: 0xcccc, ebp: 0x100, esp: 0x200 });
    run(m);
    expect(m.memory.read32(0x10100)).toBe(0x3000);
    expect(m.memory.read32(0x10200)).toBe(0xbbbb);
    expect(m.memory.read32(0x3000)).toBe(0xcccc);
  });
});

describe('software TLB and GuestMemory', () => {
  it('drops cached translations on mappingChanged: watched and protected pages take the slow path', () => {
    // mov [0x5000], eax ; (watch page 5) ; mov [0x5004], eax ; (protect page 5) ; mov [0x5008], eax ; hlt
    const m = flat([0xa3, 0, 0x50, 0, 0, 0xa3, 4, 0x50, 0, 0, 0xa3, 8, 0x50, 0, 0]);
    m.cpu.reg32[0] = 0x11223344;
    const seen: [number, number][] = [];
    m.memory.setWriteWatcher({ watchedWrite: (addr, len) => seen.push([addr, len]) });
    m.cpu.run(1);
    m.memory.watchWrites(5, true);
    m.cpu.run(1);
    m.memory.watchWrites(5, false);
    m.memory.protectPage(5);
    run(m);
    expect(m.memory.read32(0x5000)).toBe(0x11223344);
    expect(m.memory.read32(0x5004)).toBe(0x11223344);
    expect(m.memory.read32(0x5008)).toBe(0); // ROM: the write was dropped
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]![0]).toBe(0x5004);
  });
});

describe('more 32-bit forms', () => {
  it('MOVSX/MOVZX, CWDE/CDQ, RCL/RCR 32, SHRD, BT imm, PUSHAD/POPAD', () => {
    const m = flat([
      0x0f, 0xbe, 0xc3, // movsx eax, bl
      0x0f, 0xb7, 0xcb, // movzx ecx, bx
      0x98, 0x99, // cwde ; cdq
      0xf9, 0xd1, 0xd6, // stc ; rcl esi, 1
      0x0f, 0xac, 0xdf, 0x08, // shrd edi, ebx, 8
      0x0f, 0xba, 0xe5, 0x03, // bt ebp, 3
      0x0f, 0x92, 0xc4, // setc ah
      0x60, 0x31, 0xc9, 0x61, // pushad ; xor ecx, ecx ; popad
    ]);
    setRegs(m.cpu, { ebx: 0x1234f080, esi: 0x80000001, edi: 0x11223344, ebp: 8 });
    const r = run(m);
    // movsx eax, bl = 0xffffff80 ; cwde keeps it; cdq -> edx = 0xffffffff ; setc ah (bit 3 of 8 set) -> ah=1
    expect(r.eax).toBe(0xffff0180);
    expect(r.edx).toBe(0xffffffff);
    expect(r.ecx).toBe(0xf080);
    expect(r.esi).toBe(0x00000003); // rcl with CF=1: 0x80000001 -> 0x00000003, CF=1
    expect(r.edi).toBe(0x80112233);
    expect(r.esp).toBe(0x80000);
  });

  it('string instructions with DF=1, 16-bit addressing in 32-bit code, and LSS', () => {
    // std ; mov esi, 0x3003 ; mov edi, 0x4003 ; mov ecx, 4 ; rep movsb ; cld
    // a16 rep stosb with cx=2 di=0xffff (wraps to 0x0000 within 64 KiB)
    // lss esp, [0x6000]
    const m = flat([0xfd, 0xbe, 3, 0x30, 0, 0, 0xbf, 3, 0x40, 0, 0, 0xb9, 4, 0, 0, 0, 0xf3, 0xa4, 0xfc,
      0xbf, 0xff, 0xff, 0, 0, 0xb9, 2, 0, 0, 0, 0xb0, 0x5a, 0x67, 0xf3, 0xaa,
      0x0f, 0xb2, 0x25, 0, 0x60, 0, 0]);
    m.memory.write32(0x3000, 0x44332211);
    m.memory.write32(0x6000, 0x7000);
    m.memory.write16(0x6004, 0x10);
    // a GDT with a flat data descriptor at 0x10 for the LSS
    m.cpu.gdtBase = 0x8000;
    m.cpu.gdtLimit = 0x17;
    m.memory.write32(0x8010, 0x0000ffff);
    m.memory.write32(0x8014, 0x00cf9300);
    const r = run(m);
    expect(m.memory.read32(0x4000)).toBe(0x44332211);
    expect(r.esi).toBe(0x2fff);
    expect(m.memory.read8(0xffff)).toBe(0x5a);
    expect(m.memory.read8(0x0000)).toBe(0x5a);
    expect(r.edi).toBe(0x1); // DI wrapped within 16 bits, upper EDI bits kept (0)
    expect(r.esp).toBe(0x7000);
  });
});
