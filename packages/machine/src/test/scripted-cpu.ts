import { CpuRunState, StateError } from '@vm/bus';
import type { CpuPlatform, DeviceState, IrqLine, Snapshotable, VCpu } from '@vm/bus';

/** `OUT port, value`. */
export interface OutStep {
  /** Discriminant. */
  readonly op: 'out';
  /** I/O port. */
  readonly port: number;
  /** Value written. */
  readonly value: number;
  /** Access width in bytes (default 1). */
  readonly width?: 1 | 2 | 4;
}
/** `IN port`; the value is appended to {@link ScriptedCpu.inputs}. */
export interface InStep {
  /** Discriminant. */
  readonly op: 'in';
  /** I/O port. */
  readonly port: number;
  /** Access width in bytes (default 1). */
  readonly width?: 1 | 2 | 4;
}
/** `count` instructions that do nothing (a busy loop); may span slices. */
export interface NopStep {
  /** Discriminant. */
  readonly op: 'nop';
  /** Instructions retired. */
  readonly count: number;
}
/** Continue at another step. */
export interface JumpStep {
  /** Discriminant. */
  readonly op: 'jump';
  /** Index of the next step. */
  readonly to: number;
}
/** Run a function (poke memory, assert, branch by returning a step index). */
export interface CallStep {
  /** Discriminant. */
  readonly op: 'call';
  /** The function; a returned number is the next step's index. */
  readonly fn: (cpu: ScriptedCpu) => number | void;
}
/** Triple fault: tell the platform and stop until reset. */
export interface ShutdownStep {
  /** Discriminant. */
  readonly op: 'shutdown';
  /** Passed to `CpuPlatform.shutdown` (default `triple fault`). */
  readonly reason?: string;
}
/** `sti`, `cli` (interrupt flag) or `hlt` (halt until an interrupt with IF set, or an NMI). */
export interface FlagStep {
  /** Which instruction. */
  readonly op: 'sti' | 'cli' | 'hlt';
}

/**
 * One step of a {@link ScriptedCpu} program. Every step but `nop` retires
 * one instruction; `nop` retires `count`.
 */
export type ScriptStep = OutStep | InStep | NopStep | FlagStep | JumpStep | CallStep | ShutdownStep;

/** A CPU input pin that records its level and rising edges. */
export class PinLine implements IrqLine {
  /** Current level. */
  level = false;
  /** Rising edges seen. */
  edges = 0;
  /** @inheritDoc */
  raise(): void {
    this.set(true);
  }
  /** @inheritDoc */
  lower(): void {
    this.set(false);
  }
  /** @inheritDoc */
  pulse(): void {
    this.set(true);
    this.set(false);
  }
  /** @inheritDoc */
  set(level: boolean): void {
    if (level && !this.level) this.edges++;
    this.level = level;
  }
}

/**
 * A tiny {@link VCpu} for machine tests: it runs a list of {@link ScriptStep}s
 * instead of x86 code, with real run-loop behaviour: budgets, early exit,
 * HLT with wake-up on INTR (acknowledging through the platform, which
 * clears IF as an interrupt gate does; there are no handlers) or NMI,
 * triple-fault shutdown, reset, and a snapshot of its state. After the last
 * step it halts for good (as `cli; hlt` would, but interrupts are still
 * taken when IF is set).
 */
export class ScriptedCpu implements VCpu, Snapshotable {
  /** @inheritDoc */
  readonly stateName = 'scripted-cpu';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** @inheritDoc */
  readonly intr: PinLine;
  /** @inheritDoc */
  readonly nmi: PinLine;
  /** @inheritDoc */
  runState: CpuRunState;
  /** @inheritDoc */
  retired: number;
  /** Index of the next step. */
  pc: number;
  /** The interrupt flag. */
  interruptFlag: boolean;
  /** Values read by `in` steps, in order. */
  readonly inputs: number[];
  /** Interrupt vectors taken (`-2` for an NMI), in order. */
  readonly vectors: number[];
  /** The A20 gate as last set by the platform. */
  a20: boolean;
  /** Number of resets. */
  resets: number;
  /** The platform the machine gave this CPU. */
  readonly platform: CpuPlatform;
  private readonly program: readonly ScriptStep[];
  private nopLeft: number;
  private exitRequested: boolean;
  private nmiSeen: number;

