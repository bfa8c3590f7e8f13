import { describe, expect, it } from 'vitest';
import type { Cpu } from './cpu.js';
import { Cr0, Flag } from './constants.js';
import { loadSegmentRaw } from './protected.js';
import { createTestMachine, getRegs, loadBytes, runUntilHalt, type TestMachine } from './test/index.js';

// Memory map of the protected-mode fixture.
const GDT = 0x1000;
const IDT = 0x2000;
const TSS = 0x3000;
const TSS2 = 0x6000;
const HANDLERS = 0x10000; // vector v: mov eax, 0x1000 + v; hlt
const CODE = 0x20000;
const USER = 0x30000;
const STACK0 = 0x8f000;
const STACK3 = 0x7f000;

function w32(m: TestMachine, a: number, v: number): void {
  m.memory.write32(a, v >>> 0);
}
function r32(m: TestMachine, a: number): number {
  return m.memory.read32(a) >>> 0;
}
/** A segment descriptor; `ar` is descriptor bytes 5-6 (access byte, flags nibble in bits 12-15). */
function seg(m: TestMachine, sel: number, base: number, limit: number, ar: number): void {
  const a = GDT + (sel & ~7);
  w32(m, a, ((base & 0xffff) << 16) | (limit & 0xffff));
  w32(m, a + 4, (base & 0xff000000) | ((ar & 0xf0ff) << 8) | (limit & 0xf0000) | ((base >>> 16) & 0xff));
}
/** An IDT gate: type 0xE interrupt, 0xF trap, 0x5 task. */
function gate(m: TestMachine, vec: number, sel: number, off: number, type: number, dpl: number): void {
  const a = IDT + vec * 8;
  w32(m, a, (sel << 16) | (off & 0xffff));
  w32(m, a + 4, (off & 0xffff0000) | 0x8000 | (dpl << 13) | (type << 8));
}

/** Flat protected mode with a GDT, IDT (every vector -> its handler), TSS; CPL 0 at CODE. */
function setup(code: number[], user: number[] = []): TestMachine {
  const m = createTestMachine({ ramSize: 0x400000 });
  const cpu = m.cpu;
  seg(m, 0x08, 0, 0xfffff, 0xc09b);
  seg(m, 0x10, 0, 0xfffff, 0xc093);
  seg(m, 0x18, 0, 0xfffff, 0xc0fb);
  seg(m, 0x20, 0, 0xfffff, 0xc0f3);
  seg(m, 0x28, TSS, 0x2067, 0x008b); // busy: it is the current task
  seg(m, 0x30, TSS2, 0x67, 0x0089);
  for (let v = 0; v < 256; v++) {
    gate(m, v, 0x08, HANDLERS + v * 16, 0xe, v === 0x80 ? 3 : 0);
    loadBytes(m.memory, HANDLERS + v * 16, [0xb8, (0x1000 + v) & 0xff, (0x1000 + v) >> 8, 0, 0, 0xf4]);
  }
  // TSS: ESP0/SS0, empty I/O bitmap (all ports denied) after the 0x68-byte header
  w32(m, TSS + 4, STACK0);
  w32(m, TSS + 8, 0x10);
  w32(m, TSS + 0x64, 0x68 << 16);
  for (let i = 0; i < 0x2000; i++) m.memory.write8(TSS + 0x68 + i, 0xff);
  cpu.gdtBase = GDT;
  cpu.gdtLimit = 0xff;
  cpu.idtBase = IDT;
  cpu.idtLimit = 0x7ff;
  cpu.cr0 |= Cr0.PE;
  loadSegmentRaw(cpu, 1, 0x08, 0, -1, 0xc09b, 0);
  for (const s of [0, 2, 3, 4, 5]) loadSegmentRaw(cpu, s, 0x10, 0, -1, 0xc093, -1);
  loadSegmentRaw(cpu, 7, 0x28, TSS, 0x2067, 0x008b, -1);
  cpu.modeChanged();
  cpu.reg32[4] = STACK0;
  cpu.eip = CODE;
  loadBytes(m.memory, CODE, code);
  loadBytes(m.memory, USER, user);
  return m;
}

/** Code: iretd to ring 3 at USER with ESP = STACK3 and EFLAGS `fl`. */
function toRing3(fl = 0x202): number[] {
  const d = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
  return [0x68, ...d(0x23), 0x68, ...d(STACK3), 0x68, ...d(fl), 0x68, ...d(0x1b), 0x68, ...d(USER), 0xcf];
}

function vectorHit(cpu: Cpu): number {
  return (cpu.reg32[0]! - 0x1000) | 0;
}

