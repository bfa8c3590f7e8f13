import type {
  Clock,
  Device,
  DeviceContext,
  DeviceState,
  InterruptAcknowledge,
  IrqLine,
  MmioHandler,
  MmioMapping,
  RealizeResult,
  Timer,
} from '@vm/bus';
import type { ApicBus, ApicMessageTarget } from './apic-bus.js';
import { ApicDeliveryMode } from './apic-bus.js';
import { checkState, readBoolean, readNumber, readUint32Array, readUint8Array } from './state-helpers.js';

/** What a local APIC asks of its CPU for INIT and start-up IPIs. */
export interface LocalApicCpuControl {
  /** INIT: reset the CPU into the wait-for-SIPI state (an application processor). */
  init(): void;
  /** Start-up IPI: begin executing in real mode at `vector << 12`. */
  startup(vector: number): void;
}

/** Configuration of a {@link LocalApic}. */
export interface LocalApicConfig {
  /** Instance name (default `"lapic<id>"`). */
  readonly name?: string;
  /** Initial APIC ID (the MP/MADT tables must agree). */
  readonly apicId: number;
  /** Bootstrap processor (default true for APIC ID 0). */
  readonly bsp?: boolean;
  /** The APIC fabric (IPIs out, EOI broadcasts). */
  readonly bus: ApicBus;
  /** The CPU's INTR input. */
  readonly intr: IrqLine;
  /** The CPU's NMI input. */
  readonly nmi: IrqLine;
  /** The 8259's acknowledge, for ExtINT interrupts (may be set later with {@link LocalApic.setExtIntAcknowledge}). */
  readonly extInt?: InterruptAcknowledge | null;
  /** INIT/SIPI receiver (application processors). */
  readonly cpu?: LocalApicCpuControl | null;
  /**
   * Map the register page at the APIC base on realize (default true). An SMP
   * machine maps one dispatcher that forwards to the current CPU's
   * {@link LocalApic.mmio} instead.
   */
  readonly mapMmio?: boolean;
  /** Nanoseconds per APIC timer input clock before the divider (default 1: a 1 GHz bus clock). */
  readonly timerClockNs?: number;
}

/** Power-on APIC base (IA32_APIC_BASE bits 31:12). */
export const LOCAL_APIC_DEFAULT_BASE = 0xfee00000;
/** Version register: xAPIC version 0x14, six LVT entries (max LVT index 5). */
const APIC_VERSION = 0x00050014;
const MSR_BSP = 0x100;
const MSR_ENABLE = 0x800;
const SVR_ENABLE = 0x100;
const LVT_MASKED = 0x10000;
const LVT_LEVEL = 0x8000;
const LVT_REMOTE_IRR = 0x4000;
const LVT_PERIODIC = 0x20000;

// LVT indices (register 0x320 + 0x10 * index).
const LVT_TIMER = 0;
const LVT_LINT0 = 3;
const LVT_ERROR = 5;
/** Writable bits per LVT entry (SDM figure 10-8). */
const LVT_WRITABLE = [0x000300ff, 0x000107ff, 0x000107ff, 0x0001a7ff, 0x0001a7ff, 0x000100ff] as const;

/** ESR bits (SDM 10.5.3). */
export const ApicError = {
  /** An IPI with an illegal vector (0..15) was sent. */
  SendIllegalVector: 0x20,
  /** An interrupt with an illegal vector (0..15) was received. */
  ReceiveIllegalVector: 0x40,
} as const;

function highestBit(words: Uint32Array): number {
  for (let i = 7; i >= 0; i--) {
    const w = words[i]!;
    if (w !== 0) return i * 32 + 31 - Math.clz32(w);
  }
  return -1;
}

/** LINT0/LINT1 input pin. */
class LintPin implements IrqLine {
  constructor(
    private readonly apic: LocalApic,
    private readonly index: number,
  ) {}
  raise(): void {
    this.apic.setLint(this.index, true);
  }
  lower(): void {
    this.apic.setLint(this.index, false);
  }
  pulse(): void {
    this.apic.setLint(this.index, true);
    this.apic.setLint(this.index, false);
  }
  set(level: boolean): void {
    this.apic.setLint(this.index, level);
  }
}

