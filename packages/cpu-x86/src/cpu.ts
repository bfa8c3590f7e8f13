/**
 * The i686 integer core: register file, lazy flags, segment caches, the
 * software TLB and paging unit, exception delivery and the run loop.
 *
 * Instruction semantics live in `ops/*.ts` as functions over this state
 * (`(cpu) => void`, operands already decoded into the `cpu.modrm` / `cpu.ea*`
 * / `cpu.imm` fields), so an interpreter and a later block translator share
 * them. Protected-mode control transfers live in `protected.ts`.
 *
 * @module
 */

import type { CpuPlatform, CpuRunState, VCpu } from '@vm/bus';
import type { GuestMemory, MappingListener } from '@vm/bus';
import type { IrqLine } from '@vm/bus';
import { ARITH_FLAGS, Ar, AR_UNUSABLE, Cr0, Cr4, Flag, LazyOp, PARITY, R8, Vec } from './constants.js';
import { FAULT } from './fault.js';
import type { FpuUnit } from './fpu-hook.js';
import { DECODE, OPS, D_MODRM, D_MODRM_REG, D_IMM_MASK, D_IB, D_IW, D_IV, D_IVW, D_ENTER, D_FAR, D_MOFFS, D_GRP3, lockAllowed } from './ops/table.js';
import { deliverProtected, loadSegment } from './protected.js';
import { CPU_STATE_NAME, CPU_STATE_VERSION, restoreCpu, snapshotCpu } from './snapshot.js';
import { codeGenerationAllowed, Translator, type TranslatorOptions, type TranslatorStats } from './jit/translator.js';
import type { DeviceState, Snapshotable } from '@vm/bus';

/** Options of a {@link Cpu}. */
export interface CpuOptions {
  /** Set CPUID.1:ECX bit 31 and answer leaf 0x40000000 (default false). */
  hypervisor?: boolean;
  /** The 12-character hypervisor vendor string of leaf 0x40000000 (default "VMwareVMware"). */
  hypervisorVendor?: string;
  /** The x87/MMX/SSE unit, or null for a CPU without one (default null). */
  fpu?: FpuUnit | null;
  /** Time-stamp counter rate in Hz, against the platform clock (default 1 GHz). */
  tscHz?: number;
  /** Advertise an on-chip local APIC (CPUID.1:EDX.APIC, IA32_APIC_BASE); the platform supplies it (default false). */
  apic?: boolean;
  /**
   * Execution engine: `'translator'` compiles hot blocks to JavaScript (falling back to the
   * interpreter where code generation is not allowed), `'interpreter'` decodes every
   * instruction (default `'translator'`).
   */
  engine?: 'translator' | 'interpreter';
  /** Tuning of the block translator (tests use threshold 0 and small blocks). */
  translator?: TranslatorOptions;
}

const PAGES = 1 << 20;
/** Nonzero for prefix bytes. */
const PREFIX = new Uint8Array(256);
for (const p of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) PREFIX[p] = 1;
// Pages a flush can clear one by one; beyond this (256 MiB of mappings) a flush clears the whole tables.
const TLB_LIST_MAX = 65536;
class CpuIrqLine implements IrqLine {
  constructor(
    private readonly cpu: Cpu,
    private readonly isNmi: boolean,
  ) {}
  raise(): void {
    this.set(true);
  }
  lower(): void {
    this.set(false);
  }
  pulse(): void {
    this.set(true);
    this.set(false);
  }
  set(level: boolean): void {
    if (this.isNmi) {
      if (level && !this.cpu.nmiLevel) this.cpu.nmiPending = true;
      this.cpu.nmiLevel = level;
    } else this.cpu.intrLevel = level;
    // a device may raise it from inside a translated region (an MMIO access): leave it
    if (level) this.cpu.jitStop = true;
  }
}

/**
 * One i686 processor (integer unit, segmentation, paging, exceptions, task
 * switching, virtual-8086 mode). Implements the machine-facing {@link VCpu}.
 *
 * Registers and state are public fields so tests, the debugger and a block
 * translator can reach them without calls; use {@link getFlags}/{@link setFlags}
 * for EFLAGS (the arithmetic flags are computed lazily) and
 * {@link loadSegment}-style setters for segment registers.
 */
export class Cpu implements VCpu, MappingListener, Snapshotable {
  /** @inheritDoc */
  readonly stateName = CPU_STATE_NAME;
  /** @inheritDoc */
  readonly stateVersion = CPU_STATE_VERSION;
  /** @inheritDoc */
  readonly intr: IrqLine;
  /** @inheritDoc */
  readonly nmi: IrqLine;
  /** @inheritDoc */
  runState: CpuRunState = 0;
  /** @inheritDoc */
  retired = 0;
  /** The platform this CPU runs in. */
  readonly platform: CpuPlatform;
  /** Guest-physical memory. */
  readonly memory: GuestMemory;
  /** The machine-page pool (`memory.ram`), indexed by TLB host offsets. */
  readonly ram: Uint8Array;
  /** Options. */
  readonly options: Required<Omit<CpuOptions, 'fpu' | 'translator'>> & { fpu: FpuUnit | null };
  /** The block translator, or null when the interpreter runs alone. */
  readonly jit: Translator | null;
  /**
   * Set when a write invalidated translated code, an interrupt line rose or an
   * exit was requested: a running region leaves after the current instruction,
   * so the dispatcher sees the event where the interpreter would.
   */
  jitStop = false;
  /** Set by a translated region when it faults: index of the block it was in. @internal */
  jitBi = 0;
  /** Set by a translated region when it faults: instructions it retired before the faulting block. @internal */
  jitN = 0;
  /** Set by a translated region when it faults: EIP of the faulting instruction. @internal */
  jitP = 0;
  /**
   * Set by a translated region on every return: 0; the instructions left in
   * its block when it left at a memory slow path (the dispatcher interprets
   * them, from the instruction that took the slow path); or -1 when it left
   * after an instruction run by the interpreter's code, which may have changed
   * the mode, the CPL or the debug state. @internal
   */
  jitRest = 0;

  /** EAX..EDI (ModRM order). */
  readonly reg32 = new Int32Array(8);
  /** 16-bit views: `reg16[r << 1]` is the low word of `reg32[r]`. */
  readonly reg16 = new Uint16Array(this.reg32.buffer);
  /** 8-bit views: use {@link R8} to map AL..BH to indices. */
  readonly reg8 = new Uint8Array(this.reg32.buffer);
  /** Instruction pointer (offset in CS). */
  eip = 0;
  /** EFLAGS, except the arithmetic flags named by {@link lzOp} (see {@link getFlags}). */
  flags = 2;
  /** Lazy flags: the last arithmetic operation ({@link LazyOp}), or NONE when `flags` is exact. */
  lzOp = 0;
  /** Lazy flags: operand size in bits (8, 16, 32). */
  lzSize = 8;
  /** Lazy flags: first operand (masked to size). */
  lzDst = 0;
  /** Lazy flags: second operand (masked to size). */
  lzSrc = 0;
  /** Lazy flags: result (masked to size). */
  lzRes = 0;

  /** Segment selectors (ES CS SS DS FS GS LDTR TR). */
  readonly segSel = new Int32Array(8);
  /** Segment base addresses (after writing CS directly, call {@link invalidateFetch}). */
  readonly segBase = new Int32Array(8);
  /** Segment limits (byte granular, unsigned in an int). */
  readonly segLimit = new Int32Array(8);
  /** Segment attributes: descriptor bytes 5-6 ({@link Ar}) plus {@link AR_UNUSABLE}. */
  readonly segAr = new Int32Array(8);
  /** Fast-path bound: highest offset a 1-4 byte read may start at without the slow check, or -1. */
  readonly segRdMax = new Float64Array(8);
  /** Like {@link segRdMax} for writes. */
  readonly segWrMax = new Float64Array(8);
  /** Current privilege level. */
  cpl = 0;
  /** CS default size is 32-bit (CS.D), 0 or 1. */
  csD = 0;
  /** SS is a 32-bit stack (SS.B), 0 or 1. */
  ssB = 0;