describe('protected mode: privilege transitions', () => {
  it('IRET to ring 3, then INT 0x80 through a DPL 3 gate switches to the ring-0 stack', () => {
    const m = setup(toRing3(), [0xb8, 1, 0, 0, 0, 0xcd, 0x80]);
    runUntilHalt(m.cpu, 100);
    const cpu = m.cpu;
    expect(vectorHit(cpu)).toBe(0x80);
    expect(cpu.cpl).toBe(0);
    expect(cpu.segSel[1]).toBe(0x08);
    expect(cpu.segSel[2]).toBe(0x10);
    expect(cpu.reg32[4]! >>> 0).toBe(STACK0 - 20);
    expect(r32(m, STACK0 - 20)).toBe(USER + 7); // EIP after INT
    expect(r32(m, STACK0 - 16)).toBe(0x1b);
    expect(r32(m, STACK0 - 12) & 0x200).toBe(0x200);
    expect(r32(m, STACK0 - 8)).toBe(STACK3);
    expect(r32(m, STACK0 - 4)).toBe(0x23);
    // the interrupt gate cleared IF
    expect(cpu.getFlags() & Flag.IF).toBe(0);
  });

  it('HLT at CPL 3 raises #GP(0) with the faulting EIP', () => {
    const m = setup(toRing3(), [0x90, 0xf4]);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(13);
    expect(r32(m, STACK0 - 24)).toBe(0); // error code
    expect(r32(m, STACK0 - 20)).toBe(USER + 1);
  });

  it('INT n through a DPL 0 gate from CPL 3 raises #GP(vector*8+2)', () => {
    const m = setup(toRing3(), [0xcd, 0x81]);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(13);
    expect(r32(m, STACK0 - 24)).toBe(0x81 * 8 + 2);
  });

  it('loading a DPL 0 data segment at CPL 3 raises #GP(selector)', () => {
    // mov ax, 0x10; mov ds, ax
    const m = setup(toRing3(), [0x66, 0xb8, 0x10, 0, 0x8e, 0xd8]);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(13);
    expect(r32(m, STACK0 - 24)).toBe(0x10);
  });

  it('IN at CPL 3 with IOPL 0 consults the I/O bitmap', () => {
    // in al, 0x80 (allowed by clearing its bit), then in al, 0x60 (denied)
    const m = setup(toRing3(), [0xe4, 0x80, 0xb3, 0x07, 0xe4, 0x60]);
    m.memory.write8(TSS + 0x68 + 0x10, 0xfe);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(13);
    expect(r32(m, STACK0 - 20)).toBe(USER + 4);
    expect(m.cpu.reg8[12]).toBe(7); // BL: the first IN passed
  });

  it('far CALL through a call gate to ring 0 copies parameters, far RET returns to ring 3', () => {
    // ring 0 target at CODE+0x100: mov eax,[esp+8] (param); retf 4
    const target = [0x8b, 0x44, 0x24, 0x08, 0xca, 0x04, 0x00];
    // ring 3: push 0x1234; call 0x38:0; hlt-> #GP (stays CPL 3) so use int3 marker: mov ebx, eax; int 0x80
    const user = [0x68, 0x34, 0x12, 0, 0, 0x9a, 0, 0, 0, 0, 0x38, 0, 0x89, 0xc3, 0xcd, 0x80];
    const m = setup(toRing3(), user);
    // call gate 0x38 -> 0x08:CODE+0x100, DPL 3, 1 parameter
    w32(m, GDT + 0x38, (0x08 << 16) | ((CODE + 0x100) & 0xffff));
    w32(m, GDT + 0x3c, ((CODE + 0x100) & 0xffff0000) | 0x8000 | (3 << 13) | (0xc << 8) | 1);
    loadBytes(m.memory, CODE + 0x100, target);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(0x80);
    expect(m.cpu.reg32[3]).toBe(0x1234);
    // back at ring 3 the parameter was popped by RET 4
    expect(r32(m, STACK0 - 8)).toBe(STACK3);
  });
});

describe('protected mode: paging', () => {
  function paged(code: number[], user: number[] = []): TestMachine {
    const m = setup(code, user);
    const PD = 0x100000;
    const PT = 0x101000;
    // 0-4 MiB: a page table, user+writable, except page 0x200 (not present) and 0x201 (supervisor read-only)
    w32(m, PD, PT | 7);
    for (let i = 0; i < 1024; i++) w32(m, PT + i * 4, (i << 12) | 7);
    w32(m, PT + 0x200 * 4, 0);
    w32(m, PT + 0x201 * 4, (0x201 << 12) | 1);
    // 4-8 MiB: one PSE page mapping physical 0 (alias)
    w32(m, PD + 4, 0x87);
    m.cpu.cr3 = PD;
    m.cpu.cr4 |= 0x10;
    m.cpu.cr0 |= Cr0.PG | Cr0.WP;
    m.cpu.flushTlbAll();
    return m;
  }

  it('a not-present page raises #PF with error code and CR2', () => {
    // mov eax, [0x200123]
    const m = paged([0xa1, 0x23, 0x01, 0x20, 0x00]);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(14);
    expect(m.cpu.cr2 >>> 0).toBe(0x200123);
    expect(r32(m, STACK0 - 16)).toBe(0); // read, supervisor, not present
  });

  it('CR0.WP makes a supervisor write to a read-only page fault (error 3)', () => {
    const m = paged([0xa3, 0x00, 0x10, 0x20, 0x00]);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(14);
    expect(r32(m, STACK0 - 16)).toBe(3);
  });

  it('a user read of a supervisor page faults with error 5', () => {
    // ring 3 loads a DPL 3 DS first (IRET to ring 3 nulled the DPL 0 one)
    const m = paged(toRing3(), [0x66, 0xb8, 0x23, 0x00, 0x8e, 0xd8, 0xa1, 0x00, 0x10, 0x20, 0x00]);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(14);
    expect(r32(m, STACK0 - 24)).toBe(5);
  });

  it('4 MiB PSE pages translate and accessed/dirty bits are set', () => {
    // mov dword [0x400000 + 0x50000], 0xabcd ; hlt
    const m = paged([0xc7, 0x05, 0x00, 0x00, 0x45, 0x00, 0xcd, 0xab, 0, 0, 0xf4]);
    runUntilHalt(m.cpu, 100);
    expect(r32(m, 0x50000)).toBe(0xabcd);
    expect(r32(m, 0x100004) & 0x60).toBe(0x60);
    // the code page's PTE got its accessed bit
    expect(r32(m, 0x101000 + 0x20 * 4) & 0x20).toBe(0x20);
  });

  it('a CR3 write flushes the TLB', () => {
    // read [0x5000] (cached), change the PTE to point at 0x6000, reload CR3, read again
    const m = paged([0xa1, 0, 0x50, 0, 0, 0x89, 0xc3, 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0xa1, 0, 0x50, 0, 0, 0xf4]);
    w32(m, 0x5000, 0x1111);
    w32(m, 0x6000, 0x2222);
    m.cpu.run(2);
    w32(m, 0x101000 + 5 * 4, 0x6007);
    runUntilHalt(m.cpu, 100);
    expect(m.cpu.reg32[3]).toBe(0x1111);
    expect(m.cpu.reg32[0]).toBe(0x2222);
  });
});

