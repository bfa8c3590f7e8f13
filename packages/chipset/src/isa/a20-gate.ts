import type { IrqLine } from '@vm/bus';

/** One input of an {@link A20Gate}. */
class A20Input implements IrqLine {
  level = false;
  constructor(private readonly gate: A20Gate) {}
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
    if (level === this.level) return;
    this.level = level;
    this.gate.update();
  }
}

/**
 * The PIIX3's A20 combination: A20 is enabled when any source enables it
 * (the 8042 output port bit 1 or port 0x92 bit 1), i.e. A20M# is asserted
 * only when all are off. Wire each source's `a20` to one of {@link inputs}
 * and the output to the CPU (e.g. `{ set: (on) => cpu.setA20(on), ... }`).
 */
export class A20Gate {
  /** The source wires; raised = that source enables A20. */
  readonly inputs: readonly IrqLine[];
  private readonly sources: A20Input[];
  private level = false;

  /**
   * @param output driven with the combined level (raised = A20 enabled)
   * @param count number of sources (default 2: 8042 and port 0x92)
   */
  constructor(
    private readonly output: IrqLine,
    count = 2,
  ) {
    this.sources = [];
    for (let i = 0; i < count; i++) this.sources.push(new A20Input(this));
    this.inputs = this.sources;
  }

  /** Whether A20 is enabled now. */
  get enabled(): boolean {
    return this.level;
  }

  /** @internal recompute the output after an input changed */
  update(): void {
    let on = false;
    for (const s of this.sources) on ||= s.level;
    if (on !== this.level) {
      this.level = on;
      this.output.set(on);
    }
  }
}