/** The 4 KiB register page: 32-bit registers on 16-byte boundaries. */
class LocalApicMmio implements MmioHandler {
  constructor(private readonly apic: LocalApic) {}
  read8(offset: number): number {
    return (this.read32(offset & ~3) >>> ((offset & 3) * 8)) & 0xff;
  }
  read16(offset: number): number {
    return (this.read32(offset & ~3) >>> ((offset & 2) * 8)) & 0xffff;
  }
  read32(offset: number): number {
    return (offset & 0xf) === 0 ? this.apic.readRegister(offset & 0xff0) : 0;
  }
  // Registers take 32-bit accesses only (SDM 10.4.1); narrower writes are dropped.
  write8(_offset: number, _value: number): void {}
  write16(_offset: number, _value: number): void {}
  write32(offset: number, value: number): void {
    if ((offset & 0xf) === 0) this.apic.writeRegister(offset & 0xff0, value >>> 0);
  }
}

/**
 * A P6/Pentium 4-class local APIC (xAPIC, Intel SDM vol. 3A chapter 10) for one
 * CPU: ID, version, TPR/APR/PPR, EOI (broadcast to IOAPICs for
 * level-triggered vectors), LDR/DFR, SVR, ISR/TMR/IRR, ESR, ICR (fixed,
 * lowest-priority, NMI, INIT, SIPI with shorthands), the LVT timer (one-shot
 * and periodic, divide configuration, current count from virtual time),
 * LINT0 (ExtINT virtual wire from the 8259), LINT1 (NMI) and error LVTs,
 * and the IA32_APIC_BASE MSR (relocation, global enable).
 *
 * It implements {@link InterruptAcknowledge} for its CPU: APIC vectors first,
 * then an ExtINT goes to the 8259's acknowledge. With the APIC globally
 * disabled, LINT0 drives INTR and LINT1 NMI directly, as on a CPU without one.
 */