describe('exceptions and interrupts', () => {
  it('a fault while delivering a fault becomes #DF, and a fault in #DF shuts down', () => {
    const m = setup([0xf4]);
    // #GP gate not present: the HLT... use a CPL-3 style #GP: mov cr0 from ring 3 is hard; use UD2
    loadBytes(m.memory, CODE, [0x0f, 0x0b]);
    w32(m, IDT + 6 * 8 + 4, 0x0e00); // #UD gate not present -> #NP -> contributory? #UD is benign: #NP delivered
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(11);
    expect(r32(m, STACK0 - 16)).toBe(6 * 8 + 2 + 1);

    const m2 = setup([0x0f, 0x0b]);
    w32(m2, IDT + 6 * 8 + 4, 0x0e00); // #UD -> #NP (not present)
    w32(m2, IDT + 11 * 8 + 4, 0x0e00); // #NP -> #NP: contributory twice -> #DF
    runUntilHalt(m2.cpu, 100);
    expect(vectorHit(m2.cpu)).toBe(8);

    const m3 = setup([0x0f, 0x0b]);
    m3.cpu.idtLimit = 0;
    m3.cpu.run(10);
    expect(m3.cpu.runState).toBe(2);
    expect(m3.shutdowns).toEqual(['triple fault']);
  });

  it('INTR is taken when IF=1, wakes HLT, and respects the STI shadow', () => {
    // cli; hlt... use: sti; inc ebx; hlt ; the interrupt must come after INC
    const m = setup([0xfb, 0x43, 0xf4, 0xf4]);
    m.pendingVectors.push(0x30);
    m.cpu.intr.raise();
    m.cpu.run(1); // STI
    expect(m.cpu.reg32[3]).toBe(0);
    m.cpu.run(1); // INC (shadow), then the interrupt
    expect(m.cpu.reg32[3]).toBe(1);
    runUntilHalt(m.cpu, 10);
    expect(vectorHit(m.cpu)).toBe(0x30);
    expect(r32(m, STACK0 - 12)).toBe(CODE + 2);
  });

  it('HLT wakes on INTR and on NMI (NMI ignores IF)', () => {
    const m = setup([0xfb, 0xf4, 0xf4]);
    m.cpu.run(10);
    expect(m.cpu.runState).toBe(1);
    expect(m.cpu.run(10)).toBe(0);
    m.pendingVectors.push(0x41);
    m.cpu.intr.raise();
    m.cpu.run(10);
    expect(m.cpu.runState).toBe(1);
    expect(vectorHit(m.cpu)).toBe(0x41);
    expect(vectorHit(m.cpu)).toBe(0x41);

    const n = setup([0xfa, 0xf4]);
    n.cpu.run(10);
    expect(n.cpu.runState).toBe(1);
    n.cpu.nmi.pulse();
    n.cpu.run(10);
    expect(vectorHit(n.cpu)).toBe(2);
  });
});

