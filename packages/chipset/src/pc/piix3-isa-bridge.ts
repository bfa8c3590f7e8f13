import type {
  Device,
  DeviceContext,
  DeviceState,
  IrqLine,
  PciFunction,
  PciIdentity,
  PciSlotContext,
  RealizeResult,
} from '@vm/bus';
import { ConfigBytes } from './config-bytes.js';
import { checkState, readUint8Array } from './state-helpers.js';

/** Configuration of a {@link Piix3IsaBridge}. */
export interface Piix3IsaBridgeConfig {
  /** Instance name (default `"piix3"`). */
  readonly name?: string;
  /**
   * The ISA interrupt lines 0..15 PIRQs can be steered to (index = IRQ
   * number; `null` where nothing is wired). The machine fans each out to the
   * 8259 (in level mode through its ELCR) and to the IOAPIC pin of the same
   * number, OR-ed with the ISA devices sharing it (see {@link WiredOrIrq}).
   */
  readonly isaIrqs: readonly (IrqLine | null)[];
  /** Subsystem vendor/device (default 0x1af4/0x1100, as QEMU's board). */
  readonly subsystemVendorId?: number;
  /** See {@link subsystemVendorId}. */
  readonly subsystemId?: number;
}

/** PIRQ route control registers PIRQRC[A..D] (82371SB section 2.2.10). */
export const PIIX3_PIRQRC = 0x60;
/** PIRQRC bit 7: routing disabled. */
const PIRQ_DISABLE = 0x80;
/** ISA IRQs a PIRQ may be steered to; 0, 1, 2, 8 and 13 are reserved. */
const ROUTABLE_IRQS = 0xdef8;

/** One PIRQ input wire. */
class PirqInput implements IrqLine {
  constructor(
    private readonly bridge: Piix3IsaBridge,
    private readonly index: number,
  ) {}
  raise(): void {
    this.bridge.setPirq(this.index, true);
  }
  lower(): void {
    this.bridge.setPirq(this.index, false);
  }
  pulse(): void {
    this.bridge.setPirq(this.index, true);
    this.bridge.setPirq(this.index, false);
  }
  set(level: boolean): void {
    this.bridge.setPirq(this.index, level);
  }
}

/**
 * The PIIX3 PCI-to-ISA bridge (82371SB function 0, 8086:7000): its identity
 * and the PCI interrupt router. PIRQA#..D# ({@link pirqInputs}) are steered
 * by PIRQRC 0x60..0x63 (bits 3:0 IRQ number, bit 7 disable) onto ISA IRQ
 * lines as level-sensitive interrupts; several PIRQs routed to one IRQ are
 * OR-ed. The other ISA bridge registers (IORT, XBCS, TOM, MBIRQ, MBDMA,
 * APIC base, SMI control) are plain storage with their reset values; the ELCR
 * ports 0x4D0/0x4D1 belong to the 8259 model.
 */
export class Piix3IsaBridge implements PciFunction, Device {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'piix3-isa-bridge';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** @inheritDoc */
  readonly identity: PciIdentity;
  /** @inheritDoc */
  readonly bars = [];
  /** @inheritDoc */
  readonly interruptPin = 0;
  /** PIRQA#..PIRQD#, for {@link PciBus}'s `pirqs`. */
  readonly pirqInputs: readonly IrqLine[];
  private readonly config = new ConfigBytes();
  private readonly isaIrqs: readonly (IrqLine | null)[];
  private readonly pirqLevels = new Uint8Array(4);
  private readonly outputLevels = new Uint8Array(16);