  /** Control registers. */
  cr0 = 0x60000010;
  /** CR2 (page-fault linear address). */
  cr2 = 0;
  /** CR3 (page directory base). */
  cr3 = 0;
  /** CR4. */
  cr4 = 0;
  /** DR0..DR7 (DR4/DR5 alias DR6/DR7). */
  readonly dr = new Int32Array(8);
  /** GDTR base. */
  gdtBase = 0;
  /** GDTR limit. */
  gdtLimit = 0xffff;
  /** IDTR base. */
  idtBase = 0;
  /** IDTR limit. */
  idtLimit = 0xffff;
  /** IA32_SYSENTER_CS. */
  sysenterCs = 0;
  /** IA32_SYSENTER_ESP. */
  sysenterEsp = 0;
  /** IA32_SYSENTER_EIP. */
  sysenterEip = 0;
  /** IA32_APIC_BASE. */
  apicBase = 0xfee00900 | 0;
  /** TSC = clock-derived count + this offset (WRMSR 0x10 adjusts it). */
  tscOffset = 0;
  /** A20 gate: physical address mask applied at TLB refill. */
  a20Mask = -1;

  // ---- software TLB ----
  /** Supervisor read TLB: linear page -> host offset of the page in {@link ram}, -1 = slow path. */
  readonly tlbR = new Int32Array(PAGES).fill(-1);
  /** Supervisor write TLB. */
  readonly tlbW = new Int32Array(PAGES).fill(-1);
  /** User-mode (CPL 3) read TLB. */
  readonly tlbRU = new Int32Array(PAGES).fill(-1);
  /** User-mode write TLB. */
  readonly tlbWU = new Int32Array(PAGES).fill(-1);
  /** An always-empty table: the current tables while alignment checking is on (every access takes the slow path). */
  private readonly tlbMiss = new Int32Array(PAGES).fill(-1);
  /** Alignment checking is active: CR0.AM, EFLAGS.AC and CPL 3 (SDM vol. 3, 6.15 #AC). */
  acActive = false;
  /** The read table for the current CPL. */
  rdTab: Int32Array;
  /** The write table for the current CPL. */
  wrTab: Int32Array;
  /** Physical page of each linear page's TLB entry (valid while an entry is >= 0). */
  readonly tlbPhys = new Int32Array(PAGES);
  private readonly tlbGlobal = new Uint8Array(PAGES);
  private readonly tlbListed = new Uint8Array(PAGES);
  private readonly tlbList = new Int32Array(TLB_LIST_MAX);
  private tlbCount = 0;
  /** Code-fetch window: EIP at its start, its length in bytes (0 = empty) and host offset. */
  private fetchEip0 = 0;
  private fetchLen = 0;
  private fetchHost = 0;

  // ---- decoded instruction ----
  /** EIP at the start of the current instruction. */
  opStart = 0;
  /** ESP at the start of the current instruction (restored on a fault). */
  espStart = 0;
  /** Operand size is 32-bit for this instruction (0/1). */
  os32 = 0;
  /** Address size is 32-bit for this instruction (0/1). */
  as32 = 0;
  /** Segment override (-1 none). */
  segOvr = -1;
  /** REP prefix: 0, 0xF2 (REPNE) or 0xF3 (REP/REPE). */
  rep = 0;
  /** LOCK prefix seen. */
  lockPfx = 0;
  /** The mandatory-prefix candidate for SIMD opcodes (last of 66/F2/F3, 0 if none). */
  simdPrefix = 0;
  /** Opcode: 0..0xff, or 0x100 | byte for the 0F map. */
  opcode = 0;
  /** The ModRM byte (-1 when the opcode has none). */
  modrm = 0;
  /** Effective-address segment. */
  eaSeg = 3;
  /** Effective-address offset (masked to the address size). */
  eaOff = 0;
  /** The effective address has ESP as its base register (POP r/m adjusts it). */
  eaUsesEsp = 0;
  /** First immediate. */
  imm = 0;
  /** Second immediate (ENTER level, far pointer selector). */
  imm2 = 0;

  // ---- events ----
  /** INTR input level. */
  intrLevel = false;
  /** NMI input level (edge detection). */
  nmiLevel = false;
  /** An NMI edge is latched. */
  nmiPending = false;
  /** NMIs are blocked until the next IRET. */
  nmiBlocked = false;
  /** Interrupts are inhibited for one instruction (after MOV SS, POP SS, STI). */
  shadow = false;
  /** The host asked {@link run} to return (see {@link requestExit}). */
  exitRequested = false;
  /** Vector of the exception being raised. */
  pendingVector = 0;
  /** Its error code, or -1 when it has none. */
  pendingError = -1;
  /** Set by an instruction to end the current slice after it retires (mode switch, HLT). */
  breakLoop = false;
  /** DR7 enables at least one instruction breakpoint (recomputed on DR7 writes). */
  bpExec = false;
  /** DR0-3 that are enabled data breakpoints (bit i = DRi), see {@link setDr7}. */
  bpDataMask = 0;
  /** Data breakpoints hit by the current instruction (DR6 B0-B3 bits), delivered as a trap. */
  bpHit = 0;
  /** Why the CPU shut down (triple fault), for diagnostics. */
  shutdownReason = '';

  constructor(platform: CpuPlatform, options: CpuOptions = {}) {
    this.platform = platform;
    this.memory = platform.memory;
    this.ram = platform.memory.ram;
    this.options = {
      hypervisor: options.hypervisor ?? false,
      hypervisorVendor: options.hypervisorVendor ?? 'VMwareVMware',
      fpu: options.fpu ?? null,
      tscHz: options.tscHz ?? 1e9,
      apic: options.apic ?? false,
      engine: options.engine ?? 'translator',
    };
    this.intr = new CpuIrqLine(this, false);
    this.nmi = new CpuIrqLine(this, true);
    this.rdTab = this.tlbR;
    this.wrTab = this.tlbW;
    this.jit = this.options.engine === 'translator' && codeGenerationAllowed() ? new Translator(this, options.translator) : null;
    this.memory.addMappingListener(this);
    this.reset();
  }

  /** @inheritDoc */
  reset(): void {
    this.reg32.fill(0);
    this.reg32[2] = 0x633; // EDX = family 6, model 3, stepping 3 (SDM 9.1.4)
    this.flags = 2;
    this.lzOp = 0;
    this.eip = 0xfff0;
    for (let s = 0; s < 6; s++) this.setRealSegmentCache(s, 0, 0, 0xffff, Ar.P | Ar.S | Ar.RW | Ar.ACCESSED);
    this.setRealSegmentCache(1, 0xf000, 0xffff0000 | 0, 0xffff, Ar.P | Ar.S | Ar.CODE | Ar.RW | Ar.ACCESSED);
    this.setRealSegmentCache(6, 0, 0, 0xffff, 0x82);
    this.setRealSegmentCache(7, 0, 0, 0xffff, 0x8b);
    this.cpl = 0;
    this.csD = 0;
    this.ssB = 0;
    this.cr0 = 0x60000010;
    this.cr2 = 0;
    this.cr3 = 0;
    this.cr4 = 0;
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0 | 0;
    this.dr[7] = 0x400;
    this.bpExec = false;
    this.bpDataMask = 0;
    this.bpHit = 0;
    this.gdtBase = 0;
    this.gdtLimit = 0xffff;
    this.idtBase = 0;
    this.idtLimit = 0xffff;
    this.sysenterCs = 0;
    this.sysenterEsp = 0;
    this.sysenterEip = 0;
    this.apicBase = 0xfee00900 | 0;
    this.tscOffset = -this.clockTsc();
    this.runState = 0;
    this.nmiPending = false;
    this.nmiBlocked = false;
    this.shadow = false;
    this.shutdownReason = '';
    this.options.fpu?.reset();
    this.setCplTables();
    this.flushTlbAll();
    this.jit?.flush();
  }

  /** Translator counters (cache size, hit rate), or null when the interpreter runs alone. */
  get jitStats(): TranslatorStats | null {
    return this.jit === null ? null : this.jit.stats;
  }

  /** Set a segment cache directly (tests, reset, real mode). */
  setRealSegmentCache(seg: number, sel: number, base: number, limit: number, ar: number): void {
    this.segSel[seg] = sel & 0xffff;
    this.segBase[seg] = base | 0;
    this.segLimit[seg] = limit | 0;
    this.segAr[seg] = ar;
    this.updateSegFast(seg);
  }