describe('task switching and virtual-8086 mode', () => {
  it('JMP to a TSS saves the old task and loads the new one', () => {
    const m = setup([0xb9, 0x55, 0, 0, 0, 0xea, 0, 0, 0, 0, 0x30, 0]);
    // new task: EIP = CODE+0x200, ECX = 0x77, flat segments, EFLAGS = 2
    w32(m, TSS2 + 0x20, CODE + 0x200);
    w32(m, TSS2 + 0x24, 2);
    w32(m, TSS2 + 0x2c, 0x77);
    w32(m, TSS2 + 0x38, STACK0 - 0x100);
    for (let s = 0; s < 6; s++) w32(m, TSS2 + 0x48 + s * 4, s === 1 ? 0x08 : 0x10);
    loadBytes(m.memory, CODE + 0x200, [0xf4]);
    runUntilHalt(m.cpu, 100);
    const cpu = m.cpu;
    expect(cpu.eip >>> 0).toBe(CODE + 0x201);
    expect(cpu.reg32[1]).toBe(0x77);
    expect(cpu.segSel[7]).toBe(0x30);
    expect(cpu.cr0 & Cr0.TS).toBe(Cr0.TS);
    // the old TSS holds the state at the JMP: EIP after it, ECX = 0x55; busy bits moved
    expect(r32(m, TSS + 0x20)).toBe(CODE + 12);
    expect(r32(m, TSS + 0x2c)).toBe(0x55);
    expect((r32(m, GDT + 0x2c) >> 8) & 0xf).toBe(0x9);
    expect((r32(m, GDT + 0x34) >> 8) & 0xf).toBe(0xb);
  });

  it('IRET enters v86 mode; INT from v86 pushes the segment registers; IOPL-sensitive OUT faults', () => {
    // ring 0: push gs, fs, ds, es, ss, esp, eflags(VM, IOPL 0), cs, eip ; iretd
    const d = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
    const code = [
      0x68, ...d(0x5000), 0x68, ...d(0x6000), 0x68, ...d(0x7000), 0x68, ...d(0x8000),
      0x68, ...d(0x3000), 0x68, ...d(0xfff0), 0x68, ...d(0x20002), 0x68, ...d(0x3000), 0x68, ...d(0x0100), 0xcf,
    ];
    const m = setup(code);
    // v86 code at 3000:0100 -> linear 0x30100: mov al, 1; out 0x80, al (denied by the bitmap)
    loadBytes(m.memory, 0x30100, [0xb0, 0x01, 0xe6, 0x80]);
    runUntilHalt(m.cpu, 100);
    const cpu = m.cpu;
    expect(vectorHit(cpu)).toBe(13);
    expect(cpu.getFlags() & Flag.VM).toBe(0);
    // stack: err, eip, cs, eflags, esp, ss, es, ds, fs, gs
    const sp = STACK0 - 40;
    expect(cpu.reg32[4]! >>> 0).toBe(sp);
    expect(r32(m, sp)).toBe(0);
    expect(r32(m, sp + 4)).toBe(0x102);
    expect(r32(m, sp + 8)).toBe(0x3000);
    expect(r32(m, sp + 12) & Flag.VM).toBe(Flag.VM);
    expect(r32(m, sp + 16)).toBe(0xfff0);
    expect(r32(m, sp + 20)).toBe(0x3000);
    expect(r32(m, sp + 24)).toBe(0x8000);
    expect(r32(m, sp + 28)).toBe(0x7000);
    expect(r32(m, sp + 32)).toBe(0x6000);
    expect(r32(m, sp + 36)).toBe(0x5000);
    // data segments were nulled on entry to ring 0
    expect(cpu.segSel[3]).toBe(0);
    expect(getRegs(cpu).eax).toBe(0x1000 + 13);
  });
});

