import type { Device, DeviceContext, DeviceState, InterruptAcknowledge, IrqLine, PortIoHandler, RealizeResult } from '@vm/bus';
import { Pic8259Chip } from './pic8259-chip.js';
import { PortClaims } from './realize-ports.js';
import { StateReader } from './state-reader.js';

/** Configuration of a {@link Pic8259} pair. */
export interface Pic8259Config {
  /** Instance name (default `"pic"`). */
  readonly name?: string;
  /** The CPU's INTR input, driven high while the master has a deliverable request. */
  readonly intr: IrqLine;
  /** Register the PIIX3 ELCR at ports 0x4D0/0x4D1 (default true). */
  readonly elcr?: boolean;
}

/** One input wire of the pair: IRQ `irq` (0..15). */
class PicInput implements IrqLine {
  constructor(
    private readonly pic: Pic8259,
    private readonly irq: number,
  ) {}
  raise(): void {
    this.pic.setIrq(this.irq, true);
  }
  lower(): void {
    this.pic.setIrq(this.irq, false);
  }
  pulse(): void {
    this.pic.setIrq(this.irq, true);
    this.pic.setIrq(this.irq, false);
  }
  set(level: boolean): void {
    this.pic.setIrq(this.irq, level);
  }
}

/** Ports base+0 (command) and base+1 (data) of one chip. */
class PicPorts implements PortIoHandler {
  constructor(
    private readonly pic: Pic8259,
    private readonly slave: boolean,
  ) {}
  read8(offset: number): number {
    return this.pic.readPort(this.slave, offset & 1);
  }
  write8(offset: number, value: number): void {
    this.pic.writePort(this.slave, offset & 1, value);
  }
}

/** Ports 0x4D0 (master ELCR) and 0x4D1 (slave ELCR). */
class ElcrPorts implements PortIoHandler {
  constructor(private readonly pic: Pic8259) {}
  read8(offset: number): number {
    return (offset & 1 ? this.pic.slave : this.pic.master).elcr;
  }
  write8(offset: number, value: number): void {
    this.pic.writeElcr(offset & 1, value);
  }
}

/**
 * The PC's cascaded pair of 8259A interrupt controllers: the master at
 * 0x20/0x21 drives the CPU's INTR, the slave at 0xA0/0xA1 is cascaded on the
 * master's IR2, and the PIIX3 ELCR (0x4D0/0x4D1) selects edge or level mode
 * per input. Devices drive {@link inputs}; the CPU calls {@link acknowledge}.
 */
export class Pic8259 implements Device, InterruptAcknowledge {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'pic8259';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly claims = new PortClaims();
  /** The master chip's registers (IRQ 0..7). */
  readonly master = new Pic8259Chip(0xf8);
  /** The slave chip's registers (IRQ 8..15). */
  readonly slave = new Pic8259Chip(0xde);
  /** The 16 ISA interrupt inputs, IRQ0..IRQ15 (IRQ2 is the cascade and unused by devices). */
  readonly inputs: readonly IrqLine[];
  private readonly intr: IrqLine;
  private readonly withElcr: boolean;
  private intrLevel = false;
  private readonly masterPorts: PicPorts;
  private readonly slavePorts: PicPorts;
  private readonly elcrPorts: ElcrPorts;

  /** @param config the INTR wire and options */
  constructor(config: Pic8259Config) {
    this.name = config.name ?? 'pic';
    this.intr = config.intr;
    this.withElcr = config.elcr ?? true;
    const inputs: IrqLine[] = [];
    for (let i = 0; i < 16; i++) inputs.push(new PicInput(this, i));
    this.inputs = inputs;
    this.masterPorts = new PicPorts(this, false);
    this.slavePorts = new PicPorts(this, true);
    this.elcrPorts = new ElcrPorts(this);
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    let r = this.claims.claim(ctx.ports, 0x20, 2, this.masterPorts, `${this.name}.master`);
    if (r.ok) r = this.claims.claim(ctx.ports, 0xa0, 2, this.slavePorts, `${this.name}.slave`);
    if (r.ok && this.withElcr) r = this.claims.claim(ctx.ports, 0x4d0, 2, this.elcrPorts, `${this.name}.elcr`);
    return r;
  }