  /** Recompute the fast-path bounds of segment `seg` after its cache changed. */
  updateSegFast(seg: number): void {
    const ar = this.segAr[seg]!;
    const lim = this.segLimit[seg]! >>> 0;
    let rd = -1;
    let wr = -1;
    if ((ar & AR_UNUSABLE) === 0 && lim >= 3 && (ar & (Ar.CODE | Ar.DC)) !== Ar.DC) {
      // expand-up data or code
      const max = lim - 3;
      if ((ar & Ar.CODE) === 0 || (ar & Ar.RW) !== 0) rd = max;
      if ((ar & Ar.CODE) === 0 && (ar & Ar.RW) !== 0) wr = max;
    }
    if ((this.cr0 & Cr0.PE) === 0 && seg < 6) {
      // real mode: no type checks, only the limit
      rd = wr = lim >= 3 ? lim - 3 : -1;
    }
    this.segRdMax[seg] = rd;
    this.segWrMax[seg] = wr;
    if (seg === 1) this.fetchLen = 0;
    if (seg === 1) this.csD = (ar & Ar.DB) !== 0 && (this.cr0 & Cr0.PE) !== 0 && (this.flags & Flag.VM) === 0 ? 1 : 0;
    if (seg === 2) this.ssB = (ar & Ar.DB) !== 0 && (this.cr0 & Cr0.PE) !== 0 && (this.flags & Flag.VM) === 0 ? 1 : 0;
  }

  /** Forget the code-fetch window (CS base or the code mapping changed). */
  invalidateFetch(): void {
    this.fetchLen = 0;
  }

  /** True in protected mode outside virtual-8086 mode. */
  isProtected(): boolean {
    return (this.cr0 & Cr0.PE) !== 0 && (this.flags & Flag.VM) === 0;
  }

  // ------------------------------------------------------------------ flags

  /** EFLAGS with the lazy arithmetic flags folded in. */
  getFlags(): number {
    if (this.lzOp !== 0) this.materialize();
    return this.flags;
  }

  /** Replace EFLAGS (all bits; bit 1 forced on, reserved bits cleared). */
  setFlags(v: number): void {
    this.lzOp = 0;
    const old = this.flags;
    this.flags = (v & 0x3f7fd5) | 2;
    if (((old ^ this.flags) & Flag.VM) !== 0) this.modeChanged();
    else if (((old ^ this.flags) & Flag.AC) !== 0) this.setCplTables();
  }

  private materialize(): void {
    const op = this.lzOp;
    const size = this.lzSize;
    const res = this.lzRes;
    const dst = this.lzDst;
    const src = this.lzSrc;
    const sb = size - 1;
    let f = PARITY[res & 0xff]! | (res === 0 ? Flag.ZF : 0) | ((res >>> sb) & 1 ? Flag.SF : 0);
    switch (op) {
      case LazyOp.ADD:
        f |= (res >>> 0 < dst >>> 0 ? Flag.CF : 0) | ((dst ^ src ^ res) & 0x10) | ((((dst ^ res) & (src ^ res)) >>> sb) & 1 ? Flag.OF : 0);
        break;
      case LazyOp.ADC:
        f |= (res >>> 0 <= dst >>> 0 ? Flag.CF : 0) | ((dst ^ src ^ res) & 0x10) | ((((dst ^ res) & (src ^ res)) >>> sb) & 1 ? Flag.OF : 0);
        break;
      case LazyOp.SUB:
        f |= (dst >>> 0 < src >>> 0 ? Flag.CF : 0) | ((dst ^ src ^ res) & 0x10) | ((((dst ^ src) & (dst ^ res)) >>> sb) & 1 ? Flag.OF : 0);
        break;
      case LazyOp.SBB:
        f |= (dst >>> 0 <= src >>> 0 ? Flag.CF : 0) | ((dst ^ src ^ res) & 0x10) | ((((dst ^ src) & (dst ^ res)) >>> sb) & 1 ? Flag.OF : 0);
        break;
      case LazyOp.LOGIC:
        break;
      case LazyOp.INC:
        f |= (this.flags & Flag.CF) | ((dst ^ src ^ res) & 0x10) | ((((dst ^ res) & (src ^ res)) >>> sb) & 1 ? Flag.OF : 0);
        break;
      default: // DEC
        f |= (this.flags & Flag.CF) | ((dst ^ src ^ res) & 0x10) | ((((dst ^ src) & (dst ^ res)) >>> sb) & 1 ? Flag.OF : 0);
        break;
    }
    this.flags = (this.flags & ~ARITH_FLAGS) | f;
    this.lzOp = 0;
  }

  /** CF as 0/1. */
  cf(): number {
    switch (this.lzOp) {
      case 0:
      case LazyOp.INC:
      case LazyOp.DEC:
        return this.flags & 1;
      case LazyOp.ADD:
        return this.lzRes >>> 0 < this.lzDst >>> 0 ? 1 : 0;
      case LazyOp.ADC:
        return this.lzRes >>> 0 <= this.lzDst >>> 0 ? 1 : 0;
      case LazyOp.SUB:
        return this.lzDst >>> 0 < this.lzSrc >>> 0 ? 1 : 0;
      case LazyOp.SBB:
        return this.lzDst >>> 0 <= this.lzSrc >>> 0 ? 1 : 0;
      default:
        return 0;
    }
  }
  /** ZF as 0/1. */
  zf(): number {
    return this.lzOp !== 0 ? (this.lzRes === 0 ? 1 : 0) : (this.flags >> 6) & 1;
  }
  /** SF as 0/1. */
  sf(): number {
    return this.lzOp !== 0 ? (this.lzRes >>> (this.lzSize - 1)) & 1 : (this.flags >> 7) & 1;
  }
  /** OF as 0/1. */
  of(): number {
    if (this.lzOp === 0) return (this.flags >> 11) & 1;
    return (this.getFlags() >> 11) & 1;
  }
  /** PF as 0/1. */
  pf(): number {
    return this.lzOp !== 0 ? PARITY[this.lzRes & 0xff]! >> 2 : (this.flags >> 2) & 1;
  }

  /** Condition code `cc` (0..15, Jcc/SETcc/CMOVcc encoding) as a boolean. */
  cond(cc: number): boolean {
    let r: boolean;
    switch (cc >> 1) {
      case 0:
        r = this.of() !== 0;
        break;
      case 1:
        r = this.cf() !== 0;
        break;
      case 2:
        r = this.zf() !== 0;
        break;
      case 3:
        r = (this.cf() | this.zf()) !== 0;
        break;
      case 4:
        r = this.sf() !== 0;
        break;
      case 5:
        r = this.pf() !== 0;
        break;
      case 6:
        r = this.sf() !== this.of();
        break;
      default:
        r = this.zf() !== 0 || this.sf() !== this.of();
        break;
    }
    return (cc & 1) !== 0 ? !r : r;
  }

  /** Set the arithmetic flags in `mask` to `bits` (eagerly computed ops: shifts, multiply, BCD). */
  setArith(mask: number, bits: number): void {
    if (mask === ARITH_FLAGS) {
      // every lazy flag is replaced: no need to compute the old ones
      this.lzOp = 0;
      this.flags = (this.flags & ~ARITH_FLAGS) | (bits & ARITH_FLAGS);
      return;
    }
    if (this.lzOp !== 0) this.materialize();
    this.flags = (this.flags & ~mask) | (bits & mask);
  }

  /** Record a lazily flagged result. Values are masked to `size` bits by the caller. */
  lazy(op: number, size: number, dst: number, src: number, res: number): void {
    // INC/DEC keep CF: only CF of the previous operation is needed (the rest is replaced)
    if ((op === LazyOp.INC || op === LazyOp.DEC) && this.lzOp !== 0) this.flags = (this.flags & ~Flag.CF) | this.cf();
    this.lzOp = op;
    this.lzSize = size;
    this.lzDst = dst;
    this.lzSrc = src;
    this.lzRes = res;
  }

  // ------------------------------------------------------------- exceptions

  /** Raise exception `vector` (error code `error`, or -1 for none). Never returns. */
  raise(vector: number, error = -1): never {
    this.pendingVector = vector;
    this.pendingError = error;
    throw FAULT;
  }
  /** #GP(error). */
  gp(error = 0): never {
    return this.raise(Vec.GP, error);
  }
  /** #UD. */
  ud(): never {
    return this.raise(Vec.UD);
  }

  // ------------------------------------------------------------ memory: TLB

  /** @inheritDoc */
  mappingChanged(page: number, sameContent = false): void {
    // the bytes stay (write protection): translated code from the page is still right
    if (this.jit !== null && !sameContent) this.jit.mappingChanged(page);
    if (page < 0) {
      this.flushTlbAll();
      return;
    }
    // Linear pages whose cached translation points at this physical page go.
    const list = this.tlbList;
    for (let i = 0; i < this.tlbCount; i++) {
      const lp = list[i]!;
      if (this.tlbPhys[lp] === page) this.dropPage(lp);
    }
  }

  private dropPage(lp: number): void {
    this.fetchLen = 0;
    this.tlbR[lp] = -1;
    this.tlbW[lp] = -1;
    this.tlbRU[lp] = -1;
    this.tlbWU[lp] = -1;
  }