describe('more protected-mode mechanisms', () => {
  it('INT through a task gate runs a nested task; its IRET returns to the caller', () => {
    // main: int 0x50 ; hlt     task 2 at CODE+0x200: mov dword [0x5000], 0x99 ; iretd
    const m = setup([0xcd, 0x50, 0xf4]);
    gate(m, 0x50, 0x30, 0, 0x5, 0);
    w32(m, TSS2 + 0x20, CODE + 0x200);
    w32(m, TSS2 + 0x24, 2);
    w32(m, TSS2 + 0x38, STACK0 - 0x400);
    for (let s = 0; s < 6; s++) w32(m, TSS2 + 0x48 + s * 4, s === 1 ? 0x08 : 0x10);
    loadBytes(m.memory, CODE + 0x200, [0xc7, 0x05, 0x00, 0x50, 0x00, 0x00, 0x99, 0, 0, 0, 0xcf]);
    runUntilHalt(m.cpu, 100);
    const cpu = m.cpu;
    expect(r32(m, 0x5000)).toBe(0x99);
    expect(cpu.eip >>> 0).toBe(CODE + 3);
    expect(cpu.segSel[7]).toBe(0x28);
    expect(r32(m, TSS2) & 0xffff).toBe(0x28); // back link
    expect((r32(m, GDT + 0x34) >> 8) & 0xf).toBe(0x9); // task 2 no longer busy
    expect(cpu.getFlags() & Flag.NT).toBe(0);
  });

  it('a conforming code segment runs at the caller\'s CPL', () => {
    // GDT 0x40: conforming code DPL 0. ring 3: call far 0x43:CODE+0x300 ; there: mov ecx, cs ; int 0x80
    const m = setup(toRing3(), [0x9a, ...[(CODE + 0x300) & 0xff, ((CODE + 0x300) >> 8) & 0xff, (CODE + 0x300) >> 16, 0], 0x43, 0]);
    seg(m, 0x40, 0, 0xfffff, 0xc09f);
    loadBytes(m.memory, CODE + 0x300, [0x8c, 0xc9, 0xcd, 0x80]);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(0x80);
    expect(m.cpu.reg32[1]! & 0xffff).toBe(0x43);
    expect(r32(m, STACK0 - 16)).toBe(0x43); // CS pushed by INT: CPL 3 kept
  });

  it('INVLPG and global pages', () => {
    const m = setup([0xa1, 0, 0x50, 0, 0, 0x89, 0xc3, 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0xa1, 0, 0x50, 0, 0, 0x89, 0xc1,
      0x0f, 0x01, 0x3d, 0, 0x50, 0, 0, 0xa1, 0, 0x50, 0, 0, 0xf4]);
    const PD = 0x100000;
    const PT = 0x101000;
    w32(m, PD, PT | 7);
    for (let i = 0; i < 1024; i++) w32(m, PT + i * 4, (i << 12) | 7);
    w32(m, PT + 5 * 4, 0x5000 | 0x107); // global
    w32(m, 0x5000, 0x1111);
    w32(m, 0x6000, 0x2222);
    m.cpu.cr3 = PD;
    m.cpu.cr4 |= 0x80;
    m.cpu.cr0 |= Cr0.PG;
    m.cpu.flushTlbAll();
    m.cpu.run(2);
    w32(m, PT + 5 * 4, 0x6000 | 0x107);
    runUntilHalt(m.cpu, 100);
    expect(m.cpu.reg32[3]).toBe(0x1111);
    expect(m.cpu.reg32[1]).toBe(0x1111); // the CR3 write kept the global entry
    expect(m.cpu.reg32[0]).toBe(0x2222); // INVLPG dropped it
  });

  it('TF raises a single-step #DB after the instruction', () => {
    // pushfd; or dword [esp], 0x100; popfd; nop; nop
    const m = setup([0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d, 0x90, 0x90]);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(1);
    // POPF sets TF; the trap comes after the following NOP
    expect(r32(m, STACK0 - 12)).toBe(CODE + 10);
    expect(m.cpu.dr[6]! & 0x4000).toBe(0x4000);
  });

  it('VME redirects INT n in v86 mode to the real-mode IVT', () => {
    const d = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
    const code = [
      0x68, ...d(0), 0x68, ...d(0), 0x68, ...d(0), 0x68, ...d(0),
      0x68, ...d(0x3000), 0x68, ...d(0xfff0), 0x68, ...d(0x20202), 0x68, ...d(0x3000), 0x68, ...d(0x0100), 0xcf,
    ];
    const m = setup(code);
    m.cpu.cr4 |= 1;
    // I/O map at TSS+0x100, the redirection bitmap in the 32 bytes below it: vector 0x21 is not sent to the monitor
    w32(m, TSS + 0x64, 0x100 << 16);
    for (let i = 0; i < 32; i++) m.memory.write8(TSS + 0x100 - 32 + i, 0xff);
    m.memory.write8(TSS + 0x100 - 32 + 4, 0xfd);
    w32(m, 0x21 * 4, 0x0500 << 16); // IVT[0x21] = 0500:0000
    loadBytes(m.memory, 0x5000, [0x90, 0xf4]); // v86 handler: nop; hlt (#GP to the monitor)
    loadBytes(m.memory, 0x30100, [0xcd, 0x21]);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(13);
    expect(r32(m, STACK0 - 36)).toBe(1); // #GP at 0500:0001 (the HLT)
    expect(r32(m, STACK0 - 32)).toBe(0x500);
    // the v86 stack holds FLAGS, CS, IP of the INT
    expect(m.memory.read16(0x30000 + 0xfff0 - 2) & 0x3200).toBe(0x3000); // IOPL<3: the image shows IOPL 3 and IF = VIF (0)
    expect(m.memory.read16(0x30000 + 0xfff0 - 4)).toBe(0x3000);
    expect(m.memory.read16(0x30000 + 0xfff0 - 6)).toBe(0x102);
  });
});

