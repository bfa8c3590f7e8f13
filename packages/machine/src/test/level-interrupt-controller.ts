import type { InterruptAcknowledge, IrqLine } from '@vm/bus';

class ControllerInput implements IrqLine {
  constructor(
    private readonly owner: LevelInterruptController,
    private readonly n: number,
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
    this.owner.setInput(this.n, level);
  }
}

/**
 * The simplest interrupt controller, for machine tests and examples where
 * an 8259 would be overkill: `count` level-sensitive inputs, INTR asserted
 * while any input is, and acknowledge returning `vectorBase + n` for the
 * lowest asserted input n (or `spuriousVector` when none is). It keeps no
 * in-service state, so the device must lower its line once serviced.
 */
export class LevelInterruptController implements InterruptAcknowledge {
  /** Current input levels (bit n = input n). */
  levels: number;
  /** Number of acknowledge cycles. */
  acknowledged: number;
  /** The inputs, to attach to an IrqRouter. */
  readonly inputs: readonly IrqLine[];
  private readonly intr: IrqLine;

  /**
   * @param intr the CPU's INTR wire (`machine.cpuIntr`)
   * @param vectorBase vector of input 0
   * @param count number of inputs (1..32)
   * @param spuriousVector returned when nothing is pending
   */
  constructor(
    intr: IrqLine,
    readonly vectorBase = 0x20,
    count = 16,
    readonly spuriousVector = 0xff,
  ) {
    if (!Number.isInteger(count) || count < 1 || count > 32) throw new RangeError(`LevelInterruptController: ${count} inputs`);
    this.intr = intr;
    this.levels = 0;
    this.acknowledged = 0;
    this.inputs = Array.from({ length: count }, (_, n) => new ControllerInput(this, n));
  }

  /** Drive input `n`. */
  setInput(n: number, level: boolean): void {
    const bit = 1 << n;
    this.levels = level ? this.levels | bit : this.levels & ~bit;
    this.intr.set(this.levels !== 0);
  }

  /** @inheritDoc */
  acknowledge(): number {
    this.acknowledged++;
    if (this.levels === 0) return this.spuriousVector;
    return (this.vectorBase + (31 - Math.clz32(this.levels & -this.levels))) & 0xff;
  }
}