  /** Flush every TLB entry, global ones too (CR4.PGE change, A20, mapping change). */
  flushTlbAll(): void {
    this.fetchLen = 0;
    const n = this.tlbCount;
    if (n >= TLB_LIST_MAX) {
      this.tlbR.fill(-1);
      this.tlbW.fill(-1);
      this.tlbRU.fill(-1);
      this.tlbWU.fill(-1);
      this.tlbListed.fill(0);
      this.tlbGlobal.fill(0);
    } else {
      const list = this.tlbList;
      for (let i = 0; i < n; i++) {
        const lp = list[i]!;
        this.dropPage(lp);
        this.tlbListed[lp] = 0;
        this.tlbGlobal[lp] = 0;
      }
    }
    this.tlbCount = 0;
  }

  /** Flush non-global entries (a CR3 write). */
  flushTlbNonGlobal(): void {
    if (this.tlbCount >= TLB_LIST_MAX || (this.cr4 & Cr4.PGE) === 0) {
      this.flushTlbAll();
      return;
    }
    const list = this.tlbList;
    let keep = 0;
    for (let i = 0; i < this.tlbCount; i++) {
      const lp = list[i]!;
      if (this.tlbGlobal[lp] !== 0) list[keep++] = lp;
      else {
        this.dropPage(lp);
        this.tlbListed[lp] = 0;
      }
    }
    this.tlbCount = keep;
  }

  /** INVLPG: drop the entry for the page holding linear address `lin`. */
  invlpg(lin: number): void {
    const lp = lin >>> 12;
    this.dropPage(lp);
    this.tlbGlobal[lp] = 0;
  }

  private listPage(lp: number, phys: number, global: boolean): void {
    this.tlbPhys[lp] = phys >>> 12;
    if (global) this.tlbGlobal[lp] = 1;
    if (this.tlbListed[lp] !== 0) return;
    if (this.tlbCount < TLB_LIST_MAX) {
      this.tlbListed[lp] = 1;
      this.tlbList[this.tlbCount++] = lp;
    } else this.tlbCount = TLB_LIST_MAX; // overflow: the next flush clears everything
  }

  /** Point {@link rdTab}/{@link wrTab} at the tables for the current CPL. */
  setCplTables(): void {
    this.fetchLen = 0;
    this.acActive = this.cpl === 3 && (this.cr0 & Cr0.AM) !== 0 && (this.flags & Flag.AC) !== 0;
    if (this.acActive) {
      this.rdTab = this.tlbMiss;
      this.wrTab = this.tlbMiss;
    } else if (this.cpl === 3) {
      this.rdTab = this.tlbRU;
      this.wrTab = this.tlbWU;
    } else {
      this.rdTab = this.tlbR;
      this.wrTab = this.tlbW;
    }
  }

  /** @inheritDoc */
  setA20(enabled: boolean): void {
    const m = enabled ? -1 : ~0x100000;
    if (m !== this.a20Mask) {
      this.a20Mask = m;
      this.flushTlbAll();
    }
  }

