/**
 * Interrupt signalling.
 *
 * @module
 */

/**
 * One interrupt wire, level-triggered: the receiver sees the current level.
 * Edge-triggered receivers (an 8259 input in edge mode, an IOAPIC pin set to
 * edge) detect the low-to-high transition themselves.
 */
export interface IrqLine {
  /** Drive the line high (asserted). Idempotent. */
  raise(): void;
  /** Drive the line low. Idempotent. */
  lower(): void;
  /** Raise then lower: one edge for edge-triggered receivers. */
  pulse(): void;
  /** Drive the line to `level` (true = asserted). */
  set(level: boolean): void;
}

/**
 * The interrupt acknowledge cycle: what a CPU calls when it accepts an INTR.
 * Implemented by the interrupt controller wired to the CPU's INTR pin (an
 * 8259 pair, or a local APIC).
 */
export interface InterruptAcknowledge {
  /**
   * Acknowledge the highest-priority pending interrupt and return its vector
   * (0..255). If nothing is pending any more, the controller returns its
   * spurious vector, as real hardware does.
   */
  acknowledge(): number;
}