  /**
   * @param platform what the machine provides
   * @param program the steps to run from power-on
   */
  constructor(platform: CpuPlatform, program: readonly ScriptStep[]) {
    this.platform = platform;
    this.program = program;
    this.intr = new PinLine();
    this.nmi = new PinLine();
    this.runState = CpuRunState.Running;
    this.retired = 0;
    this.pc = 0;
    this.interruptFlag = false;
    this.inputs = [];
    this.vectors = [];
    this.a20 = true;
    this.resets = 0;
    this.nopLeft = -1;
    this.exitRequested = false;
    this.nmiSeen = 0;
  }

  /** @inheritDoc */
  run(budget: number): number {
    const start = this.retired;
    const end = start + Math.max(0, Math.floor(budget));
    this.exitRequested = false;
    while (this.retired < end && !this.exitRequested) {
      if (this.runState === CpuRunState.Shutdown) break;
      if (this.takeInterrupt()) continue;
      if (this.runState === CpuRunState.Halted) break;
      this.step(end);
    }
    this.exitRequested = false;
    return this.retired - start;
  }

  /** @inheritDoc */
  requestExit(): void {
    this.exitRequested = true;
  }

  /** @inheritDoc */
  setA20(enabled: boolean): void {
    this.a20 = enabled;
  }

  /** @inheritDoc */
  reset(): void {
    this.runState = CpuRunState.Running;
    this.pc = 0;
    this.interruptFlag = false;
    this.nopLeft = -1;
    this.resets++;
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: { pc: this.pc, runState: this.runState, retired: this.retired, interruptFlag: this.interruptFlag, nopLeft: this.nopLeft },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    if (state.name !== this.stateName || state.version !== this.stateVersion) throw new StateError(`not a ${this.stateName} v1 state`);
    const f = state.fields;
    if (typeof f.pc !== 'number' || typeof f.retired !== 'number' || typeof f.runState !== 'number') throw new StateError('bad scripted-cpu fields');
    this.pc = f.pc;
    this.runState = f.runState as CpuRunState;
    this.retired = f.retired;
    this.interruptFlag = f.interruptFlag === true;
    this.nopLeft = typeof f.nopLeft === 'number' ? f.nopLeft : -1;
  }

  private takeInterrupt(): boolean {
    if (this.nmi.edges > this.nmiSeen) {
      this.nmiSeen = this.nmi.edges;
      this.vectors.push(-2);
      if (this.runState === CpuRunState.Halted) this.runState = CpuRunState.Running;
      return false;
    }
    if (!this.interruptFlag || !this.intr.level) return false;
    this.vectors.push(this.platform.interrupts.acknowledge());
    // As through an x86 interrupt gate: IF is cleared; the program sets it again with `sti`.
    this.interruptFlag = false;
    if (this.runState === CpuRunState.Halted) this.runState = CpuRunState.Running;
    return false;
  }

  private step(end: number): void {
    const s = this.program[this.pc];
    if (s === undefined) {
      this.runState = CpuRunState.Halted;
      return;
    }
    const io = this.platform.io;
    switch (s.op) {
      case 'out':
        if (s.width === 2) io.out16(s.port, s.value);
        else if (s.width === 4) io.out32(s.port, s.value);
        else io.out8(s.port, s.value);
        break;
      case 'in':
        this.inputs.push(s.width === 2 ? io.in16(s.port) : s.width === 4 ? io.in32(s.port) : io.in8(s.port));
        break;
      case 'nop': {
        if (this.nopLeft < 0) this.nopLeft = s.count;
        const n = Math.min(this.nopLeft, end - this.retired);
        this.nopLeft -= n;
        this.retired += n;
        if (this.nopLeft === 0) {
          this.nopLeft = -1;
          this.pc++;
        }
        return;
      }
      case 'sti':
        this.interruptFlag = true;
        break;
      case 'cli':
        this.interruptFlag = false;
        break;
      case 'hlt':
        this.retired++;
        this.pc++;
        this.runState = CpuRunState.Halted;
        return;
      case 'jump':
        this.retired++;
        this.pc = s.to;
        return;
      case 'call': {
        // Like I/O, the function runs inside the instruction, before it retires.
        const to = s.fn(this);
        this.retired++;
        this.pc = typeof to === 'number' ? to : this.pc + 1;
        return;
      }
      case 'shutdown':
        this.retired++;
        this.runState = CpuRunState.Shutdown;
        this.platform.shutdown(s.reason ?? 'triple fault');
        return;
    }
    this.retired++;
    this.pc++;
  }
}