describe('segmentation details', () => {
  it('real mode -> protected mode by code: LGDT, MOV CR0, far JMP, data loads', () => {
    const m = createTestMachine({ ramSize: 0x400000 });
    seg(m, 0x08, 0, 0xfffff, 0xc09b);
    seg(m, 0x10, 0, 0xfffff, 0xc093);
    // GDTR image at 0x0F00: limit 0x17, base GDT
    m.memory.write16(0x0f00, 0x17);
    m.memory.write32(0x0f02, GDT);
    const cpu = m.cpu;
    for (const s of [0, 1, 2, 3]) cpu.setRealSegmentCache(s, 0, 0, 0xffff, s === 1 ? 0x9b : 0x93);
    cpu.eip = 0x7c00;
    // lgdt [0x0f00]; mov eax,cr0; or al,1; mov cr0,eax; jmp dword 0x08:0x7c20
    loadBytes(m.memory, 0x7c00, [0x0f, 0x01, 0x16, 0x00, 0x0f, 0x0f, 0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0,
      0x66, 0xea, 0x20, 0x7c, 0, 0, 0x08, 0]);
    // 32-bit: mov ax,0x10; mov ds,ax; mov ss,ax; mov esp,0x90000; mov dword [0x200000], 0xfeedbeef; hlt
    loadBytes(m.memory, 0x7c20, [0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x8e, 0xd0, 0xbc, 0, 0, 9, 0,
      0xc7, 0x05, 0, 0, 0x20, 0, 0xef, 0xbe, 0xed, 0xfe, 0xf4]);
    runUntilHalt(cpu, 100);
    expect(m.shutdowns).toEqual([]);
    expect(cpu.csD).toBe(1);
    expect(cpu.ssB).toBe(1);
    expect(r32(m, 0x200000)).toBe(0xfeedbeef);
    // the accessed bit was set in the data descriptor
    expect(r32(m, GDT + 0x14) & 0x100).toBe(0x100);
  });

  it('a trap gate keeps IF; MOV SS inhibits interrupts for one instruction', () => {
    const m = setup([0xfb, 0x90, 0xcd, 0x60]);
    gate(m, 0x60, 0x08, HANDLERS + 0x60 * 16, 0xf, 0);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(0x60);
    expect(m.cpu.getFlags() & Flag.IF).toBe(Flag.IF);

    // mov ss, ax ; inc ebx ; hlt  with an NMI arriving right after MOV SS: it is taken after INC
    const n = setup([0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, 0x43, 0xf4]);
    n.cpu.run(2); // mov ax; mov ss
    n.cpu.nmi.pulse();
    n.cpu.run(1); // inc ebx runs in the shadow
    expect(n.cpu.reg32[3]).toBe(1);
    expect(n.cpu.eip >>> 0).toBe(CODE + 7);
    n.cpu.run(1);
    runUntilHalt(n.cpu, 10);
    expect(vectorHit(n.cpu)).toBe(2);
  });

  it('expand-down data segments fault below the limit', () => {
    // GDT 0x40: expand-down RW data, limit 0x0fff, base 0x100000 (valid offsets 0x1000..0xffffffff)
    // mov ax,0x40; mov es,ax; mov [es:0x2000], eax (ok); mov [es:0x0800], eax (#GP)
    const m = setup([0x66, 0xb8, 0x40, 0x00, 0x8e, 0xc0, 0x26, 0xa3, 0x00, 0x20, 0, 0, 0x26, 0xa3, 0x00, 0x08, 0, 0]);
    seg(m, 0x40, 0x100000, 0x0fff, 0x4097);
    m.cpu.reg32[0] = 0x1234;
    runUntilHalt(m.cpu, 100);
    expect(r32(m, 0x102000)).toBe(0x40); // EAX after mov ax, 0x40
    expect(vectorHit(m.cpu)).toBe(13);
    expect(r32(m, STACK0 - 16)).toBe(0); // error code
    expect(r32(m, STACK0 - 12)).toBe(CODE + 12);
  });

  it('LLDT, LDT selectors, LAR/LSL/VERR/VERW, SGDT', () => {
    // GDT 0x48: LDT at 0x7000 with one data descriptor (selector 0x04|4 = 0x0c? index 1 -> 0x0c)
    const code = [
      0x66, 0xb8, 0x48, 0x00, 0x0f, 0x00, 0xd0, // mov ax,0x48; lldt ax
      0x66, 0xb8, 0x0f, 0x00, 0x8e, 0xe0, // mov ax,0x0f (LDT index 1, RPL 3); mov fs,ax
      0x64, 0x8b, 0x1d, 0x10, 0, 0, 0, // mov ebx,[fs:0x10]
      0x0f, 0x02, 0xc8, // lar ecx, eax
      0x0f, 0x03, 0xd0, // lsl edx, eax
      0x0f, 0x00, 0xe0, // verr ax
      0x0f, 0x01, 0x05, 0x00, 0x60, 0, 0, // sgdt [0x6000]
      0xf4,
    ];
    const m = setup(code);
    seg(m, 0x48, 0x7000, 0x0f, 0x0082);
    // LDT entry 1: DPL 3 RW data, base 0x50000, limit 0x1ffff (byte granular)
    m.memory.write32(0x7008, 0x0000ffff);
    m.memory.write32(0x700c, 0x0001f205);
    w32(m, 0x50010, 0xcafe);
    runUntilHalt(m.cpu, 100);
    const cpu = m.cpu;
    expect(m.shutdowns).toEqual([]);
    expect(cpu.segSel[6]).toBe(0x48);
    expect(cpu.reg32[3]).toBe(0xcafe);
    expect(cpu.reg32[1]! >>> 0).toBe(0x00f300); // access rights (accessed: FS was loaded from it)
    expect(cpu.reg32[2]).toBe(0x1ffff);
    expect(cpu.getFlags() & Flag.ZF).toBe(Flag.ZF);
    expect(m.memory.read16(0x6000)).toBe(0xff);
    expect(r32(m, 0x6002)).toBe(GDT);
  });

  it('a 16-bit TSS task switch loads the 16-bit state', () => {
    // GDT 0x50: 16-bit TSS at 0x6800 ; 0x58: 16-bit code (base 0x20000) ; jmp far 0x50:0
    const m = setup([0xea, 0, 0, 0, 0, 0x50, 0]);
    seg(m, 0x50, 0x6800, 0x2b, 0x0081);
    seg(m, 0x58, CODE, 0xffff, 0x009b);
    const t = 0x6800;
    m.memory.write16(t + 0x0e, 0x0400); // IP
    m.memory.write16(t + 0x10, 0x0002); // FLAGS
    m.memory.write16(t + 0x12, 0x1111); // AX
    m.memory.write16(t + 0x1a, 0xfff0); // SP
    m.memory.write16(t + 0x22, 0x10); // ES
    m.memory.write16(t + 0x24, 0x58); // CS
    m.memory.write16(t + 0x26, 0x10); // SS
    m.memory.write16(t + 0x28, 0x10); // DS
    loadBytes(m.memory, CODE + 0x400, [0x40, 0xf4]); // inc ax ; hlt
    runUntilHalt(m.cpu, 100);
    const cpu = m.cpu;
    expect(m.shutdowns).toEqual([]);
    expect(cpu.segSel[7]).toBe(0x50);
    expect(cpu.csD).toBe(0);
    expect(cpu.eip).toBe(0x402);
    expect(cpu.reg16[0]).toBe(0x1112);
    // the outgoing 32-bit TSS got the EIP after the JMP
    expect(r32(m, TSS + 0x20)).toBe(CODE + 7);
  });
});

