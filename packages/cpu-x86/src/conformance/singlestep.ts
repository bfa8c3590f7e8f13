/**
 * The single-step conformance runner: loads one test's initial state into a
 * {@link Cpu} on plain RAM, runs until the trailing HLT retires, and compares
 * registers, flags and memory by the harness rules of the SingleStepTests
 * 80286 real-mode vectors (see the data folder's README).
 *
 * Memory is compared exactly: every page the CPU wrote (seen through
 * `translateWrite`, the only way into the write TLB) is checked byte for byte
 * against the expected image, so a stray write anywhere is a failure.
 *
 * This module has no Node dependencies; `cli.ts` reads the files.
 *
 * @module
 */

import { RamGuestMemory, TestPortBus, ManualClock } from '@vm/bus/test';
import type { CpuPlatform, InterruptAcknowledge } from '@vm/bus';
import { Cpu, type CpuOptions } from '../cpu.js';
import { Ar } from '../constants.js';

/** Registers of a test state (16-bit values). */
export interface SingleStepRegs {
  ax?: number; bx?: number; cx?: number; dx?: number;
  cs?: number; ss?: number; ds?: number; es?: number;
  sp?: number; bp?: number; si?: number; di?: number;
  ip?: number; flags?: number;
}

/** One test vector. */
export interface SingleStepTest {
  idx?: number;
  name: string;
  bytes: number[];
  initial: { regs: SingleStepRegs; ram: [number, number][] };
  final: { regs: SingleStepRegs; ram: [number, number][] };
  exception?: { number: number; flag_address: number };
  hash?: string;
}

/** A failed comparison. */
export interface SingleStepFailure {
  /** Test index within its file (`idx`, or the array position). */
  idx: number;
  /** Disassembly from the vector. */
  name: string;
  /** What differed, e.g. `ax: got 0x1234 want 0x1235`. */
  diffs: string[];
  /** The exception vector this CPU raised executing the instruction under test (-1 none). */
  ourVector: number;
  /** Why the i686 differs from the 286 here, when a rule explains it (see {@link classify}). */
  reason: string | null;
}

const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] as const;
const SEGS = ['es', 'cs', 'ss', 'ds'] as const;

class RecordingRam extends RamGuestMemory {
  readonly dirty = new Set<number>();
  override translateWrite(addr: number): number {
    const r = super.translateWrite(addr);
    if (r >= 0) this.dirty.add(addr >>> 12);
    return r;
  }
  override write8(addr: number, value: number): void {
    this.dirty.add(addr >>> 12);
    super.write8(addr, value);
  }
}

/** Runs single-step vectors against one reused CPU. */
export class SingleStepRunner {
  private readonly mem = new RecordingRam(16 << 20);
  /** The CPU under test. */
  readonly cpu: Cpu;
  private readonly expected = new Map<number, number>();

  /** @param options CPU options (the engine under test) */
  constructor(options: CpuOptions = {}) {
    const io = new TestPortBus();
    const ack: InterruptAcknowledge = { acknowledge: () => 0xff };
    const platform: CpuPlatform = {
      memory: this.mem,
      io,
      interrupts: ack,
      clock: new ManualClock(),
      shutdown: () => {},
    };
    this.cpu = new Cpu(platform, options);
  }

  /**
   * Run one test. `flagsMask` is the opcode's `flags-mask` (undefined flags);
   * FLAGS bits 12-15 are always ignored. Returns null on success.
   */
  run(t: SingleStepTest, flagsMask: number, idx: number): SingleStepFailure | null {
    const f = this.runOnce(t, flagsMask, idx, false);
    if (f === null) return null;
    f.reason = classify(t, f, flagsMask);
    // A LOCK the i686 rejects hides the instruction's own result. When LOCK is the first byte
    // and no exception is expected, check the rest by running it with the LOCK byte turned
    // into a NOP (same length, no effect): if that differs too, the failure is not explained.
    if (f.reason === 'lock' && t.bytes[0] === 0xf0 && !t.exception && this.runOnce(t, flagsMask, idx, true) !== null) {
      f.reason = t.bytes.some((b) => b >= 0xd8 && b <= 0xdf) && /^lock f/.test(t.name) ? 'fpu' : null;
    }
    return f;
  }