  /** @inheritDoc */
  reset(): void {
    this.master.reset();
    this.slave.reset();
    this.intrLevel = false;
    this.intr.lower();
    this.update();
  }

  /** @inheritDoc */
  destroy(): void {
    this.claims.release();
  }

  /** Whether the master currently requests an interrupt (the INTR level). */
  get interruptPending(): boolean {
    return this.intrLevel;
  }

  /**
   * Drive ISA input `irq` (0..15). Out-of-range numbers are ignored, and so is
   * 2: master IR2 carries the slave's output (ISA "IRQ2" devices are wired to IRQ9).
   */
  setIrq(irq: number, level: boolean): void {
    if (irq >>> 0 >= 16 || irq === 2) return;
    if (irq < 8) this.master.setInput(irq, level);
    else this.slave.setInput(irq - 8, level);
    this.update();
  }

  /**
   * The INTA cycle: acknowledge the highest-priority request and return its
   * vector. With nothing to deliver the chip answers IR7 (a spurious IRQ7, or
   * IRQ15 from the slave) without setting an ISR bit, as the datasheet says.
   */
  acknowledge(): number {
    let vector: number;
    const irq = this.master.pending(true);
    if (irq < 0) {
      vector = this.master.vectorBase + 7;
    } else {
      this.master.acknowledge(irq);
      if (irq === 2) {
        const sirq = this.slave.pending(false);
        if (sirq >= 0) {
          this.slave.acknowledge(sirq);
          vector = this.slave.vectorBase + sirq;
        } else {
          vector = this.slave.vectorBase + 7;
        }
      } else {
        vector = this.master.vectorBase + irq;
      }
    }
    this.update();
    return vector & 0xff;
  }

  /** Re-drive the INTR output from the current state (after a restore). */
  syncOutputs(): void {
    this.intrLevel = this.master.pending(true) >= 0;
    this.intr.set(this.intrLevel);
  }

  /** Propagate the slave's output into master IR2, then drive INTR. */
  private update(): void {
    this.master.setInput(2, this.slave.pending(false) >= 0);
    const level = this.master.pending(true) >= 0;
    if (level !== this.intrLevel) {
      this.intrLevel = level;
      this.intr.set(level);
    }
  }

  /** @internal port read for chip `slave` at A0 = `a0`. */
  readPort(slave: boolean, a0: number): number {
    const chip = slave ? this.slave : this.master;
    if (chip.poll) return this.pollRead(chip, slave);
    return a0 === 0 ? chip.readCommand() : chip.imr;
  }

  /** @internal port write for chip `slave` at A0 = `a0`. */
  writePort(slave: boolean, a0: number, value: number): void {
    const chip = slave ? this.slave : this.master;
    if (a0 === 0) chip.writeCommand(value & 0xff);
    else chip.writeData(value & 0xff);
    this.update();
  }

  /** @internal ELCR write for chip `index` (0 master, 1 slave). */
  writeElcr(index: number, value: number): void {
    (index ? this.slave : this.master).writeElcr(value & 0xff);
    this.update();
  }

  /**
   * Poll mode (OCW3 P=1): the read acts as an interrupt acknowledge and
   * returns 0x80 | level, or 0 when nothing is pending.
   */
  private pollRead(chip: Pic8259Chip, slave: boolean): number {
    chip.poll = false;
    const irq = chip.pending(!slave);
    if (irq < 0) return 0;
    chip.acknowledge(irq);
    // Polling the slave answers the cascade request the master latched for it.
    if (slave) this.master.irr &= ~(1 << 2);
    this.update();
    return 0x80 | irq;
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: { master: this.master.save(), slave: this.slave.save(), intr: this.intrLevel },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    const r = StateReader.open(state, this.stateName, this.stateVersion);
    const m = r.record('master');
    const s = r.record('slave');
    const intr = r.bool('intr');
    // Validate both before changing either.
    const probe = new Pic8259Chip(0xff);
    probe.load(m);
    probe.load(s);
    this.master.load(m);
    this.slave.load(s);
    this.intrLevel = intr;
  }
}