  /**
   * Translate linear `lin` for an access (`write`, `user` = CPL 3 data access),
   * walking the page tables when paging is on (SDM vol. 3, 4.3), setting the
   * accessed/dirty bits, raising #PF, and refilling the TLB. Returns the
   * guest-physical address.
   */
  translate(lin: number, write: boolean, user: boolean): number {
    const lp = lin >>> 12;
    if ((this.cr0 & Cr0.PG) === 0) {
      const phys = lin & this.a20Mask;
      // Write first: translateWrite may give the page its own machine page
      // (copy-on-write, first touch), and the read entry must see that page.
      if (write) {
        const w = this.memory.translateWrite(phys);
        this.tlbW[lp] = w;
        this.tlbWU[lp] = w;
      }
      const r = this.memory.translateRead(phys);
      this.tlbR[lp] = r;
      this.tlbRU[lp] = r;
      this.listPage(lp, phys, false);
      if (this.bpDataMask !== 0) this.keepSlowIfBreakpoint(lp);
      return phys;
    }
    if ((this.cr4 & Cr4.PAE) !== 0) return this.translatePae(lin, write, user);
    const mem = this.memory;
    const pdeAddr = ((this.cr3 & ~0xfff) + ((lin >>> 22) << 2)) & this.a20Mask;
    const pde = mem.read32(pdeAddr) | 0;
    const wp = (this.cr0 & Cr0.WP) !== 0;
    if ((pde & 1) === 0) this.pageFault(lin, 0, write, user);
    let phys: number;
    let writable: boolean;
    let userOk: boolean;
    let global: boolean;
    if ((pde & 0x80) !== 0 && (this.cr4 & Cr4.PSE) !== 0) {
      userOk = (pde & 4) !== 0;
      writable = (pde & 2) !== 0;
      if ((user && (!userOk || (write && !writable))) || (!user && write && !writable && wp)) this.pageFault(lin, 1, write, user);
      const want = write ? 0x60 : 0x20;
      if ((pde & want) !== want) mem.write32(pdeAddr, (pde | want) >>> 0);
      phys = ((pde & 0xffc00000) | (lin & 0x3ff000)) & this.a20Mask;
      global = (pde & 0x100) !== 0 && (this.cr4 & Cr4.PGE) !== 0;
      writable = writable && (write || (pde & 0x40) !== 0);
    } else {
      const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) & this.a20Mask;
      const pte = mem.read32(pteAddr) | 0;
      if ((pte & 1) === 0) this.pageFault(lin, 0, write, user);
      userOk = (pde & pte & 4) !== 0;
      writable = (pde & pte & 2) !== 0;
      if ((user && (!userOk || (write && !writable))) || (!user && write && !writable && wp)) this.pageFault(lin, 1, write, user);
      if ((pde & 0x20) === 0) mem.write32(pdeAddr, (pde | 0x20) >>> 0);
      const want = write ? 0x60 : 0x20;
      if ((pte & want) !== want) mem.write32(pteAddr, (pte | want) >>> 0);
      phys = (pte & ~0xfff) & this.a20Mask;
      global = (pte & 0x100) !== 0 && (this.cr4 & Cr4.PGE) !== 0;
      // a clean page stays out of the write TLB so the first write sets D
      writable = writable && (write || (pte & 0x40) !== 0);
    }
    if (write) {
      const w = mem.translateWrite(phys);
      if (writable || !wp) this.tlbW[lp] = w;
      if (userOk && writable) this.tlbWU[lp] = w;
    }
    const r = mem.translateRead(phys);
    this.tlbR[lp] = r;
    if (userOk) this.tlbRU[lp] = r;
    this.listPage(lp, phys, global);
    if (this.bpDataMask !== 0) this.keepSlowIfBreakpoint(lp);
    return phys | (lin & 0xfff);
  }

  /**
   * Write DR7: recompute which breakpoints are armed. Pages holding a data
   * breakpoint are kept out of the TLB so every access to them takes the slow
   * path, where {@link checkDataBp} matches it (no cost elsewhere).
   */
  setDr7(v: number): void {
    this.dr[7] = v;
    let exec = false;
    let data = 0;
    for (let i = 0; i < 4; i++) {
      if (((v >> (i * 2)) & 3) === 0) continue;
      const rw = (v >>> (16 + i * 4)) & 3;
      if (rw === 0) exec = true;
      else if (rw === 1 || rw === 3) data |= 1 << i;
    }
    this.bpExec = exec;
    this.bpDataMask = data;
    this.flushTlbAll();
  }

  private keepSlowIfBreakpoint(lp: number): void {
    for (let i = 0; i < 4; i++) {
      if ((this.bpDataMask & (1 << i)) !== 0 && this.dr[i]! >>> 12 === lp) {
        this.tlbR[lp] = this.tlbW[lp] = this.tlbRU[lp] = this.tlbWU[lp] = -1;
        this.fetchLen = 0;
        return;
      }
    }
  }

  /** Record data breakpoints (DR0-3, R/W 01 or 11) matched by an access of `len` bytes at `lin`. */
  checkDataBp(lin: number, len: number, write: boolean): void {
    const dr7 = this.dr[7]!;
    for (let i = 0; i < 4; i++) {
      if ((this.bpDataMask & (1 << i)) === 0) continue;
      const rw = (dr7 >>> (16 + i * 4)) & 3;
      if (rw === 1 && !write) continue;
      const lenCode = (dr7 >>> (18 + i * 4)) & 3;
      const size = lenCode === 0 ? 1 : lenCode === 1 ? 2 : lenCode === 3 ? 4 : 8;
      const a = (this.dr[i]! & ~(size - 1)) >>> 0;
      const s = lin >>> 0;
      if (s < a + size && a < s + len) this.bpHit |= 1 << i;
    }
  }

  /** PDPTE registers (low dwords; PAE paging), loaded from CR3 by {@link loadPdptes}. */
  readonly pdpte = new Int32Array(4);

  /**
   * Load the four PDPTEs from the table CR3 points at (on MOV CR3, and when
   * paging with PAE is turned on). Raises #GP(0) for reserved bits set in a
   * present entry (SDM vol. 3, 4.4.1).
   */
  loadPdptes(): void {
    const base = (this.cr3 & ~0x1f) & this.a20Mask;
    for (let i = 0; i < 4; i++) {
      const lo = this.memory.read32((base + i * 8) & this.a20Mask) | 0;
      const hi = this.memory.read32((base + i * 8 + 4) & this.a20Mask) | 0;
      if ((lo & 1) !== 0 && ((lo & 0x1e6) !== 0 || (hi & ~0xf) !== 0)) this.gp(0);
      this.pdpte[i] = lo;
    }
  }

  /**
   * The PAE page walk (SDM vol. 3, 4.4): PDPTE -> PDE (2 MiB page with PS) ->
   * PTE, 8-byte entries. Physical addresses above 4 GiB cannot exist in this
   * machine's 32-bit guest-physical space: their upper bits are dropped.
   */
  private translatePae(lin: number, write: boolean, user: boolean): number {
    const mem = this.memory;
    const lp = lin >>> 12;
    const wp = (this.cr0 & Cr0.WP) !== 0;
    const pdpte = this.pdpte[lin >>> 30]!;
    if ((pdpte & 1) === 0) this.pageFault(lin, 0, write, user);
    const pdeAddr = ((pdpte & ~0xfff) + (((lin >>> 21) & 0x1ff) << 3)) & this.a20Mask;
    const pde = mem.read32(pdeAddr) | 0;
    if ((pde & 1) === 0) this.pageFault(lin, 0, write, user);
    let phys: number;
    let writable: boolean;
    let userOk: boolean;
    let global: boolean;
    if ((pde & 0x80) !== 0) {
      userOk = (pde & 4) !== 0;
      writable = (pde & 2) !== 0;
      if ((user && (!userOk || (write && !writable))) || (!user && write && !writable && wp)) this.pageFault(lin, 1, write, user);
      const want = write ? 0x60 : 0x20;
      if ((pde & want) !== want) mem.write32(pdeAddr, (pde | want) >>> 0);
      phys = ((pde & 0xffe00000) | (lin & 0x1ff000)) & this.a20Mask;
      global = (pde & 0x100) !== 0 && (this.cr4 & Cr4.PGE) !== 0;
      writable = writable && (write || (pde & 0x40) !== 0);
    } else {
      const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x1ff) << 3)) & this.a20Mask;
      const pte = mem.read32(pteAddr) | 0;
      if ((pte & 1) === 0) this.pageFault(lin, 0, write, user);
      userOk = (pde & pte & 4) !== 0;
      writable = (pde & pte & 2) !== 0;
      if ((user && (!userOk || (write && !writable))) || (!user && write && !writable && wp)) this.pageFault(lin, 1, write, user);
      if ((pde & 0x20) === 0) mem.write32(pdeAddr, (pde | 0x20) >>> 0);
      const want = write ? 0x60 : 0x20;
      if ((pte & want) !== want) mem.write32(pteAddr, (pte | want) >>> 0);
      phys = (pte & ~0xfff) & this.a20Mask;
      global = (pte & 0x100) !== 0 && (this.cr4 & Cr4.PGE) !== 0;
      writable = writable && (write || (pte & 0x40) !== 0);
    }
    const r = mem.translateRead(phys);
    this.tlbR[lp] = r;
    if (userOk) this.tlbRU[lp] = r;
    if (write) {
      const w = mem.translateWrite(phys);
      if (writable || !wp) this.tlbW[lp] = w;
      if (userOk && writable) this.tlbWU[lp] = w;
    }
    this.listPage(lp, phys, global);
    if (this.bpDataMask !== 0) this.keepSlowIfBreakpoint(lp);
    return phys | (lin & 0xfff);
  }

  private pageFault(lin: number, present: number, write: boolean, user: boolean): never {
    this.cr2 = lin;
    return this.raise(Vec.PF, present | (write ? 2 : 0) | (user ? 4 : 0));
  }

  // -------------------------------------------------------- memory: linear

  /** Read a byte at linear `lin` with the current privilege. */
  readLin8(lin: number): number {
    const e = this.rdTab[lin >>> 12]!;
    if (e >= 0) return this.ram[e | (lin & 0xfff)]!;
    if (this.bpDataMask !== 0) this.checkDataBp(lin, 1, false);
    return this.memory.read8(this.translate(lin, false, this.cpl === 3));
  }
  /** Read a word at linear `lin`. */
  readLin16(lin: number): number {
    const e = this.rdTab[lin >>> 12]!;
    if (e >= 0 && (lin & 0xfff) !== 0xfff) {
      const a = e | (lin & 0xfff);
      return this.ram[a]! | (this.ram[a + 1]! << 8);
    }
    if (this.acActive && (lin & 1) !== 0) this.raise(Vec.AC, 0);
    return this.readLin8(lin) | (this.readLin8((lin + 1) | 0) << 8);
  }
  /** Read a dword at linear `lin` (signed int result). */
  readLin32(lin: number): number {
    const e = this.rdTab[lin >>> 12]!;
    if (e >= 0 && (lin & 0xfff) <= 0xffc) {
      const a = e | (lin & 0xfff);
      const m = this.ram;
      return m[a]! | (m[a + 1]! << 8) | (m[a + 2]! << 16) | (m[a + 3]! << 24);
    }
    if (this.acActive && (lin & 3) !== 0) this.raise(Vec.AC, 0);
    if ((lin & 0xfff) <= 0xffc) {
      if (this.bpDataMask !== 0) this.checkDataBp(lin, 4, false);
      return this.memory.read32(this.translate(lin, false, this.cpl === 3)) | 0;
    }
    return this.readLin16(lin) | (this.readLin16((lin + 2) | 0) << 16);
  }
  /** Write a byte at linear `lin`. */
  writeLin8(lin: number, v: number): void {
    const e = this.wrTab[lin >>> 12]!;
    if (e >= 0) {
      this.ram[e | (lin & 0xfff)] = v;
      return;
    }
    if (this.bpDataMask !== 0) this.checkDataBp(lin, 1, true);
    this.memory.write8(this.translate(lin, true, this.cpl === 3), v & 0xff);
  }
  /** Write a word at linear `lin`. */
  writeLin16(lin: number, v: number): void {
    const e = this.wrTab[lin >>> 12]!;
    if (e >= 0 && (lin & 0xfff) !== 0xfff) {
      const a = e | (lin & 0xfff);
      this.ram[a] = v;
      this.ram[a + 1] = v >> 8;
      return;
    }
    this.writeSlow(lin, v, 2);
  }
  /** Write a dword at linear `lin`. */
  writeLin32(lin: number, v: number): void {
    const e = this.wrTab[lin >>> 12]!;
    if (e >= 0 && (lin & 0xfff) <= 0xffc) {
      const a = e | (lin & 0xfff);
      const m = this.ram;
      m[a] = v;
      m[a + 1] = v >> 8;
      m[a + 2] = v >> 16;
      m[a + 3] = v >> 24;
      return;
    }
    this.writeSlow(lin, v, 4);
  }
  private writeSlow(lin: number, v: number, len: number): void {
    const user = this.cpl === 3;
    if (this.acActive && (lin & (len - 1)) !== 0) this.raise(Vec.AC, 0);
    if (this.bpDataMask !== 0) this.checkDataBp(lin, len, true);
    const p0 = this.translate(lin, true, user);
    if (((lin & 0xfff) + len) <= 0x1000) {
      if (len === 2) this.memory.write16(p0, v & 0xffff);
      else this.memory.write32(p0, v >>> 0);
      return;
    }
    // crossing a page: check both pages before writing anything
    const n0 = 0x1000 - (lin & 0xfff);
    const p1 = this.translate((lin + n0) | 0, true, user);
    for (let i = 0; i < len; i++) {
      const b = (v >>> (i * 8)) & 0xff;
      this.memory.write8(i < n0 ? p0 + i : p1 + (i - n0), b);
    }
  }

  /** Check that a write of `len` bytes at linear `lin` would not fault (for multi-part writes). */
  probeWrite(lin: number, len: number): void {
    if (this.wrTab[lin >>> 12]! < 0) this.translate(lin, true, this.cpl === 3);
    const last = (lin + len - 1) | 0;
    if ((last ^ lin) >>> 12 !== 0 && this.wrTab[last >>> 12]! < 0) this.translate(last, true, this.cpl === 3);
  }

  /**
   * Before an instruction that sets flags and stores to its r/m operand (the
   * ALU group, INC/DEC, NEG, shifts and rotates, BTS/BTR/BTC, CMPXCHG, XADD),
   * after its read: raise now the fault its store would (segment, then page),
   * so that a faulting instruction leaves the flags as they were (SDM vol. 3
   * 6.5: a fault is reported with the state before the instruction; the
   * handler sees those EFLAGS, and ADC/SBB/RCL/RCR re-run with the same CF).
   * Register operands need nothing.
   */
  probeRmWrite(size: number): void {
    if (this.modrm >= 0xc0) return;
    const seg = this.eaSeg;
    const off = this.eaOff;
    const len = size >>> 3;
    // the same fast checks as the store's own (segment bound, write TLB entry, within one page)
    if (off >>> 0 > this.segWrMax[seg]!) this.segCheck(seg, off, len, true);
    const lin = (this.segBase[seg]! + off) | 0;
    if (this.wrTab[lin >>> 12]! < 0 || (lin & 0xfff) > 4096 - len) this.probeWrite(lin, len);
  }

  /** Supervisor-privileged linear read (descriptor tables, TSS, IDT). */
  sysRead8(lin: number): number {
    const e = this.tlbR[lin >>> 12]!;
    if (e >= 0) return this.ram[e | (lin & 0xfff)]!;
    return this.memory.read8(this.translate(lin, false, false));
  }
  /** Supervisor-privileged linear word read. */
  sysRead16(lin: number): number {
    return this.sysRead8(lin) | (this.sysRead8((lin + 1) | 0) << 8);
  }
  /** Supervisor-privileged linear dword read. */
  sysRead32(lin: number): number {
    return this.sysRead16(lin) | (this.sysRead16((lin + 2) | 0) << 16);
  }
  /** Supervisor-privileged linear byte write. */
  sysWrite8(lin: number, v: number): void {
    const e = this.tlbW[lin >>> 12]!;
    if (e >= 0) this.ram[e | (lin & 0xfff)] = v;
    else this.memory.write8(this.translate(lin, true, false), v & 0xff);
  }
  /** Supervisor-privileged linear word write. */
  sysWrite16(lin: number, v: number): void {
    this.sysWrite8(lin, v);
    this.sysWrite8((lin + 1) | 0, v >> 8);
  }
  /** Supervisor-privileged linear dword write. */
  sysWrite32(lin: number, v: number): void {
    this.sysWrite16(lin, v);
    this.sysWrite16((lin + 2) | 0, v >> 16);
  }

  // ------------------------------------------------------ memory: segmented

  /** Exact segment check for an access of `len` bytes at `off` (SDM vol. 3, 5.3). */
  segCheck(seg: number, off: number, len: number, write: boolean): void {
    const ar = this.segAr[seg]!;
    const vec = seg === 2 ? Vec.SS : Vec.GP;
    off >>>= 0;
    if ((this.cr0 & Cr0.PE) !== 0 && (this.flags & Flag.VM) === 0) {
      if ((ar & AR_UNUSABLE) !== 0) this.raise(vec, 0);
      if (write ? (ar & Ar.CODE) !== 0 || (ar & Ar.RW) === 0 : (ar & (Ar.CODE | Ar.RW)) === Ar.CODE) this.raise(vec, 0);
    }
    const lim = this.segLimit[seg]! >>> 0;
    const last = off + len - 1;
    if ((ar & (Ar.CODE | Ar.DC)) === Ar.DC && (this.cr0 & Cr0.PE) !== 0) {
      const upper = (ar & Ar.DB) !== 0 ? 0xffffffff : 0xffff;
      if (off <= lim || last > upper) this.raise(vec, 0);
    } else if (last > lim) this.raise(vec, 0);
  }

  /** Read a byte at `seg:off`. */
  read8(seg: number, off: number): number {
    if (off >>> 0 > this.segRdMax[seg]!) this.segCheck(seg, off, 1, false);
    return this.readLin8((this.segBase[seg]! + off) | 0);
  }
  /** Read a word at `seg:off`. */
  read16(seg: number, off: number): number {
    if (off >>> 0 > this.segRdMax[seg]!) this.segCheck(seg, off, 2, false);
    return this.readLin16((this.segBase[seg]! + off) | 0);
  }
  /** Read a dword at `seg:off` (signed result). */
  read32(seg: number, off: number): number {
    if (off >>> 0 > this.segRdMax[seg]!) this.segCheck(seg, off, 4, false);
    return this.readLin32((this.segBase[seg]! + off) | 0);
  }
  /** Write a byte at `seg:off`. */
  write8(seg: number, off: number, v: number): void {
    if (off >>> 0 > this.segWrMax[seg]!) this.segCheck(seg, off, 1, true);
    this.writeLin8((this.segBase[seg]! + off) | 0, v);
  }
  /** Write a word at `seg:off`. */
  write16(seg: number, off: number, v: number): void {
    if (off >>> 0 > this.segWrMax[seg]!) this.segCheck(seg, off, 2, true);
    this.writeLin16((this.segBase[seg]! + off) | 0, v);
  }
  /** Write a dword at `seg:off`. */
  write32(seg: number, off: number, v: number): void {
    if (off >>> 0 > this.segWrMax[seg]!) this.segCheck(seg, off, 4, true);
    this.writeLin32((this.segBase[seg]! + off) | 0, v);
  }

  // -------------------------------------------------------------- fetching

  /** Fetch the next instruction byte at CS:EIP. */
  fetch8(): number {
    const off = this.eip;
    const d = (off - this.fetchEip0) >>> 0;
    if (d < this.fetchLen) {
      this.eip = (off + 1) | 0;
      return this.ram[this.fetchHost + d]!;
    }
    return this.fetchSlow();
  }

  private fetchSlow(): number {
    const off = this.eip;
    const lim = this.segLimit[1]! >>> 0;
    if (off >>> 0 > lim) this.gp(0);
    const lin = (this.segBase[1]! + off) | 0;
    // code fetches are never alignment-checked: use the real table even while #AC is on
    const tab = this.cpl === 3 ? this.tlbRU : this.tlbR;
    let e = tab[lin >>> 12]!;
    if (e < 0) {
      const phys = this.translate(lin, false, this.cpl === 3);
      e = tab[lin >>> 12]!;
      if (e < 0) {
        // MMIO or unassigned: no window, every byte takes this path
        this.eip = (off + 1) | 0;
        return this.memory.read8(phys);
      }
    }
    // a window from EIP to the end of the page or of CS, whichever comes first
    const inPage = 0x1000 - (lin & 0xfff);
    const toLimit = lim - (off >>> 0) + 1;
    this.fetchEip0 = off;
    this.fetchHost = e | (lin & 0xfff);
    this.fetchLen = inPage < toLimit ? inPage : toLimit;
    this.eip = (off + 1) | 0;
    return this.ram[this.fetchHost]!;
  }
  /** Fetch a little-endian word. */
  fetch16(): number {
    const off = this.eip;
    const d = (off - this.fetchEip0) >>> 0;
    if (d + 1 < this.fetchLen) {
      this.eip = (off + 2) | 0;
      const a = this.fetchHost + d;
      return this.ram[a]! | (this.ram[a + 1]! << 8);
    }
    return this.fetch8() | (this.fetch8() << 8);
  }
  /** Fetch a little-endian dword (signed result). */
  fetch32(): number {
    const off = this.eip;
    const d = (off - this.fetchEip0) >>> 0;
    if (d + 3 < this.fetchLen) {
      this.eip = (off + 4) | 0;
      const a = this.fetchHost + d;
      const m = this.ram;
      return m[a]! | (m[a + 1]! << 8) | (m[a + 2]! << 16) | (m[a + 3]! << 24);
    }
    return this.fetch16() | (this.fetch16() << 16);
  }

  // ------------------------------------------------------------------ stack

  /** Push a word. */
  push16(v: number): void {
    if (this.ssB !== 0) {
      const sp = (this.reg32[4]! - 2) | 0;
      this.write16(2, sp, v);
      this.reg32[4] = sp;
    } else {
      const sp = (this.reg16[8]! - 2) & 0xffff;
      this.write16(2, sp, v);
      this.reg16[8] = sp;
    }
  }
  /** Push a dword. */
  push32(v: number): void {
    if (this.ssB !== 0) {
      const sp = (this.reg32[4]! - 4) | 0;
      this.write32(2, sp, v);
      this.reg32[4] = sp;
    } else {
      const sp = (this.reg16[8]! - 4) & 0xffff;
      this.write32(2, sp, v);
      this.reg16[8] = sp;
    }
  }
  /** Push by operand size. */
  push(v: number): void {
    if (this.os32 !== 0) this.push32(v);
    else this.push16(v);
  }
  /** Pop a word. */
  pop16(): number {
    if (this.ssB !== 0) {
      const v = this.read16(2, this.reg32[4]!);
      this.reg32[4] = (this.reg32[4]! + 2) | 0;
      return v;
    }
    const v = this.read16(2, this.reg16[8]!);
    this.reg16[8] = this.reg16[8]! + 2;
    return v;
  }
  /** Pop a dword. */
  pop32(): number {
    if (this.ssB !== 0) {
      const v = this.read32(2, this.reg32[4]!);
      this.reg32[4] = (this.reg32[4]! + 4) | 0;
      return v;
    }
    const v = this.read32(2, this.reg16[8]!);
    this.reg16[8] = this.reg16[8]! + 4;
    return v;
  }
  /** Pop by operand size. */
  pop(): number {
    return this.os32 !== 0 ? this.pop32() : this.pop16();
  }
  /** Stack pointer masked to the stack size. */
  sp(): number {
    return this.ssB !== 0 ? this.reg32[4]! : this.reg16[8]!;
  }
  /** Set the stack pointer (16 bits only when SS is a 16-bit stack). */
  setSp(v: number): void {
    if (this.ssB !== 0) this.reg32[4] = v;
    else this.reg16[8] = v;
  }

  // --------------------------------------------------------------- operands

  /** The r/m operand, byte. */
  rm8(): number {
    const m = this.modrm;
    return m >= 0xc0 ? this.reg8[R8[m & 7]!]! : this.read8(this.eaSeg, this.eaOff);
  }
  /** Write the r/m operand, byte. */
  setRm8(v: number): void {
    const m = this.modrm;
    if (m >= 0xc0) this.reg8[R8[m & 7]!] = v;
    else this.write8(this.eaSeg, this.eaOff, v);
  }
  /** The r/m operand, word. */
  rm16(): number {
    const m = this.modrm;
    return m >= 0xc0 ? this.reg16[(m & 7) << 1]! : this.read16(this.eaSeg, this.eaOff);
  }
  /** Write the r/m operand, word. */
  setRm16(v: number): void {
    const m = this.modrm;
    if (m >= 0xc0) this.reg16[(m & 7) << 1] = v;
    else this.write16(this.eaSeg, this.eaOff, v);
  }
  /** The r/m operand, dword. */
  rm32(): number {
    const m = this.modrm;
    return m >= 0xc0 ? this.reg32[m & 7]! : this.read32(this.eaSeg, this.eaOff);
  }
  /** Write the r/m operand, dword. */
  setRm32(v: number): void {
    const m = this.modrm;
    if (m >= 0xc0) this.reg32[m & 7] = v;
    else this.write32(this.eaSeg, this.eaOff, v);
  }
  /** The r/m operand at the current operand size. */
  rmV(): number {
    return this.os32 !== 0 ? this.rm32() : this.rm16();
  }
  /** Write the r/m operand at the current operand size. */
  setRmV(v: number): void {
    if (this.os32 !== 0) this.setRm32(v);
    else this.setRm16(v);
  }
  /** Read a general register at the current operand size. */
  regV(r: number): number {
    return this.os32 !== 0 ? this.reg32[r]! : this.reg16[r << 1]!;
  }
  /** Write a general register at the current operand size. */
  setRegV(r: number, v: number): void {
    if (this.os32 !== 0) this.reg32[r] = v;
    else this.reg16[r << 1] = v;
  }
  /** Read a general register at the current address size (string ops, LOOP, JCXZ). */
  regA(r: number): number {
    return this.as32 !== 0 ? this.reg32[r]! : this.reg16[r << 1]!;
  }
  /** Write a general register at the current address size. */
  setRegA(r: number, v: number): void {
    if (this.as32 !== 0) this.reg32[r] = v;
    else this.reg16[r << 1] = v;
  }

  // ---------------------------------------------------------------- decode

  /** Decode ModRM (and SIB/displacement), setting {@link eaSeg}/{@link eaOff} for memory operands. */
  decodeModrm(): void {
    const m = this.fetch8();
    this.modrm = m;
    this.eaUsesEsp = 0;
    if (m >= 0xc0) return;
    const mod = m >> 6;
    const rm = m & 7;
    const r = this.reg32;
    let seg = 3;
    let off: number;
    if (this.as32 === 0) {
      switch (rm) {
        case 0: off = this.reg16[6]! + this.reg16[12]!; break;
        case 1: off = this.reg16[6]! + this.reg16[14]!; break;
        case 2: off = this.reg16[10]! + this.reg16[12]!; seg = 2; break;
        case 3: off = this.reg16[10]! + this.reg16[14]!; seg = 2; break;
        case 4: off = this.reg16[12]!; break;
        case 5: off = this.reg16[14]!; break;
        case 6:
          if (mod === 0) off = this.fetch16();
          else { off = this.reg16[10]!; seg = 2; }
          break;
        default: off = this.reg16[6]!; break;
      }
      if (mod === 1) off += (this.fetch8() << 24) >> 24;
      else if (mod === 2) off += this.fetch16();
      off &= 0xffff;
    } else {
      if (rm === 4) {
        const sib = this.fetch8();
        const base = sib & 7;
        const idx = (sib >> 3) & 7;
        if (base === 5 && mod === 0) off = this.fetch32();
        else {
          off = r[base]!;
          if (base === 4 || base === 5) seg = 2;
          if (base === 4) this.eaUsesEsp = 1;
        }
        if (idx !== 4) off = (off + (r[idx]! << (sib >> 6))) | 0;
      } else if (rm === 5 && mod === 0) off = this.fetch32();
      else {
        off = r[rm]!;
        if (rm === 5) seg = 2;
      }
      if (mod === 1) off = (off + ((this.fetch8() << 24) >> 24)) | 0;
      else if (mod === 2) off = (off + this.fetch32()) | 0;
    }
    this.eaOff = off;
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : seg;
  }

  /** Decode one instruction at CS:EIP into the decode fields (prefixes, opcode, ModRM, immediates). */
  decode(): void {
    const d = this.csD;
    this.os32 = d;
    this.as32 = d;
    this.segOvr = -1;
    this.rep = 0;
    this.lockPfx = 0;
    this.simdPrefix = 0;
    let b = this.fetch8();
    while (PREFIX[b] !== 0) {
      switch (b) {
        case 0x26: this.segOvr = 0; break;
        case 0x2e: this.segOvr = 1; break;
        case 0x36: this.segOvr = 2; break;
        case 0x3e: this.segOvr = 3; break;
        case 0x64: this.segOvr = 4; break;
        case 0x65: this.segOvr = 5; break;
        case 0x66: this.os32 = d ^ 1; this.simdPrefix = 0x66; break;
        case 0x67: this.as32 = d ^ 1; break;
        case 0xf0: this.lockPfx = 1; break;
        case 0xf2: this.rep = 0xf2; this.simdPrefix = 0xf2; break;
        default: this.rep = 0xf3; this.simdPrefix = 0xf3; break;
      }
      // more than 14 prefixes cannot form a legal instruction (15-byte limit)
      if (((this.eip - this.opStart) | 0) > 14) this.gp(0);
      b = this.fetch8();
    }
    if (b === 0x0f) b = 0x100 | this.fetch8();
    this.opcode = b;
    const attr = DECODE[b]!;
    this.modrm = -1;
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : 3;
    if ((attr & D_MODRM) !== 0) {
      if ((attr & D_MODRM_REG) !== 0) this.modrm = this.fetch8() | 0xc0;
      else this.decodeModrm();
    }
    if (this.lockPfx !== 0 && !lockAllowed(b, this.modrm)) this.ud();
    switch (attr & D_IMM_MASK) {
      case 0: break;
      case D_IB: this.imm = this.fetch8(); break;
      case D_IW: this.imm = this.fetch16(); break;
      case D_IV: this.imm = this.os32 !== 0 ? this.fetch32() : this.fetch16(); break;
      case D_IVW: this.imm = this.fetch16(); break;
      case D_ENTER: this.imm = this.fetch16(); this.imm2 = this.fetch8(); break;
      case D_FAR: this.imm = this.os32 !== 0 ? this.fetch32() : this.fetch16(); this.imm2 = this.fetch16(); break;
      case D_MOFFS: this.eaOff = this.as32 !== 0 ? this.fetch32() : this.fetch16(); break;
      case D_GRP3:
        if ((this.modrm & 0x30) === 0) this.imm = b === 0xf6 ? this.fetch8() : this.os32 !== 0 ? this.fetch32() : this.fetch16();
        break;
    }
    if (((this.eip - this.opStart) | 0) > 15) this.gp(0);
    // 16-bit code: IP wraps at 64 KiB after an instruction that ends at 0xFFFF
    if (this.csD === 0) this.eip &= 0xffff;
  }

  // ----------------------------------------------------------------- running

  /** Execute exactly one instruction (or deliver one pending event); returns 1 if an instruction retired. */
  step(): number {
    return this.run(1);
  }

  /** @inheritDoc */
  requestExit(): void {
    this.exitRequested = true;
    this.jitStop = true;
  }

  /** @inheritDoc */
  run(budget: number): number {
    let n = 0;
    // delivered events (faults, interrupts) use budget too, so a guest that
    // faults on every instruction still returns control to the host
    let events = 0;
    while (n + events < budget) {
      if (this.exitRequested) {
        // requested before or during this call: return now, and only once
        this.exitRequested = false;
        break;
      }
      if (this.runState !== 0) {
        if (this.runState === 2) break;
        // halted: wake on NMI or an unmasked INTR
        if (this.nmiPending || (this.intrLevel && (this.flags & Flag.IF) !== 0)) this.runState = 0;
        else break;
      }
      if (this.checkEvents()) {
        events++;
        continue;
      }
      const r = this.jit !== null ? this.jit.runSlice(budget - n - events) : this.interpretSlice(budget - n - events);
      if (r < 0) {
        n += -r - 1;
        events++;
      } else n += r;
    }
    this.retired += n;
    return n;
  }

  /** Deliver a pending NMI/INTR at this boundary; true if one was delivered (or the CPU stopped). */
  private checkEvents(): boolean {
    if (this.shadow) {
      this.shadow = false;
      return false;
    }
    if (this.nmiPending && !this.nmiBlocked) {
      this.nmiPending = false;
      this.nmiBlocked = true;
      this.opStart = this.eip;
      this.espStart = this.reg32[4]!;
      this.deliverEvent(Vec.NMI, -1, 1);
      return true;
    }
    if (this.intrLevel && (this.flags & Flag.IF) !== 0) {
      const vec = this.platform.interrupts.acknowledge() & 0xff;
      this.opStart = this.eip;
      this.espStart = this.reg32[4]!;
      this.deliverEvent(vec, -1, 1);
      return true;
    }
    return false;
  }

  /**
   * Interpret up to `budget` instructions; returns the number retired, or
   * -n-1 when a fault was delivered after n retired. Stops early when an
   * event or a mode switch needs the run loop.
   * @internal
   */
  interpretSlice(budget: number): number {
    let n = 0;
    try {
      while (n < budget) {
        this.opStart = this.eip;
        this.espStart = this.reg32[4]!;
        const tf = this.flags & Flag.TF;
        if (this.bpExec || (this.flags & Flag.RF) !== 0) this.checkExecBreakpoints();
        this.decode();
        OPS[this.opcode]!(this);
        n++;
        if ((tf | this.bpHit) !== 0) {
          // a trap: the instruction is done, a fault while delivering it must not re-run it
          this.opStart = this.eip;
          this.espStart = this.reg32[4]!;
          this.dr[6] = (this.dr[6]! & ~0xf) | this.bpHit | (tf !== 0 ? 0x4000 : 0);
          this.bpHit = 0;
          this.deliverEvent(Vec.DB, -1, 2);
          break;
        }
        // leave the loop only when checkEvents has something to do
        if (this.breakLoop || this.exitRequested || this.shadow || this.nmiPending || (this.intrLevel && (this.flags & Flag.IF) !== 0)) {
          this.breakLoop = false;
          break;
        }
      }
    } catch (e) {
      if (e !== FAULT) throw e;
      this.eip = this.opStart;
      this.reg32[4] = this.espStart;
      this.bpHit = 0;
      this.deliverEvent(this.pendingVector, this.pendingError, 0);
      // negative: n instructions retired, then a fault was delivered
      return -n - 1;
    }
    return n;
  }

  /**
   * Instruction breakpoints (DR0-3 with R/W = 00, SDM vol. 3, 17.2): a fault
   * before the instruction unless EFLAGS.RF says it already faulted once.
   */
  private checkExecBreakpoints(): void {
    if ((this.flags & Flag.RF) !== 0) {
      // RF lets exactly one instruction pass; it is cleared as that instruction starts
      this.flags &= ~Flag.RF;
      return;
    }
    if (!this.bpExec) return;
    const dr7 = this.dr[7]!;
    const lin = (this.segBase[1]! + this.eip) | 0;
    let hit = 0;
    for (let i = 0; i < 4; i++) {
      if (((dr7 >> (i * 2)) & 3) === 0 || ((dr7 >>> (16 + i * 4)) & 3) !== 0) continue;
      if (this.dr[i] === lin) hit |= 1 << i;
    }
    if (hit !== 0) {
      this.dr[6] = (this.dr[6]! & ~0xf) | hit;
      this.raise(Vec.DB);
    }
  }

  /**
   * Deliver an exception or interrupt, combining nested faults into #DF and a
   * fault during #DF into shutdown (SDM vol. 3, table 6-5).
   * `kind`: 0 = exception (fault), 1 = external interrupt/NMI, 2 = trap.
   */
  deliverEvent(vector: number, error: number, kind: number): void {
    let vec = vector;
    let err = error;
    for (;;) {
      try {
        this.deliver(vec, err, kind === 0 || kind === 2 ? 1 : 0, 0);
        return;
      } catch (e) {
        if (e !== FAULT) throw e;
        const v2 = this.pendingVector;
        this.eip = this.opStart;
        this.reg32[4] = this.espStart;
        if (vec === Vec.DF) {
          this.enterShutdown('triple fault');
          return;
        }
        const c1 = vec === 0 || (vec >= 10 && vec <= 13);
        const c2 = v2 === 0 || (v2 >= 10 && v2 <= 13);
        if ((c1 && c2) || (vec === Vec.PF && (c2 || v2 === Vec.PF))) {
          vec = Vec.DF;
          err = 0;
        } else {
          vec = v2;
          err = this.pendingError;
        }
        kind = 0;
      }
    }
  }

  /** Enter the shutdown state and tell the platform. */
  enterShutdown(reason: string): void {
    this.runState = 2;
    this.shutdownReason = reason;
    this.breakLoop = true;
    this.jitStop = true;
    this.platform.shutdown(reason);
  }

  /**
   * Deliver interrupt `vector` through the IVT (real mode) or IDT. `ext` = 1
   * for exceptions and external interrupts (EXT bit in error codes, no DPL
   * check), `soft` = 1 for INT n/INT3/INTO (gate DPL checked, v86 IOPL rules).
   */
  deliver(vector: number, error: number, ext: number, soft: number): void {
    if ((this.cr0 & Cr0.PE) === 0) {
      this.deliverReal(vector);
      return;
    }
    deliverProtected(this, vector, error, ext, soft);
  }

  private deliverReal(vector: number): void {
    const addr = vector << 2;
    if (addr + 3 > this.idtLimit >>> 0) this.gp(0);
    const ip = this.sysRead16((this.idtBase + addr) | 0);
    const cs = this.sysRead16((this.idtBase + addr + 2) | 0);
    const fl = this.getFlags();
    this.push16(fl);
    this.push16(this.segSel[1]!);
    this.push16(this.eip);
    this.flags = fl & ~(Flag.IF | Flag.TF | Flag.AC | Flag.RF);
    loadSegment(this, 1, cs);
    this.eip = ip;
  }

  /** Called when CR0.PE, EFLAGS.VM or CPL change: recompute derived state. */
  modeChanged(): void {
    for (let s = 0; s < 8; s++) this.updateSegFast(s);
    this.setCplTables();
    this.breakLoop = true;
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return snapshotCpu(this);
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    restoreCpu(this, state);
    this.jit?.flush();
  }

  /** The time-stamp counter value derived from the platform clock. */
  clockTsc(): number {
    return Math.floor((this.platform.clock.now() * this.options.tscHz) / 1e9);
  }
}