  /** @param config ISA IRQ wires */
  constructor(config: Piix3IsaBridgeConfig) {
    if (config.isaIrqs.length !== 16) throw new RangeError('Piix3IsaBridge needs 16 ISA IRQ entries');
    this.name = config.name ?? 'piix3';
    this.isaIrqs = config.isaIrqs;
    this.identity = {
      vendorId: 0x8086,
      deviceId: 0x7000,
      revisionId: 0x00,
      classCode: 0x060100,
      subsystemVendorId: config.subsystemVendorId ?? 0x1af4,
      subsystemId: config.subsystemId ?? 0x1100,
      multiFunction: true,
    };
    this.pirqInputs = [new PirqInput(this, 0), new PirqInput(this, 1), new PirqInput(this, 2), new PirqInput(this, 3)];
    const c = this.config;
    c.define(0x4c, 1, 0x4d, 0xff); // IORT
    c.define(0x4e, 2, 0x0003, 0x07ff); // XBCS
    c.define(PIIX3_PIRQRC, 4, 0x80808080, 0x8f8f8f8f);
    c.define(0x69, 1, 0x02, 0xfe); // TOM
    c.define(0x6a, 2, 0x0000, 0x00ff); // MSTAT
    c.define(0x70, 2, 0x8080, 0xefef); // MBIRQ0/1
    c.define(0x76, 2, 0x0c0c, 0x8f8f); // MBDMA0/1
    c.define(0x78, 2, 0x0002, 0xffff); // PCSC
    c.define(0x80, 1, 0x00, 0x7f); // APICBASE
    c.define(0x82, 1, 0x00, 0x0f); // DLC
    c.define(0xa0, 1, 0x08, 0x1f); // SMICNTL
    c.define(0xa2, 2, 0x0000, 0x00ff); // SMIEN
    c.define(0xa4, 4, 0x00000000, 0x0000e0ff); // SEE
    c.define(0xa8, 1, 0x0f, 0xff); // FTMR
    c.define(0xaa, 2, 0x0000, 0x01ff); // SMIREQ
    c.define(0xac, 2, 0x0000, 0xffff); // CTLTMR, CTHTMR
    c.reset();
  }

  /** @inheritDoc */
  realize(_ctx: DeviceContext): RealizeResult {
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.config.reset();
    this.updateOutputs();
  }

  /** @inheritDoc */
  destroy(): void {}

  /** @inheritDoc */
  plugged(_slot: PciSlotContext): void {}

  /** @inheritDoc */
  commandChanged(_command: number): void {}

  /** @inheritDoc */
  readConfig(offset: number, width: 1 | 2 | 4): number {
    return this.config.read(offset, width);
  }

  /** @inheritDoc */
  writeConfig(offset: number, width: 1 | 2 | 4, value: number): void {
    this.config.write(offset, width, value);
    if (offset < PIIX3_PIRQRC + 4 && offset + width > PIIX3_PIRQRC) this.updateOutputs();
  }

  /** The ISA IRQ PIRQ `index` is routed to, or -1 when disabled or reserved. */
  pirqRoute(index: number): number {
    const v = this.config.bytes[PIIX3_PIRQRC + (index & 3)]!;
    if ((v & PIRQ_DISABLE) !== 0) return -1;
    const irq = v & 0x0f;
    return ((ROUTABLE_IRQS >>> irq) & 1) !== 0 ? irq : -1;
  }

  /** Re-drive the ISA IRQ wires from the routed PIRQ levels (after a whole-machine restore). */
  syncOutputs(): void {
    for (let irq = 0; irq < 16; irq++) this.isaIrqs[irq]?.set(this.outputLevels[irq] === 1);
  }

  /** @internal a PIRQ input changed level. */
  setPirq(index: number, level: boolean): void {
    const l = level ? 1 : 0;
    if (this.pirqLevels[index] === l) return;
    this.pirqLevels[index] = l;
    this.updateOutputs();
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        config: this.config.bytes.slice(),
        pirqLevels: this.pirqLevels.slice(),
        outputLevels: this.outputLevels.slice(),
      },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const config = readUint8Array(state.fields, 'config', 256);
    const pirq = readUint8Array(state.fields, 'pirqLevels', 4);
    const out = readUint8Array(state.fields, 'outputLevels', 16);
    this.config.bytes.set(config);
    this.pirqLevels.set(pirq);
    this.outputLevels.set(out);
  }

  /** Re-drive every ISA line from the PIRQ levels and routes (only the ones that change). */
  private updateOutputs(): void {
    let want = 0;
    for (let p = 0; p < 4; p++) {
      if (this.pirqLevels[p] === 0) continue;
      const irq = this.pirqRoute(p);
      if (irq >= 0) want |= 1 << irq;
    }
    for (let irq = 0; irq < 16; irq++) {
      const l = (want >>> irq) & 1;
      if (this.outputLevels[irq] === l) continue;
      this.outputLevels[irq] = l;
      this.isaIrqs[irq]?.set(l === 1);
    }
  }
}
