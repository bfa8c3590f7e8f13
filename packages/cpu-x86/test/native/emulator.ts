/**
 * Runs cases in @vm/cpu-x86: one CPU on a 2 MiB RAM machine, put in flat
 * 32-bit protected mode at CPL 0 (GDT with flat code/data descriptors, an IDT
 * whose 32 exception gates each lead to a HLT), with the code and data area
 * at the same linear addresses as natively (by default with paging on, through
 * an identity-mapped 4 KiB page table, so the page walk and the TLB are part
 * of what is tested; the data area straddles a page boundary). A case runs
 * from CODE_ADDR until
 * the HLT placed after its code; a fault ends in the vector's HLT, and the
 * faulting EIP and EFLAGS are read from the exception frame.
 */
import { ManualClock, RamGuestMemory, TestPortBus } from '@vm/bus/test';
import type { CpuPlatform } from '@vm/bus';
import { Cpu, type CpuOptions } from '../../src/cpu.js';
import { FloatingPointUnit } from '../../src/fpu/index.js';
import { installSimd } from '../../src/simd/index.js';
import { CODE_ADDR, DATA_ADDR, DATA_SIZE, type NativeCase } from './case.js';
import { NO_EXCEPTION, type CaseResult } from './vectors.js';

const RAM_SIZE = 2 << 20;
const GDT = 0x1000;
const IDT = 0x2000;
const HANDLERS = 0x3000; // 16 bytes per vector
const PAGE_DIR = 0x4000;
const PAGE_TABLE = 0x5000; // maps the first 4 MiB
const STACK_TOP = 0x80000;
const VECTORS = 32;
/** Instruction budget per case; generous for REP strings and loops. */
const BUDGET = 1_000_000;

/** Vectors that push an error code (SDM vol. 3, table 6-1). */
const HAS_ERROR = new Set([8, 10, 11, 12, 13, 14, 17]);

// Descriptor attribute bits (descriptor bytes 5-6).
const P = 0x80, S = 0x10, CODE = 0x08, RW = 0x02, ACC = 0x01, DB = 0x4000, G = 0x8000;

/** The emulator side of the differential suite. */
export class EmulatorRunner {
  readonly cpu: Cpu;
  readonly memory: RamGuestMemory;
  /** CPUID.1:EDX as the emulated CPU reports it. */
  readonly features: number;
  private readonly buf = new Uint8Array(DATA_SIZE);

  /**
   * @param options CPU options; `fpu` defaults to a {@link FloatingPointUnit} with MMX/SSE/SSE2 installed
   * @param paging run with paging enabled (identity map), default true
   */
  constructor(options: CpuOptions = {}, paging = true) {
    this.memory = new RamGuestMemory(RAM_SIZE);
    const platform: CpuPlatform = {
      memory: this.memory,
      io: new TestPortBus(),
      interrupts: { acknowledge: () => 0xff },
      clock: new ManualClock(),
      shutdown: () => undefined,
    };
    const unit = new FloatingPointUnit();
    installSimd(unit);
    this.cpu = new Cpu(platform, { fpu: unit, ...options });
    this.enterFlatProtectedMode(paging);
    this.features = this.cpuidEdx();
  }