export class LocalApic implements Device, ApicMessageTarget, InterruptAcknowledge {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'local-apic';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** LINT0 input (wire the 8259 master's INT here). */
  readonly lint0: IrqLine;
  /** LINT1 input (NMI sources). */
  readonly lint1: IrqLine;
  /** The register page handler, for machines that dispatch per CPU. */
  readonly mmio: MmioHandler;

  private readonly bsp: boolean;
  private readonly initialId: number;
  private readonly bus: ApicBus;
  private readonly intr: IrqLine;
  private readonly nmi: IrqLine;
  private extInt: InterruptAcknowledge | null;
  private readonly cpu: LocalApicCpuControl | null;
  private readonly doMap: boolean;
  private readonly timerClockNs: number;

  private id: number;
  private baseMsr: number;
  private tpr = 0;
  private ldr = 0;
  private dfr = 0xffffffff;
  private svr = 0xff;
  private esr = 0;
  private esrPending = 0;
  private icrLow = 0;
  private icrHigh = 0;
  private readonly irr = new Uint32Array(8);
  private readonly isr = new Uint32Array(8);
  private readonly tmr = new Uint32Array(8);
  private readonly lvt = new Uint32Array(6);
  private readonly lintLevel = new Uint8Array(2);
  private readonly lintRemoteIrr = new Uint8Array(2);
  private extIntPending = false;
  private intrLevel = false;
  private timerInitial = 0;
  private timerDcr = 0;
  private timerStart = 0;

  private clock: Clock | null = null;
  private timer: Timer | null = null;
  private mapping: MmioMapping | null = null;

  /** @param config ID, wires and options */
  constructor(config: LocalApicConfig) {
    this.initialId = config.apicId & 0xff;
    this.id = this.initialId;
    this.name = config.name ?? `lapic${this.initialId}`;
    this.bsp = config.bsp ?? this.initialId === 0;
    this.bus = config.bus;
    this.intr = config.intr;
    this.nmi = config.nmi;
    this.extInt = config.extInt ?? null;
    this.cpu = config.cpu ?? null;
    this.doMap = config.mapMmio ?? true;
    this.timerClockNs = config.timerClockNs ?? 1;
    if (!(this.timerClockNs > 0)) throw new RangeError('timerClockNs must be positive');
    this.baseMsr = LOCAL_APIC_DEFAULT_BASE | MSR_ENABLE | (this.bsp ? MSR_BSP : 0);
    this.lint0 = new LintPin(this, 0);
    this.lint1 = new LintPin(this, 1);
    this.mmio = new LocalApicMmio(this);
    this.powerOnState();
  }

  /** Connect the 8259's acknowledge after construction (wiring cycles). */
  setExtIntAcknowledge(ack: InterruptAcknowledge | null): void {
    this.extInt = ack;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    this.clock = ctx.clock;
    this.timer = ctx.timers.createTimer(`${this.name}.timer`, (now) => this.timerFired(now));
    if (this.doMap) {
      try {
        this.mapping = ctx.mmio.mapMmio(this.hwEnabled() ? this.base() : -1, 0x1000, this.mmio, {
          name: this.name,
          priority: 2,
        });
      } catch (e) {
        return { ok: false, error: `${this.name}: ${(e as Error).message}` };
      }
    }
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.id = this.initialId;
    this.baseMsr = LOCAL_APIC_DEFAULT_BASE | MSR_ENABLE | (this.bsp ? MSR_BSP : 0);
    this.mapping?.move(this.base());
    this.powerOnState();
    this.updateIntr();
  }

  /** @inheritDoc */
  destroy(): void {
    this.timer?.disarm();
    this.mapping?.unmap();
    this.mapping = null;
  }

  // ---- IA32_APIC_BASE (MSR 0x1B) -------------------------------------------

  /** IA32_APIC_BASE low 32 bits (the high half is 0), for the CPU's RDMSR. */
  readBaseMsr(): number {
    return this.baseMsr >>> 0;
  }

  /**
   * IA32_APIC_BASE write from the CPU's WRMSR: bits 31:12 move the register
   * page, bit 11 globally enables or disables the APIC, BSP is read-only.
   */
  writeBaseMsr(value: number): void {
    const wasEnabled = this.hwEnabled();
    this.baseMsr = ((value & 0xfffff800) | (this.baseMsr & MSR_BSP)) >>> 0;
    if (wasEnabled && !this.hwEnabled()) {
      // Going globally disabled drops the APIC to its software-disabled state (SDM 10.4.3).
      this.setSvr(this.svr & ~SVR_ENABLE);
    }
    this.mapping?.move(this.hwEnabled() ? this.base() : -1);
    this.updateIntr();
  }

  // ---- fabric side ---------------------------------------------------------

  /** @inheritDoc */
  matchesDestination(dest: number, logical: boolean): boolean {
    if (!this.hwEnabled()) return false;
    if (!logical) return dest === 0xff || dest === this.id;
    if (dest === 0xff) return true;
    const ldr = this.ldr >>> 24;
    if (this.dfr >>> 28 === 0xf) return (ldr & dest) !== 0; // flat model
    return (ldr & 0xf0) === (dest & 0xf0) && (ldr & dest & 0x0f) !== 0; // cluster model
  }

  /** @inheritDoc */
  arbitrationPriority(): number {
    // SDM 10.6.2.4: the TPR itself if its class is at least the IRR's and above the ISR's.
    const irrClass = Math.max(highestBit(this.irr), 0) & 0xf0;
    const isrClass = Math.max(highestBit(this.isr), 0) & 0xf0;
    const tprClass = this.tpr & 0xf0;
    if (tprClass >= irrClass && tprClass > isrClass) return this.tpr;
    return Math.max(tprClass, irrClass, isrClass);
  }

  /** @inheritDoc */
  acceptMessage(mode: number, vector: number, levelTriggered: boolean): void {
    if (!this.hwEnabled()) return;
    switch (mode) {
      case ApicDeliveryMode.Fixed:
      case ApicDeliveryMode.LowestPriority:
        this.setIrr(vector & 0xff, levelTriggered);
        return;
      case ApicDeliveryMode.Nmi:
        this.nmi.pulse();
        return;
      case ApicDeliveryMode.Init:
        this.initState();
        this.cpu?.init();
        return;
      case ApicDeliveryMode.StartUp:
        this.cpu?.startup(vector & 0xff);
        return;
      case ApicDeliveryMode.ExtInt:
        this.extIntPending = true;
        this.updateIntr();
        return;
      default:
        return; // SMI and reserved modes are not modelled
    }
  }

  // ---- CPU side ------------------------------------------------------------

  /** @inheritDoc */
  acknowledge(): number {
    if (!this.hwEnabled()) return this.extInt !== null ? this.extInt.acknowledge() : this.svr & 0xff;
    if ((this.svr & SVR_ENABLE) !== 0) {
      const v = this.deliverable();
      if (v >= 0) {
        this.irr[v >>> 5]! &= ~(1 << (v & 31));
        this.isr[v >>> 5]! |= 1 << (v & 31);
        this.updateIntr();
        return v;
      }
    }
    if (this.extIntActive() && this.extInt !== null) {
      this.extIntPending = false;
      const v = this.extInt.acknowledge();
      this.updateIntr();
      return v;
    }
    this.updateIntr();
    return this.svr & 0xff;
  }

  // ---- registers -----------------------------------------------------------

  /** Read the register at page offset `offset` (a multiple of 16). */
  readRegister(offset: number): number {
    switch (offset) {
      case 0x020:
        return (this.id << 24) >>> 0;
      case 0x030:
        return APIC_VERSION;
      case 0x080:
        return this.tpr;
      case 0x090:
        return this.arbitrationPriority();
      case 0x0a0:
        return this.ppr();
      case 0x0d0:
        return this.ldr;
      case 0x0e0:
        return this.dfr;
      case 0x0f0:
        return this.svr;
      case 0x280:
        return this.esr;
      case 0x300:
        return this.icrLow;
      case 0x310:
        return this.icrHigh;
      case 0x380:
        return this.timerInitial;
      case 0x390:
        return this.currentCount();
      case 0x3e0:
        return this.timerDcr;
      default:
        break;
    }
    if (offset >= 0x100 && offset < 0x180) return this.isr[(offset - 0x100) >>> 4]!;
    if (offset >= 0x180 && offset < 0x200) return this.tmr[(offset - 0x180) >>> 4]!;
    if (offset >= 0x200 && offset < 0x280) return this.irr[(offset - 0x200) >>> 4]!;
    if (offset >= 0x320 && offset <= 0x370) {
      const i = (offset - 0x320) >>> 4;
      let v = this.lvt[i]!;
      if ((i === 3 || i === 4) && this.lintRemoteIrr[i - 3] === 1) v |= LVT_REMOTE_IRR;
      return v >>> 0;
    }
    return 0;
  }

  /** Write the register at page offset `offset` (a multiple of 16). */
  writeRegister(offset: number, value: number): void {
    switch (offset) {
      case 0x020:
        this.id = value >>> 24;
        return;
      case 0x080:
        this.tpr = value & 0xff;
        this.updateIntr();
        return;
      case 0x0b0:
        this.eoi();
        return;
      case 0x0d0:
        this.ldr = (value & 0xff000000) >>> 0;
        return;
      case 0x0e0:
        this.dfr = (value | 0x0fffffff) >>> 0;
        return;
      case 0x0f0:
        this.setSvr(value & 0x3ff);
        this.updateIntr();
        return;
      case 0x280:
        // A write latches the errors seen since the previous write (SDM 10.5.3).
        this.esr = this.esrPending;
        this.esrPending = 0;
        return;
      case 0x300:
        this.icrLow = value & 0x000cdfff;
        this.sendIpi();
        return;
      case 0x310:
        this.icrHigh = (value & 0xff000000) >>> 0;
        return;
      case 0x380:
        this.timerInitial = value >>> 0;
        this.timerStart = this.now();
        this.armTimer();
        return;
      case 0x3e0:
        this.setDivide(value & 0xb);
        return;
      default:
        break;
    }
    if (offset >= 0x320 && offset <= 0x370) this.writeLvt((offset - 0x320) >>> 4, value);
  }

  /** @internal a LINT pin changed level. */
  setLint(index: number, level: boolean): void {
    const l = level ? 1 : 0;
    const old = this.lintLevel[index]!;
    this.lintLevel[index] = l;
    if (!this.hwEnabled()) {
      if (index === 0) this.updateIntr();
      else if (l === 1 && old === 0) this.nmi.pulse();
      return;
    }
    this.lintInput(index, l === 1 && old === 0);
  }

  /** Re-drive the CPU's INTR from the APIC state (after a whole-machine restore). */
  syncOutputs(): void {
    this.intr.set(this.intrLevel);
  }

  /** The vector the CPU would get now, or -1 (diagnostics, tests). */
  pendingVector(): number {
    return (this.svr & SVR_ENABLE) !== 0 ? this.deliverable() : -1;
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        id: this.id,
        baseMsr: this.baseMsr,
        tpr: this.tpr,
        ldr: this.ldr,
        dfr: this.dfr,
        svr: this.svr,
        esr: this.esr,
        esrPending: this.esrPending,
        icrLow: this.icrLow,
        icrHigh: this.icrHigh,
        irr: this.irr.slice(),
        isr: this.isr.slice(),
        tmr: this.tmr.slice(),
        lvt: this.lvt.slice(),
        lintLevel: this.lintLevel.slice(),
        lintRemoteIrr: this.lintRemoteIrr.slice(),
        extIntPending: this.extIntPending,
        intrLevel: this.intrLevel,
        timerInitial: this.timerInitial,
        timerDcr: this.timerDcr,
        timerStart: this.timerStart,
        timerDeadline: this.timer?.deadline ?? -1,
      },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const f = state.fields;
    const irr = readUint32Array(f, 'irr', 8);
    const isr = readUint32Array(f, 'isr', 8);
    const tmr = readUint32Array(f, 'tmr', 8);
    const lvt = readUint32Array(f, 'lvt', 6);
    const lintLevel = readUint8Array(f, 'lintLevel', 2);
    const lintRemoteIrr = readUint8Array(f, 'lintRemoteIrr', 2);
    const deadline = readNumber(f, 'timerDeadline');
    this.id = readNumber(f, 'id') & 0xff;
    this.baseMsr = readNumber(f, 'baseMsr') >>> 0;
    this.tpr = readNumber(f, 'tpr') & 0xff;
    this.ldr = readNumber(f, 'ldr') >>> 0;
    this.dfr = readNumber(f, 'dfr') >>> 0;
    this.svr = readNumber(f, 'svr') & 0x3ff;
    this.esr = readNumber(f, 'esr') & 0xff;
    this.esrPending = readNumber(f, 'esrPending') & 0xff;
    this.icrLow = readNumber(f, 'icrLow') >>> 0;
    this.icrHigh = readNumber(f, 'icrHigh') >>> 0;
    this.extIntPending = readBoolean(f, 'extIntPending');
    this.intrLevel = readBoolean(f, 'intrLevel');
    this.timerInitial = readNumber(f, 'timerInitial') >>> 0;
    this.timerDcr = readNumber(f, 'timerDcr') & 0xb;
    this.timerStart = readNumber(f, 'timerStart');
    this.irr.set(irr);
    this.isr.set(isr);
    this.tmr.set(tmr);
    this.lvt.set(lvt);
    this.lintLevel.set(lintLevel);
    this.lintRemoteIrr.set(lintRemoteIrr);
    this.mapping?.move(this.hwEnabled() ? this.base() : -1);
    if (this.timer !== null) {
      if (deadline >= 0) this.timer.arm(deadline);
      else this.timer.disarm();
    }
  }

