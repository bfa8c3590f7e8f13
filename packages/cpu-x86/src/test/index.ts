/**
 * `@vm/cpu-x86/test`: helpers for tests that drive the CPU alone on plain
 * RAM (the native differential harness, unit tests, examples).
 *
 * @packageDocumentation
 */

import type { CpuPlatform } from '@vm/bus';
import { ManualClock, RamGuestMemory, TestPortBus } from '@vm/bus/test';
import { Cpu, type CpuOptions } from '../cpu.js';
import { Ar, Cr0 } from '../constants.js';
import { loadSegmentRaw } from '../protected.js';

/** A CPU on RAM-only memory with the pieces a test inspects. */
export interface TestMachine {
  /** The CPU. */
  cpu: Cpu;
  /** Its memory (RAM from address 0). */
  memory: RamGuestMemory;
  /** The port bus (register fake devices here). */
  io: TestPortBus;
  /** The clock behind RDTSC. */
  clock: ManualClock;
  /** Vectors acknowledged through INTR are taken from this queue (0xff when empty). */
  pendingVectors: number[];
  /** Reasons passed to `platform.shutdown` (triple faults). */
  shutdowns: string[];
}

/** Options of {@link createTestMachine}. */
export interface TestMachineOptions extends CpuOptions {
  /** RAM size in bytes (default 1 MiB plus 64 KiB, so real-mode code at F000:FFF0 has RAM). */
  ramSize?: number;
}

/** Build a CPU on plain RAM, at its power-on state. */
export function createTestMachine(options: TestMachineOptions = {}): TestMachine {
  const memory = new RamGuestMemory(options.ramSize ?? 0x110000);
  const io = new TestPortBus();
  const clock = new ManualClock();
  const pendingVectors: number[] = [];
  const shutdowns: string[] = [];
  const platform: CpuPlatform = {
    memory,
    io,
    clock,
    interrupts: { acknowledge: () => pendingVectors.shift() ?? 0xff },
    shutdown: (reason) => {
      shutdowns.push(reason);
    },
  };
  const cpu = new Cpu(platform, options);
  return { cpu, memory, io, clock, pendingVectors, shutdowns };
}

/**
 * Build a CPU in real mode with `code` at `cs:ip` (default 0000:1000), all
 * data segments 0 and SP = 0xFFFE. The IVT at 0 is zero.
 */
export function createRealModeMachine(code: ArrayLike<number>, options: TestMachineOptions & { cs?: number; ip?: number } = {}): TestMachine {
  const m = createTestMachine(options);
  const cs = options.cs ?? 0;
  const ip = options.ip ?? 0x1000;
  setRealSegment(m.cpu, 1, cs);
  for (const s of [0, 2, 3, 4, 5]) setRealSegment(m.cpu, s, 0);
  m.cpu.eip = ip;
  m.cpu.reg32[4] = 0xfffe;
  loadBytes(m.memory, cs * 16 + ip, code);
  return m;
}

/** Copy bytes into guest-physical memory. */
export function loadBytes(memory: RamGuestMemory, addr: number, bytes: ArrayLike<number>): void {
  memory.write(addr, Uint8Array.from(bytes));
}

/** Set a segment register the way real mode does (base = selector * 16, 64 KiB limit). */
export function setRealSegment(cpu: Cpu, seg: number, sel: number): void {
  cpu.setRealSegmentCache(seg, sel, sel << 4, 0xffff, Ar.P | Ar.S | Ar.RW | Ar.ACCESSED | (seg === 1 ? Ar.CODE : 0));
}

/**
 * Put the CPU in flat 32-bit protected mode at CPL `cpl` without descriptor
 * tables: CS/SS/DS/ES/FS/GS with base 0 and 4 GiB limits (as after a
 * typical boot loader). Paging stays off. Useful for testing integer code.
 */
export function enterFlatProtectedMode(cpu: Cpu, cpl = 0): void {
  cpu.cr0 |= Cr0.PE;
  const dpl = cpl << 5;
  loadSegmentRaw(cpu, 1, 0x08 | cpl, 0, -1, 0xc09b | dpl, cpl);
  for (const s of [0, 2, 3, 4, 5]) loadSegmentRaw(cpu, s, 0x10 | cpl, 0, -1, 0xc093 | dpl, -1);
  cpu.modeChanged();
}

/** Named 32-bit general registers. */
export interface Regs32 {
  eax?: number; ecx?: number; edx?: number; ebx?: number; esp?: number; ebp?: number; esi?: number; edi?: number;
}

const NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;

/** Set general registers by name. */
export function setRegs(cpu: Cpu, regs: Regs32): void {
  NAMES.forEach((n, i) => {
    const v = regs[n];
    if (v !== undefined) cpu.reg32[i] = v;
  });
}

/** All general registers, unsigned, plus EIP and EFLAGS. */
export function getRegs(cpu: Cpu): Required<Regs32> & { eip: number; eflags: number } {
  const r = cpu.reg32;
  return {
    eax: r[0]! >>> 0, ecx: r[1]! >>> 0, edx: r[2]! >>> 0, ebx: r[3]! >>> 0,
    esp: r[4]! >>> 0, ebp: r[5]! >>> 0, esi: r[6]! >>> 0, edi: r[7]! >>> 0,
    eip: cpu.eip >>> 0, eflags: cpu.getFlags() >>> 0,
  };
}

/** Run until HLT (or `max` instructions); returns instructions retired. */
export function runUntilHalt(cpu: Cpu, max = 1_000_000): number {
  let n = 0;
  while (cpu.runState === 0 && n < max) {
    const r = cpu.run(Math.min(10_000, max - n));
    n += r;
    if (r === 0 && cpu.runState === 0) n++; // only events were delivered
  }
  return n;
}

/**
 * A small seeded pseudo-random generator (xorshift32) for reproducible
 * random programs and fuzz inputs: each call returns the next unsigned 32-bit value.
 */
export function xorshift(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}