describe('debug registers', () => {
  it('an instruction breakpoint faults before the instruction; RF lets it run once', () => {
    // mov eax, CODE+0x40 ; mov dr0, eax ; mov eax, 1 (L0, execute) ; mov dr7, eax ; jmp CODE+0x40
    const d = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
    const m = setup([0xb8, ...d(CODE + 0x40), 0x0f, 0x23, 0xc0, 0xb8, 1, 0, 0, 0, 0x0f, 0x23, 0xf8, 0xe9, ...d(0x40 - 21)]);
    loadBytes(m.memory, CODE + 0x40, [0x43, 0xf4]); // inc ebx ; hlt
    // #DB handler: or dword [esp+8], 0x10000 (RF) ; iretd
    loadBytes(m.memory, HANDLERS + 16, [0x81, 0x4c, 0x24, 0x08, 0, 0, 1, 0, 0xcf]);
    runUntilHalt(m.cpu, 100);
    const cpu = m.cpu;
    expect(cpu.eip >>> 0).toBe(CODE + 0x42);
    expect(cpu.reg32[3]).toBe(1); // INC ran exactly once
    expect(cpu.dr[6]! & 0xf).toBe(1);
  });
});

describe('PAE paging', () => {
  it('walks PDPTE -> PDE -> PTE with 8-byte entries, 2 MiB pages, and reports #PF', () => {
    // enable PAE + paging from code: mov eax, PDPT; mov cr3, eax; mov eax, cr4; or al, 0x20; mov cr4, eax;
    // mov eax, cr0; or eax, 0x80000000; mov cr0, eax; mov ecx, [0x40001234] (2 MiB page -> 0x1234); mov ebx, [0x00601000] (#PF)
    const d = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
    const PDPT = 0x100000;
    const PD0 = 0x101000;
    const PD1 = 0x102000;
    const PT = 0x103000;
    const m = setup([
      0xb8, ...d(PDPT), 0x0f, 0x22, 0xd8, 0x0f, 0x20, 0xe0, 0x0c, 0x20, 0x0f, 0x22, 0xe0,
      0x0f, 0x20, 0xc0, 0x0d, 0, 0, 0, 0x80, 0x0f, 0x22, 0xc0,
      0x8b, 0x0d, ...d(0x40001234), 0x8b, 0x1d, ...d(0x00601000),
    ]);
    w32(m, PDPT, PD0 | 1);
    w32(m, PDPT + 8, PD1 | 1);
    // PD0[0] -> PT (4 KiB pages identity for the first 2 MiB), PD0[1] -> 2 MiB identity, PD0[3] not present
    w32(m, PD0, PT | 3);
    for (let i = 0; i < 512; i++) w32(m, PT + i * 8, (i << 12) | 3);
    w32(m, PD0 + 8, 0x200000 | 0x83);
    // PD1[0]: 2 MiB page at linear 0x40000000 -> physical 0
    w32(m, PD1, 0x00000083);
    m.memory.write32(0x1234, 0xabcdef01);
    runUntilHalt(m.cpu, 100);
    expect(m.cpu.reg32[1]! >>> 0).toBe(0xabcdef01);
    expect(r32(m, STACK0 - 12)).toBe(CODE + 0x21); // the faulting MOV
    expect(vectorHit(m.cpu)).toBe(14);
    expect(m.cpu.cr2 >>> 0).toBe(0x00601000);
    // dirty/accessed in 8-byte entries (low dword)
    expect(r32(m, PD1) & 0x20).toBe(0x20);
  });
});