  // ---- internals -----------------------------------------------------------

  private hwEnabled(): boolean {
    return (this.baseMsr & MSR_ENABLE) !== 0;
  }

  private base(): number {
    return (this.baseMsr & 0xfffff000) >>> 0;
  }

  private now(): number {
    return this.clock !== null ? this.clock.now() : 0;
  }

  /** Registers as after power-up (SDM 10.4.7.1). */
  private powerOnState(): void {
    this.initState();
    // The BSP's LINT0 starts as an unmasked ExtINT virtual wire so the 8259
    // reaches the CPU before firmware programs the APIC (as QEMU's board does;
    // SeaBIOS relies on it).
    if (this.bsp) this.lvt[LVT_LINT0] = ApicDeliveryMode.ExtInt << 8;
  }

  /** State after INIT: everything but the APIC ID and base MSR (SDM 10.4.7.3). */
  private initState(): void {
    this.tpr = 0;
    this.ldr = 0;
    this.dfr = 0xffffffff;
    this.svr = 0xff;
    this.esr = 0;
    this.esrPending = 0;
    this.icrLow = 0;
    this.icrHigh = 0;
    this.irr.fill(0);
    this.isr.fill(0);
    this.tmr.fill(0);
    this.lvt.fill(LVT_MASKED);
    this.lintRemoteIrr.fill(0);
    this.extIntPending = false;
    this.timerInitial = 0;
    this.timerDcr = 0;
    this.timerStart = 0;
    this.timer?.disarm();
  }

