import type { IrqLine } from '@vm/bus';

/** One input of a {@link WiredOrIrq}. */
class WiredOrInput implements IrqLine {
  level = false;
  constructor(private readonly owner: WiredOrIrq) {}
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
    this.owner.inputChanged(level);
  }
}

/**
 * A shared interrupt wire: several sources drive one output, which is
 * asserted while any source asserts it (the PC's shared-IRQ wiring, e.g. the
 * ACPI SCI and a PCI PIRQ both routed to ISA IRQ 9). The output is driven
 * only on level changes.
 *
 * @example
 * const irq9 = new WiredOrIrq(pic.irq(9));
 * const pm = new Piix4Pm({ sci: irq9.input(), ... });
 */
export class WiredOrIrq {
  private asserted = 0;
  /** @param output the wire every input drives */
  constructor(private readonly output: IrqLine) {}
  /** Create a new input (call while wiring the machine, not at run time). */
  input(): IrqLine {
    return new WiredOrInput(this);
  }
  /** Number of inputs currently asserted. */
  get assertedCount(): number {
    return this.asserted;
  }
  /** @internal an input changed level */
  inputChanged(level: boolean): void {
    if (level) {
      if (this.asserted++ === 0) this.output.raise();
    } else if (--this.asserted === 0) {
      this.output.lower();
    }
  }
}
