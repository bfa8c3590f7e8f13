import type { Clock, Device, DeviceContext, DeviceState, IrqLine, PortIoHandler, RealizeResult, Timer } from '@vm/bus';
import { IDLE_CLOCK, IDLE_TIMER } from './idle-time.js';
import { Pit8254Counter } from './pit8254-counter.js';
import { PortClaims } from './realize-ports.js';
import { StateReader } from './state-reader.js';

/** Configuration of a {@link Pit8254}. */
export interface Pit8254Config {
  /** Instance name (default `"pit"`). */
  readonly name?: string;
  /** Counter 0's OUT: IRQ0 on a PC. */
  readonly irq0: IrqLine;
}

/** Ports 0x40-0x42 (counters) and 0x43 (control word). */
class PitPorts implements PortIoHandler {
  constructor(private readonly pit: Pit8254) {}
  read8(offset: number): number {
    return this.pit.readPort(offset & 3);
  }
  write8(offset: number, value: number): void {
    this.pit.writePort(offset & 3, value & 0xff);
  }
}

/**
 * The 8254 programmable interval timer at 0x40-0x43. Counts derive from
 * virtual time at 1.193182 MHz; counter 0's OUT drives IRQ0 through a timer
 * armed only for its next OUT transition. Counter 1 (DRAM refresh on a PC)
 * has no output; counter 2's GATE and OUT are reached through
 * {@link SystemControlPortB} (port 0x61).
 */
export class Pit8254 implements Device {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'pit8254';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly claims = new PortClaims();
  /** The three counters (counter 2's gate is low at reset, as port 0x61 bit 0 is). */
  readonly counters: readonly Pit8254Counter[] = [new Pit8254Counter(true), new Pit8254Counter(true), new Pit8254Counter(false)];
  private readonly irq0: IrqLine;
  private out0 = false;
  private clock: Clock = IDLE_CLOCK;
  private timer: Timer = IDLE_TIMER;
  private readonly ports: PitPorts;

  /** @param config the IRQ0 wire */
  constructor(config: Pit8254Config) {
    this.name = config.name ?? 'pit';
    this.irq0 = config.irq0;
    this.ports = new PitPorts(this);
    for (const c of this.counters) c.reset();
    this.out0 = this.counters[0]!.out(0);
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    const r = this.claims.claim(ctx.ports, 0x40, 4, this.ports, this.name);
    if (!r.ok) return r;
    this.clock = ctx.clock;
    this.timer = ctx.timers.createTimer(`${this.name}.out0`, (now) => this.updateOut0(now));
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    for (const c of this.counters) c.reset();
    this.timer.disarm();
    this.out0 = this.counters[0]!.out(this.clock.now());
    this.irq0.set(this.out0);
  }

  /** @inheritDoc */
  destroy(): void {
    this.claims.release();
    this.timer.disarm();
  }

  /** Drive counter `index`'s GATE input (counter 2's comes from port 0x61 bit 0). */
  setGate(index: number, level: boolean): void {
    const c = this.counters[index];
    if (c === undefined) return;
    const now = this.clock.now();
    c.setGate(level, now);
    if (index === 0) this.updateOut0(now);
  }

  /** Counter `index`'s OUT pin now. */
  outLevel(index: number): boolean {
    const c = this.counters[index];
    return c !== undefined && c.out(this.clock.now());
  }

  /** Re-drive IRQ0 from the current state (after a restore). */
  syncOutputs(): void {
    this.irq0.set(this.out0);
  }

  /** @internal port read at offset 0..3 */
  readPort(offset: number): number {
    if (offset === 3) return 0xff; // the control word register is write-only
    return this.counters[offset]!.read(this.clock.now());
  }

  /** @internal port write at offset 0..3 */
  writePort(offset: number, value: number): void {
    const now = this.clock.now();
    if (offset < 3) {
      this.counters[offset]!.write(value, now);
      if (offset === 0) this.updateOut0(now);
      return;
    }
    const sel = value >> 6;
    if (sel === 3) {
      // Read-back command: bit 5 clear latches counts, bit 4 clear latches status.
      for (let i = 0; i < 3; i++) {
        if ((value & (2 << i)) === 0) continue;
        const c = this.counters[i]!;
        if ((value & 0x20) === 0) c.latchCount(now);
        if ((value & 0x10) === 0) c.latchStatus(now);
      }
      return;
    }
    const c = this.counters[sel]!;
    if ((value & 0x30) === 0) c.latchCount(now);
    else {
      c.writeControl(value, now);
      if (sel === 0) this.updateOut0(now);
    }
  }

  /** Drive IRQ0 to OUT0's level and arm the timer for its next transition. */
  private updateOut0(now: number): void {
    const c = this.counters[0]!;
    const level = c.out(now);
    if (level !== this.out0) {
      this.out0 = level;
      this.irq0.set(level);
    }
    const next = c.nextEdge(now);
    if (next < 0) this.timer.disarm();
    else this.timer.arm(next);
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: { counters: this.counters.map((c) => c.save()), out0: this.out0 },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    const r = StateReader.open(state, this.stateName, this.stateVersion);
    const saved = r.records('counters', 3).map((cr) => Pit8254Counter.check(cr));
    const out0 = r.bool('out0');
    for (let i = 0; i < 3; i++) this.counters[i]!.loadState(saved[i]!);
    this.out0 = out0;
    const next = this.counters[0]!.nextEdge(this.clock.now());
    if (next < 0) this.timer.disarm();
    else this.timer.arm(next);
  }
}