  private ppr(): number {
    const isrv = highestBit(this.isr);
    const isrClass = isrv < 0 ? 0 : isrv & 0xf0;
    return (this.tpr & 0xf0) >= isrClass ? this.tpr : isrClass;
  }

  /** Highest IRR vector whose priority class beats the PPR, or -1. */
  private deliverable(): number {
    const v = highestBit(this.irr);
    if (v < 0) return -1;
    return (v & 0xf0) > (this.ppr() & 0xf0) ? v : -1;
  }

  private extIntActive(): boolean {
    if (this.extIntPending) return true;
    const l = this.lvt[LVT_LINT0]!;
    return this.lintLevel[0] === 1 && (l & LVT_MASKED) === 0 && ((l >>> 8) & 7) === ApicDeliveryMode.ExtInt;
  }

  private updateIntr(): void {
    let level: boolean;
    if (!this.hwEnabled()) level = this.lintLevel[0] === 1;
    else level = this.extIntActive() || ((this.svr & SVR_ENABLE) !== 0 && this.deliverable() >= 0);
    if (level === this.intrLevel) return;
    this.intrLevel = level;
    this.intr.set(level);
  }

  private setIrr(vector: number, level: boolean): void {
    if (vector < 16) {
      this.raiseError(ApicError.ReceiveIllegalVector);
      return;
    }
    const w = vector >>> 5;
    const bit = 1 << (vector & 31);
    this.irr[w]! |= bit;
    if (level) this.tmr[w]! |= bit;
    else this.tmr[w]! &= ~bit;
    this.updateIntr();
  }