  private enterFlatProtectedMode(paging: boolean): void {
    const mem = this.memory;
    const cpu = this.cpu;
    // GDT: null, 0x08 flat 32-bit code, 0x10 flat 32-bit data.
    const desc = (at: number, ar: number): void => {
      mem.write32(at, 0x0000ffff);
      mem.write32(at + 4, (0x000f0000 | ((ar & 0xf0ff) << 8)) >>> 0);
    };
    desc(GDT + 8, P | S | CODE | RW | ACC | DB | G);
    desc(GDT + 16, P | S | RW | ACC | DB | G);
    // IDT: 32-bit interrupt gates to HLTs.
    for (let v = 0; v < VECTORS; v++) {
      const h = HANDLERS + v * 16;
      mem.write32(IDT + v * 8, ((0x08 << 16) | (h & 0xffff)) >>> 0);
      mem.write32(IDT + v * 8 + 4, ((h & 0xffff0000) | 0x8e00) >>> 0);
      mem.write8(h, 0xf4);
    }
    cpu.cr0 = (cpu.cr0 | 0x1 | 0x2 | 0x20) & ~(0x4 | 0x8); // PE, MP, NE; no EM, no TS
    cpu.cr4 |= 0x200 | 0x400; // OSFXSR, OSXMMEXCPT
    cpu.gdtBase = GDT;
    cpu.gdtLimit = 23;
    cpu.idtBase = IDT;
    cpu.idtLimit = VECTORS * 8 - 1;
    for (let s = 0; s < 6; s++) {
      if (s === 1) cpu.setRealSegmentCache(1, 0x08, 0, 0xffffffff, P | S | CODE | RW | ACC | DB | G);
      else cpu.setRealSegmentCache(s, 0x10, 0, 0xffffffff, P | S | RW | ACC | DB | G);
    }
    if (paging) {
      mem.write32(PAGE_DIR, PAGE_TABLE | 7); // present, writable, user
      // Identity-map only what is used: the system tables and handlers, the
      // stack, the code and data pages. Everything else is not present, as
      // it is unmapped in the host process, so a stray access faults in both.
      const present = (i: number): boolean =>
        (i >= GDT >>> 12 && i <= PAGE_TABLE >>> 12) || (i >= (STACK_TOP >>> 12) - 4 && i < STACK_TOP >>> 12) || (i >= CODE_ADDR >>> 12 && i <= (DATA_ADDR + DATA_SIZE - 1) >>> 12);
      for (let i = 0; i < 1024; i++) mem.write32(PAGE_TABLE + i * 4, present(i) ? ((i << 12) | 7) >>> 0 : 0);
      cpu.cr3 = PAGE_DIR;
      cpu.cr0 |= 0x80000000 | 0x10000; // PG, WP
    }
    cpu.cpl = 0;
    cpu.setCplTables();
    cpu.flushTlbAll();
  }

  /** Run CPUID leaf 1 in the emulator and return EDX. */
  private cpuidEdx(): number {
    const code = Uint8Array.of(0x0f, 0xa2); // cpuid
    const r = this.exec(code, Uint32Array.of(1, 0, 0, 0, 0, 0, 0, 0), 2);
    return r.exception === NO_EXCEPTION ? (r.regs[2] as number) : 0;
  }

  /** Run one case. */
  run(c: NativeCase): CaseResult {
    this.memory.write(DATA_ADDR, c.data);
    return this.exec(c.code, c.regs, c.eflags);
  }

  private exec(code: Uint8Array, regs: Uint32Array, eflags: number): CaseResult {
    const cpu = this.cpu;
    const mem = this.memory;
    mem.write(CODE_ADDR, code);
    mem.write8(CODE_ADDR + code.length, 0xf4); // hlt
    for (let r = 0; r < 8; r++) cpu.reg32[r] = (regs[r] as number) | 0;
    cpu.reg32[4] = STACK_TOP;
    cpu.eip = CODE_ADDR;
    cpu.setFlags(eflags & ~0x200);
    cpu.runState = 0;
    let exception = NO_EXCEPTION;
    let eip = CODE_ADDR + code.length;
    for (let i = 0; i < 4 && cpu.runState === 0; i++) cpu.run(BUDGET);
    const out = new Uint32Array(8);
    for (let r = 0; r < 8; r++) out[r] = r === 4 ? 0 : (cpu.reg32[r] as number) >>> 0;
    let fl = cpu.getFlags() >>> 0;
    const at = cpu.eip >>> 0;
    if (cpu.runState === 0) {
      exception = 0x100; // did not finish: reported as a pseudo-exception
      eip = at;
    } else if (cpu.runState === 2) {
      exception = 0x101; // shutdown (triple fault)
      eip = at;
    } else if (at === CODE_ADDR + code.length + 1) {
      // ran to the end
    } else if (at > HANDLERS && at <= HANDLERS + VECTORS * 16 && (at - HANDLERS - 1) % 16 === 0) {
      exception = (at - HANDLERS - 1) / 16;
      let sp = cpu.reg32[4]! >>> 0;
      if (HAS_ERROR.has(exception)) sp += 4;
      eip = mem.read32(sp);
      fl = mem.read32(sp + 8);
    } else {
      exception = 0x102; // stopped somewhere else
      eip = at;
    }
    mem.read(DATA_ADDR, this.buf);
    return { exception, regs: out, eflags: fl, eip, data: this.buf.slice() };
  }
}
