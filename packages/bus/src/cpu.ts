/**
 * The contract between a CPU model and the machine it runs in. A CPU package
 * depends on nothing but these interfaces, so it can be dropped into any
 * machine that provides them.
 *
 * @module
 */

import type { IrqLine, InterruptAcknowledge } from './irq.js';
import type { GuestMemory } from './memory.js';
import type { PortIo } from './port-io.js';
import type { Clock } from './time.js';

/** What a CPU needs from the machine. */
export interface CpuPlatform {
  /** Guest-physical memory (fast-path translation plus slow accessors). */
  readonly memory: GuestMemory;
  /** Port I/O space. */
  readonly io: PortIo;
  /** Interrupt acknowledge for the controller wired to INTR. */
  readonly interrupts: InterruptAcknowledge;
  /** Virtual time (for the time-stamp counter). */
  readonly clock: Clock;
  /**
   * The CPU entered the shutdown state (triple fault). The platform decides
   * what follows (a PC resets); the CPU stays in shutdown until reset.
   */
  shutdown(reason: string): void;
}

/** Run states of a {@link VCpu}. */
export const CpuRunState = {
  /** Executing instructions. */
  Running: 0,
  /** Stopped in HLT until an unmasked interrupt or NMI. */
  Halted: 1,
  /** Stopped after a triple fault until reset. */
  Shutdown: 2,
} as const;

/** A {@link CpuRunState} value. */
export type CpuRunState = (typeof CpuRunState)[keyof typeof CpuRunState];

/** One virtual CPU as the machine drives it. */
export interface VCpu {
  /** The INTR input, level-sensitive; acknowledged through {@link CpuPlatform.interrupts}. */
  readonly intr: IrqLine;
  /** The NMI input; a rising edge latches one NMI. */
  readonly nmi: IrqLine;
  /** Current run state. */
  readonly runState: CpuRunState;
  /** Instructions retired since power-on; deterministic clocks derive time from it. */
  readonly retired: number;
  /**
   * Execute up to `budget` instructions and return how many retired. Returns
   * early when the CPU halts or shuts down, or after {@link requestExit}.
   */
  run(budget: number): number;
  /** Make the current (or next) {@link run} return at the next instruction boundary. */
  requestExit(): void;
  /** The A20 gate input from the platform (8042 output port, port 0x92). */
  setA20(enabled: boolean): void;
  /** Power-on reset (RESET#): architectural reset state, caches and TLB flushed. */
  reset(): void;
}