  private raiseError(bits: number): void {
    this.esrPending |= bits;
    const l = this.lvt[LVT_ERROR]!;
    if ((l & LVT_MASKED) === 0 && (l & 0xff) >= 16) {
      const v = l & 0xff;
      this.irr[v >>> 5]! |= 1 << (v & 31);
      this.tmr[v >>> 5]! &= ~(1 << (v & 31));
      this.updateIntr();
    }
  }

  private eoi(): void {
    const v = highestBit(this.isr);
    if (v < 0) return;
    const w = v >>> 5;
    const bit = 1 << (v & 31);
    this.isr[w]! &= ~bit;
    if ((this.tmr[w]! & bit) !== 0) {
      this.tmr[w]! &= ~bit;
      for (let i = 0; i < 2; i++) {
        const l = this.lvt[LVT_LINT0 + i]!;
        if (this.lintRemoteIrr[i] === 1 && (l & 0xff) === v) {
          this.lintRemoteIrr[i] = 0;
          this.lintInput(i, false);
        }
      }
      this.bus.broadcastEoi(v);
    }
    this.updateIntr();
  }

  private setSvr(value: number): void {
    this.svr = value;
    // Software disable masks every LVT entry (SDM 10.4.7.2).
    if ((value & SVR_ENABLE) === 0) for (let i = 0; i < 6; i++) this.lvt[i]! |= LVT_MASKED;
  }

