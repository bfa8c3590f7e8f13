import type { IrqLine } from '@vm/bus';

/**
 * An {@link IrqLine} that remembers its level and forwards it to a target
 * that can be connected later or replaced (the CPU's INTR pin, created after
 * the interrupt controller that drives it).
 */
export class ForwardingLine implements IrqLine {
  /** The level last driven. */
  level: boolean;
  private target: IrqLine | null;

  constructor() {
    this.level = false;
    this.target = null;
  }
  /** Connect (or with `null` disconnect) the target and drive it with the current level. */
  connect(target: IrqLine | null): void {
    this.target = target;
    if (target !== null) target.set(this.level);
  }
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
    this.level = level;
    if (this.target !== null) this.target.set(level);
  }
}