  private runOnce(t: SingleStepTest, flagsMask: number, idx: number, lockAsNop: boolean): SingleStepFailure | null {
    const cpu = this.cpu;
    const ram = this.mem.ram;
    // clean pages dirtied by the previous test
    for (const p of this.mem.dirty) ram.fill(0, p << 12, (p + 1) << 12);
    this.mem.dirty.clear();
    cpu.reset();
    cpu.pendingVector = -1;
    const ir = t.initial.regs;
    for (const [a, v] of t.initial.ram) {
      ram[a] = v;
      this.mem.dirty.add(a >>> 12);
    }
    const lockAddr = ((ir.cs ?? 0) << 4) + (ir.ip ?? 0);
    if (lockAsNop) ram[lockAddr] = 0x90;
    for (let i = 0; i < 8; i++) cpu.reg16[i << 1] = ir[REG16[i]!] ?? 0;
    for (let s = 0; s < 4; s++) {
      const sel = ir[SEGS[s]!] ?? 0;
      cpu.setRealSegmentCache(s, sel, sel << 4, 0xffff, Ar.P | Ar.S | Ar.RW | Ar.ACCESSED | (s === 1 ? Ar.CODE : 0));
    }
    cpu.eip = ir.ip ?? 0;
    // FLAGS bits 12-15 do not exist in a 286's real mode: start with them clear
    cpu.setFlags((ir.flags ?? 2) & 0x0fff);
    let steps = 0;
    let firstVector = -1;
    while (cpu.runState === 0 && steps < 200) {
      cpu.step();
      if (steps === 0) firstVector = cpu.pendingVector;
      steps++;
    }
    const diffs: string[] = [];
    if (cpu.runState !== 1) diffs.push(`did not reach HLT (runState ${cpu.runState})`);
    const fr = t.final.regs;
    for (let i = 0; i < 8; i++) {
      const name = REG16[i]!;
      const want = fr[name] ?? ir[name] ?? 0;
      const got = cpu.reg16[i << 1]!;
      if (got !== want) diffs.push(`${name}: got 0x${got.toString(16)} want 0x${want.toString(16)}`);
    }
    for (let s = 0; s < 4; s++) {
      const name = SEGS[s]!;
      const want = fr[name] ?? ir[name] ?? 0;
      const got = cpu.segSel[s]!;
      if (got !== want) diffs.push(`${name}: got 0x${got.toString(16)} want 0x${want.toString(16)}`);
    }
    const wantIp = fr.ip ?? ir.ip ?? 0;
    if ((cpu.eip & 0xffff) !== wantIp || cpu.eip >>> 16 !== 0) diffs.push(`ip: got 0x${cpu.eip.toString(16)} want 0x${wantIp.toString(16)}`);
    const m = flagsMask & 0x0fff;
    const wantF = (fr.flags ?? ir.flags ?? 2) & m;
    const gotF = cpu.getFlags() & m;
    if (wantF !== gotF) diffs.push(`flags: got 0x${gotF.toString(16)} want 0x${wantF.toString(16)} (xor 0x${(wantF ^ gotF).toString(16)})`);
    // memory: exact over every page touched
    const exp = this.expected;
    exp.clear();
    for (const [a, v] of t.initial.ram) exp.set(a, v);
    for (const [a, v] of t.final.ram) exp.set(a, v);
    if (lockAsNop) exp.set(lockAddr, 0x90);
    for (const [a] of t.final.ram) this.mem.dirty.add(a >>> 12);
    for (const p of this.mem.dirty) {
      const base = p << 12;
      for (let a = base; a < base + 4096; a++) {
        const want = exp.get(a) ?? 0;
        if (ram[a] !== want) diffs.push(`ram[0x${a.toString(16)}]: got 0x${ram[a]!.toString(16)} want 0x${want.toString(16)}`);
      }
    }
    if (diffs.length === 0) return null;
    return { idx: t.idx ?? idx, name: t.name, diffs, ourVector: firstVector, reason: null };
  }
}

/** Per-opcode metadata from the folder's `metadata.json`. */
export interface OpcodeMeta {
  status?: string;
  'flags-mask'?: number;
  reg?: Record<string, OpcodeMeta>;
}