  private writeLvt(index: number, value: number): void {
    let v = value & LVT_WRITABLE[index as 0 | 1 | 2 | 3 | 4 | 5];
    if ((this.svr & SVR_ENABLE) === 0) v |= LVT_MASKED;
    this.lvt[index] = v >>> 0;
    if (index === LVT_TIMER) this.armTimer();
    else if (index === 3 || index === 4) {
      if ((v & LVT_LEVEL) === 0) this.lintRemoteIrr[index - 3] = 0;
      this.lintInput(index - 3, false);
    }
    this.updateIntr();
  }

  /** Apply LINTn's LVT entry to its current level (`rising` for a fresh edge). */
  private lintInput(index: number, rising: boolean): void {
    const l = this.lvt[LVT_LINT0 + index]!;
    if ((l & LVT_MASKED) !== 0) {
      if (index === 0) this.updateIntr();
      return;
    }
    const high = this.lintLevel[index] === 1;
    switch ((l >>> 8) & 7) {
      case ApicDeliveryMode.Fixed:
        if ((l & LVT_LEVEL) !== 0) {
          if (high && this.lintRemoteIrr[index] === 0) {
            this.lintRemoteIrr[index] = 1;
            this.setIrr(l & 0xff, true);
          }
        } else if (rising) {
          this.setIrr(l & 0xff, false);
        }
        return;
      case ApicDeliveryMode.Nmi:
        if (rising) this.nmi.pulse();
        return;
      case ApicDeliveryMode.Init:
        if (rising) {
          this.initState();
          this.cpu?.init();
        }
        return;
      case ApicDeliveryMode.ExtInt:
        this.updateIntr();
        return;
      default:
        return;
    }
  }

  private sendIpi(): void {
    const lo = this.icrLow;
    const mode = (lo >>> 8) & 7;
    const vector = lo & 0xff;
    // INIT level de-assert only synchronises arbitration IDs: nothing to deliver.
    if (mode === ApicDeliveryMode.Init && (lo & 0x4000) === 0 && (lo & 0x8000) !== 0) return;
    if ((mode === ApicDeliveryMode.Fixed || mode === ApicDeliveryMode.LowestPriority) && vector < 16) {
      this.raiseError(ApicError.SendIllegalVector);
      return;
    }
    const shorthand = (lo >>> 18) & 3;
    this.bus.sendMessage(this.icrHigh >>> 24, (lo & 0x800) !== 0, mode, vector, false, shorthand, this);
  }

  // ---- timer ---------------------------------------------------------------

  private divisor(dcr: number): number {
    const v = (dcr & 3) | ((dcr >>> 1) & 4);
    return v === 7 ? 1 : 2 << v;
  }

  private tickNs(): number {
    return this.timerClockNs * this.divisor(this.timerDcr);
  }

  private currentCount(): number {
    const initial = this.timerInitial;
    if (initial === 0) return 0;
    const elapsed = Math.floor((this.now() - this.timerStart) / this.tickNs());
    if ((this.lvt[LVT_TIMER]! & LVT_PERIODIC) !== 0) return (initial - (elapsed % initial)) >>> 0;
    return elapsed >= initial ? 0 : (initial - elapsed) >>> 0;
  }

  private setDivide(dcr: number): void {
    // Keep the count where it is and continue at the new rate.
    const count = this.currentCount();
    this.timerDcr = dcr;
    if (this.timerInitial !== 0) {
      this.timerStart = this.now() - (this.timerInitial - count) * this.tickNs();
      this.armTimer();
    }
  }

  private armTimer(): void {
    const t = this.timer;
    if (t === null) return;
    if (this.timerInitial === 0) {
      t.disarm();
      return;
    }
    const period = this.timerInitial * this.tickNs();
    const elapsed = this.now() - this.timerStart;
    if ((this.lvt[LVT_TIMER]! & LVT_PERIODIC) !== 0) {
      t.arm(this.timerStart + (Math.floor(elapsed / period) + 1) * period);
    } else if (elapsed < period) {
      t.arm(this.timerStart + period);
    } else {
      t.disarm();
    }
  }

  private timerFired(_now: number): void {
    const l = this.lvt[LVT_TIMER]!;
    if ((l & LVT_MASKED) === 0) this.setIrr(l & 0xff, false);
    if ((l & LVT_PERIODIC) !== 0) this.armTimer();
  }
}
