import type { IrqLine } from '../irq.js';

/**
 * An {@link IrqLine} that records every level change, for device unit tests.
 *
 * @example
 * const irq = new RecordingIrqLine();
 * uart.raiseSomething();
 * expect(irq.level).toBe(true);
 * expect(irq.edges).toBe(1);
 */
export class RecordingIrqLine implements IrqLine {
  /** Current level. */
  level = false;
  /** Number of low-to-high transitions seen. */
  edges = 0;
  /** Every level driven, in order (including repeats of the same level). */
  readonly history: boolean[] = [];

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
    this.history.push(level);
  }
  /** Forget the history and edge count (the level is kept). */
  clearHistory(): void {
    this.history.length = 0;
    this.edges = 0;
  }
}