/** The `flags-mask` for a test file key like `F6.6` or `00` (0xffff when none). */
export function flagsMaskFor(meta: Record<string, OpcodeMeta>, key: string): number {
  const [op, reg] = key.split('.');
  const m = meta[op!];
  if (!m) return 0xffff;
  if (reg !== undefined && m.reg?.[reg]) return m.reg[reg]!['flags-mask'] ?? 0xffff;
  return m['flags-mask'] ?? 0xffff;
}

/** Reason codes for 80286 vs i686 differences (text in `conformance/known-differences.md`). */
export const REASONS = {
  lock: 'LOCK on an instruction that cannot be locked (or with a register destination) raises #UD on the 386 and later; the 286 ignores it',
  fpu: 'no x87 is attached: ESC opcodes raise #NM (the CR0.EM convention for a missing FPU); the 286 without a 287 treats them as no-ops',
  length: 'the 286 raises #GP for instructions longer than 10 bytes; the 386 and later allow 15',
  undefinedFlagsPushed: 'the FLAGS image pushed by the exception holds flags the instruction leaves undefined (masked in FLAGS but not in RAM)',
  fsgs: 'FS and GS exist on the 386 and later (MOV Sreg 4/5); the 286 raises #UD',
  offsetWrap: 'a word access at offset 0xFFFF exceeds the 64 KiB segment limit: the 386 and later raise #GP/#SS; the 286 completes it',
  ssFault: 'a stack-segment limit violation raises #SS (12) on the 386 and later; the 286 raises #GP (13)',
  faultState: 'on a #GP for a word access at offset 0xFFFF the 286 has already updated SI/DI/CX (string instructions) or SP (POP r/m); the 386 and later fault with the state at the start of the instruction',
  aamZero: 'AAM 0: the 286 updates SF/ZF/PF before raising #DE; the 386 and later leave FLAGS unchanged',
  divOverflow: 'IDIV quotient range: the 286 raises #DE for the most negative quotient (-128/-32768), the 386 and later return it',
} as const;

/** A {@link REASONS} key. */
export type ReasonCode = keyof typeof REASONS;

const LOCKABLE_MEM = /^lock (add|or|adc|sbb|and|sub|xor|xchg|not|neg|inc|dec) (byte |word )?\[/;

/** Explain a failure by a known 286/i686 difference, or return null. */
export function classify(t: SingleStepTest, f: SingleStepFailure, flagsMask: number): ReasonCode | null {
  const b = t.bytes;
  let i = 0;
  while (i < b.length && [0x26, 0x2e, 0x36, 0x3e, 0xf0, 0xf2, 0xf3].includes(b[i]!)) i++;
  const op = b[i]!;
  const modrm = b[i + 1] ?? 0;
  if (b.includes(0xf0) && b.indexOf(0xf0) < i && !LOCKABLE_MEM.test(t.name)) return 'lock';
  if (op >= 0xd8 && op <= 0xdf) return 'fpu';
  if (b.length - 1 > 10 && t.exception?.number === 13) return 'length';
  if ((op === 0x8c || op === 0x8e) && ((modrm >> 3) & 7) >= 4) return 'fsgs';
  if (t.exception && f.ourVector === t.exception.number && flagsMask !== 0xffff) {
    // only the pushed FLAGS word may differ: at flag_address (flag_address + 1 with an odd SP)
    const fa = t.exception.flag_address;
    const near = [fa, fa + 1, fa + 2].map((a) => `ram[0x${a.toString(16)}]`);
    if (f.diffs.every((d) => near.some((n) => d.startsWith(n)))) return 'undefinedFlagsPushed';
  }
  if (op === 0xd4 && b[i + 1] === 0 && f.ourVector === 0) return 'aamZero';
  if (t.exception?.number === 13 && f.ourVector === 13 && ((op >= 0xa4 && op <= 0xaf) || (op >= 0x6c && op <= 0x6f) || op === 0x8f)) return 'faultState';
  if (f.ourVector === 12 && t.exception?.number === 13) return 'ssFault';
  if ((f.ourVector === 12 || f.ourVector === 13) && !t.exception) return 'offsetWrap';
  if ((op === 0xf6 || op === 0xf7) && ((modrm >> 3) & 7) === 7 && t.exception?.number === 0 && f.ourVector !== 0) return 'divOverflow';
  return null;
}
