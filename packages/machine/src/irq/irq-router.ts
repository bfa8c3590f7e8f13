import type { IrqLine } from '@vm/bus';

/**
 * One device's connection to a platform interrupt input. Several sources
 * may share an input: the input is asserted while any of them is (a
 * wired-OR, as on a shared PCI INTx line).
 */
export class IrqSource implements IrqLine {
  /** The input this source drives. */
  readonly input: number;
  /** Who holds this source, for diagnostics. */
  readonly owner: string;
  /** The level this source drives. */
  level: boolean;
  private readonly router: IrqRouter;

  /** @internal use {@link IrqRouter.line} */
  constructor(router: IrqRouter, input: number, owner: string) {
    this.router = router;
    this.input = input;
    this.owner = owner;
    this.level = false;
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
    if (level === this.level) return;
    this.level = level;
    this.router.sourceChanged(this.input, level);
  }
}

/** Saved state of an {@link IrqRouter}: each source's level, in creation order. */
export interface IrqRouterState {
  /** Levels of every source line. */
  readonly levels: readonly boolean[];
}

/**
 * The platform's interrupt fabric: numbered inputs 0..count-1 (ISA IRQs, PCI
 * INTx links, ...). Devices get {@link IrqSource} lines onto an input;
 * the interrupt controller that a preset installs is attached to the inputs
 * as targets. Inputs are level-sensitive and wired-OR: an input's level is
 * the OR of its sources, and targets see only changes of that level. An
 * input can feed several targets (an 8259 and an IOAPIC both see ISA IRQs).
 */
export class IrqRouter {
  /** Number of inputs. */
  readonly count: number;
  private readonly asserted: Int32Array;
  private readonly targets: IrqLine[][];
  private readonly sources: IrqSource[] = [];

  /** @param count number of platform interrupt inputs (1..1024) */
  constructor(count: number) {
    if (!Number.isInteger(count) || count < 1 || count > 1024) throw new RangeError(`IrqRouter: ${count} inputs is not in 1..1024`);
    this.count = count;
    this.asserted = new Int32Array(count);
    this.targets = Array.from({ length: count }, () => []);
  }

  /**
   * A new source line onto input `n` for a device (`owner` names it).
   * @throws RangeError for an input that does not exist (a wiring bug)
   */
  line(n: number, owner = 'device'): IrqSource {
    this.check(n);
    const s = new IrqSource(this, n, owner);
    this.sources.push(s);
    return s;
  }

  /**
   * Connect input `n` to an interrupt controller input. The target is driven
   * with the input's current level at once, then on every change.
   */
  attach(n: number, target: IrqLine): void {
    this.check(n);
    this.targets[n]!.push(target);
    target.set(this.asserted[n]! > 0);
  }

  /** Disconnect every target (a preset replacing the controller). */
  detachAll(): void {
    for (const t of this.targets) t.length = 0;
  }

  /** The current level of input `n` (true when any source asserts it). */
  level(n: number): boolean {
    this.check(n);
    return this.asserted[n]! > 0;
  }

  /** Every source line created, in creation order. */
  get allSources(): readonly IrqSource[] {
    return this.sources;
  }

  /** Drive every target again with its input's level (after a restore). */
  refresh(): void {
    for (let n = 0; n < this.count; n++) {
      const level = this.asserted[n]! > 0;
      for (const t of this.targets[n]!) t.set(level);
    }
  }

  /** Capture each source's level. */
  snapshot(): IrqRouterState {
    return { levels: this.sources.map((s) => s.level) };
  }

  /**
   * Set the source levels from a snapshot, without telling targets (call
   * {@link refresh} once every device is restored).
   * @throws RangeError when the state has a different number of sources
   */
  restore(state: IrqRouterState): void {
    if (!Array.isArray(state.levels) || state.levels.length !== this.sources.length)
      throw new RangeError(`IRQ state has ${state.levels?.length} sources, this machine has ${this.sources.length}`);
    this.asserted.fill(0);
    for (let i = 0; i < this.sources.length; i++) {
      const s = this.sources[i]!;
      s.level = state.levels[i] === true;
      if (s.level) this.asserted[s.input]!++;
    }
  }

  /** @internal a source changed level */
  sourceChanged(n: number, level: boolean): void {
    const before = this.asserted[n]!;
    const after = level ? before + 1 : before - 1;
    this.asserted[n] = after;
    // Only the OR of the sources is visible: tell targets on 0 <-> 1 transitions.
    if ((before === 0) !== (after === 0)) {
      const targets = this.targets[n]!;
      for (let i = 0; i < targets.length; i++) targets[i]!.set(after > 0);
    }
  }

  private check(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.count) throw new RangeError(`IRQ input ${n} is not in 0..${this.count - 1}`);
  }
}