describe('restartable faults', () => {
  it('REP MOVSD across a not-present page resumes after the #PF handler maps it', () => {
    // #PF handler: mov eax, cr2 ; and eax, ~0xfff ; or eax, 7 ; mov ebx, eax ; shr eax... (map identity)
    //   mov ecx, cr2 ; shr ecx, 12 ; mov eax, ecx ; shl eax, 12 ; or eax, 7 ; mov [PT + ecx*4], eax ; add esp, 4 ; inc dword [0x9000] ; iretd
    const PD = 0x100000;
    const PT = 0x101000;
    const d = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
    const handler = [
      0x51, 0x50, // push ecx ; push eax (the copy's ECX must survive)
      0x0f, 0x20, 0xd1, 0xc1, 0xe9, 0x0c, 0x89, 0xc8, 0xc1, 0xe0, 0x0c, 0x0c, 0x07,
      0x89, 0x04, 0x8d, ...d(PT), 0xff, 0x05, ...d(0x9000),
      0x58, 0x59, 0x83, 0xc4, 0x04, 0xcf, // pop eax ; pop ecx ; add esp, 4 (error code) ; iretd
    ];
    // mov esi, 0x200000 ; mov edi, 0x300000 ; mov ecx, 3000 ; rep movsd ; hlt
    const m = setup([0xbe, ...d(0x200000), 0xbf, ...d(0x300000), 0xb9, ...d(3000), 0xf3, 0xa5, 0xf4]);
    loadBytes(m.memory, HANDLERS + 14 * 16, [0xe9, ...d(0x800 - 5)]);
    loadBytes(m.memory, HANDLERS + 14 * 16 + 0x800, handler);
    w32(m, PD, PT | 7);
    for (let i = 0; i < 1024; i++) w32(m, PT + i * 4, i < 0x200 ? (i << 12) | 7 : 0);
    for (let i = 0; i < 3000; i++) w32(m, 0x200000 + i * 4, i * 0x01010101);
    m.cpu.cr3 = PD;
    m.cpu.cr0 |= Cr0.PG;
    m.cpu.flushTlbAll();
    runUntilHalt(m.cpu, 100_000);
    expect(m.shutdowns).toEqual([]);
    expect(m.cpu.eip >>> 0).toBe(CODE + 18);
    for (let i = 0; i < 3000; i += 7) expect(r32(m, 0x300000 + i * 4)).toBe((i * 0x01010101) >>> 0);
    // 3 source pages + 3 destination pages were faulted in
    expect(r32(m, 0x9000)).toBe(6);
    expect(m.cpu.reg32[1]).toBe(0);
  });
});

describe('data breakpoints', () => {
  it('a write breakpoint traps after the writing instruction; reads do not trigger it', () => {
    // mov eax, 0x5004 ; mov dr1, eax ; mov eax, 0x001d0004 (L1, R/W=01 write, LEN=11 4 bytes) ; mov dr7, eax
    // mov ebx, [0x5004] ; mov [0x5006], bx ; nop
    const d = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
    const m = setup([
      0xb8, ...d(0x5004), 0x0f, 0x23, 0xc8, 0xb8, ...d(0x00d00004), 0x0f, 0x23, 0xf8,
      0x8b, 0x1d, ...d(0x5004), 0x66, 0x89, 0x1d, ...d(0x5006), 0x90,
    ]);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(1);
    expect(r32(m, STACK0 - 12)).toBe(CODE + 29); // trap: EIP after the 16-bit store, not after the read
    expect(m.cpu.dr[6]! & 0xf).toBe(2);
  });
});

describe('alignment check', () => {
  it('#AC at CPL 3 with CR0.AM and EFLAGS.AC, for misaligned data only', () => {
    // ring 3 with EFLAGS.AC: mov ds from 0x23 ; mov eax, [0x5000] (aligned) ; mov ebx, [0x5002] (misaligned) -> #AC
    const m = setup(toRing3(0x40202), [0x66, 0xb8, 0x23, 0x00, 0x8e, 0xd8, 0xa1, 0, 0x50, 0, 0, 0x8b, 0x1d, 2, 0x50, 0, 0]);
    m.cpu.cr0 |= 0x40000;
    w32(m, 0x5000, 0x12345678);
    runUntilHalt(m.cpu, 100);
    expect(vectorHit(m.cpu)).toBe(17);
    expect(r32(m, STACK0 - 20)).toBe(USER + 11);
    expect(r32(m, STACK0 - 24)).toBe(0); // error code
  });
});

describe('big real mode', () => {
  it('segment limits loaded in protected mode survive the return to real mode', () => {
    const m = createTestMachine({ ramSize: 0x400000 });
    seg(m, 0x08, 0, 0xffff, 0x009b); // 16-bit code
    seg(m, 0x10, 0, 0xfffff, 0x8093); // 4 GiB data
    m.memory.write16(0x0f00, 0x17);
    m.memory.write32(0x0f02, GDT);
    const cpu = m.cpu;
    for (const s of [0, 1, 2, 3]) cpu.setRealSegmentCache(s, 0, 0, 0xffff, s === 1 ? 0x9b : 0x93);
    cpu.eip = 0x7c00;
    // lgdt ; cr0.PE=1 ; mov ax,0x10 ; mov ds,ax ; cr0.PE=0 ; xor ax,ax ; mov ds,ax ; mov dword [ds:0x200000] (a32), 0x55aa ; hlt
    loadBytes(m.memory, 0x7c00, [0x0f, 0x01, 0x16, 0x00, 0x0f, 0x0f, 0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0,
      0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x24, 0xfe, 0x0f, 0x22, 0xc0, 0x31, 0xc0, 0x8e, 0xd8,
      0x67, 0x66, 0xc7, 0x05, 0x00, 0x00, 0x20, 0x00, 0xaa, 0x55, 0x00, 0x00, 0xf4]);
    runUntilHalt(cpu, 100);
    expect(m.shutdowns).toEqual([]);
    expect(cpu.cr0 & 1).toBe(0);
    expect(r32(m, 0x200000)).toBe(0x55aa);
  });
});
