import type {
  Device,
  DeviceContext,
  DeviceState,
  IrqLine,
  MmioHandler,
  MmioMapping,
  RealizeResult,
} from '@vm/bus';
import type { ApicBus, ApicEoiListener } from './apic-bus.js';
import { ApicShorthand } from './apic-bus.js';
import { checkState, readNumber, readUint32Array, readUint8Array } from './state-helpers.js';

/** Configuration of an {@link IoApic82093}. */
export interface IoApic82093Config {
  /** Instance name (default `"ioapic"`). */
  readonly name?: string;
  /** The APIC fabric messages go out on. */
  readonly bus: ApicBus;
  /** Physical base (default 0xFEC00000). */
  readonly base?: number;
  /** Power-on APIC ID (default 0; the MP/MADT tables must agree). */
  readonly id?: number;
}

/** Number of redirection entries / input pins. */
export const IOAPIC_PINS = 24;
/** Version register: 0x11 with maximum redirection entry 23 (82093AA section 3.2.2). */
const IOAPIC_VERSION = 0x00170011;

const RTE_MASKED = 0x10000;
const RTE_LEVEL = 0x8000;
const RTE_REMOTE_IRR = 0x4000;
/** Guest-writable bits of an entry's low dword: all but delivery status and remote IRR. */
const RTE_LOW_WRITABLE = 0x0001afff;

/** One IOAPIC input wire. */
class IoApicPin implements IrqLine {
  constructor(
    private readonly ioapic: IoApic82093,
    private readonly pin: number,
  ) {}
  raise(): void {
    this.ioapic.setInput(this.pin, true);
  }
  lower(): void {
    this.ioapic.setInput(this.pin, false);
  }
  pulse(): void {
    this.ioapic.setInput(this.pin, true);
    this.ioapic.setInput(this.pin, false);
  }
  set(level: boolean): void {
    this.ioapic.setInput(this.pin, level);
  }
}

/** IOREGSEL at 0x00, IOWIN at 0x10 (82093AA section 3.1). */
class IoApicMmio implements MmioHandler {
  constructor(private readonly ioapic: IoApic82093) {}
  read8(offset: number): number {
    return (this.read32(offset & ~3) >>> ((offset & 3) * 8)) & 0xff;
  }
  write8(offset: number, value: number): void {
    if (offset === 0) this.ioapic.select = value & 0xff;
  }
  read32(offset: number): number {
    if (offset === 0x00) return this.ioapic.select;
    if (offset === 0x10) return this.ioapic.readRegister(this.ioapic.select);
    return 0;
  }
  write32(offset: number, value: number): void {
    if (offset === 0x00) this.ioapic.select = value & 0xff;
    else if (offset === 0x10) this.ioapic.writeRegister(this.ioapic.select, value >>> 0);
  }
}

/**
 * The 82093AA I/O APIC: 24 interrupt inputs, each with a redirection entry
 * (vector, delivery mode, physical/logical destination, polarity, trigger
 * mode, mask) that turns an input into a message on the {@link ApicBus}.
 * Edge inputs send on each rising edge while unmasked; level inputs send
 * while asserted, then hold remote IRR until a local APIC's EOI for the
 * vector comes back, and send again if the line is still asserted.
 *
 * Input lines carry logical levels (asserted = true), so the polarity bit is
 * stored for the guest but an active-low entry is not inverted: the board's
 * wires already present asserted as high.
 */
export class IoApic82093 implements Device, ApicEoiListener {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'ioapic-82093';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** Input pins 0..23 (GSIs). */
  readonly inputs: readonly IrqLine[];
  /** IOREGSEL. */
  select = 0;
  private id: number;
  private readonly initialId: number;
  private readonly base: number;
  private readonly bus: ApicBus;
  /** Redirection table: entry n low dword at 2n, high dword at 2n+1. */
  private readonly rte = new Uint32Array(IOAPIC_PINS * 2);
  private readonly levels = new Uint8Array(IOAPIC_PINS);
  private readonly mmio = new IoApicMmio(this);
  private mapping: MmioMapping | null = null;

  /** @param config fabric, base and ID */
  constructor(config: IoApic82093Config) {
    this.name = config.name ?? 'ioapic';
    this.bus = config.bus;
    this.base = config.base ?? 0xfec00000;
    this.initialId = (config.id ?? 0) & 0x0f;
    this.id = this.initialId;
    const pins: IrqLine[] = [];
    for (let i = 0; i < IOAPIC_PINS; i++) pins.push(new IoApicPin(this, i));
    this.inputs = pins;
    this.resetTable();
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    try {
      this.mapping = ctx.mmio.mapMmio(this.base, 0x1000, this.mmio, { name: this.name });
    } catch (e) {
      return { ok: false, error: `${this.name}: ${(e as Error).message}` };
    }
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.select = 0;
    this.id = this.initialId;
    this.resetTable();
  }

  /** @inheritDoc */
  destroy(): void {
    this.mapping?.unmap();
    this.mapping = null;
  }

  /** Read indirect register `index` (0 ID, 1 version, 2 arbitration, 0x10.. table). */
  readRegister(index: number): number {
    switch (index) {
      case 0x00:
        return (this.id << 24) >>> 0;
      case 0x01:
        return IOAPIC_VERSION;
      case 0x02:
        return (this.id << 24) >>> 0;
      default:
        if (index >= 0x10 && index < 0x10 + IOAPIC_PINS * 2) return this.rte[index - 0x10]!;
        return 0;
    }
  }

  /** Write indirect register `index`. */
  writeRegister(index: number, value: number): void {
    if (index === 0x00) {
      this.id = (value >>> 24) & 0x0f;
      return;
    }
    if (index < 0x10 || index >= 0x10 + IOAPIC_PINS * 2) return;
    const i = index - 0x10;
    const pin = i >>> 1;
    if ((i & 1) === 1) {
      this.rte[i] = value & 0xff000000;
      return;
    }
    const old = this.rte[i]!;
    let next = ((old & ~RTE_LOW_WRITABLE) | (value & RTE_LOW_WRITABLE)) >>> 0;
    if ((next & RTE_LEVEL) === 0) next &= ~RTE_REMOTE_IRR;
    this.rte[i] = next >>> 0;
    // A level input still asserted when unmasked (or switched to level) is delivered now.
    if ((next & RTE_LEVEL) !== 0 && this.levels[pin] === 1) this.service(pin);
  }

  /** The redirection entry of `pin` as a 64-bit pair [low, high] (diagnostics, tests). */
  entry(pin: number): readonly [number, number] {
    return [this.rte[pin * 2]!, this.rte[pin * 2 + 1]!];
  }

  /** @internal an input pin changed level. */
  setInput(pin: number, level: boolean): void {
    const l = level ? 1 : 0;
    const old = this.levels[pin]!;
    this.levels[pin] = l;
    if (l === 0) return;
    if ((this.rte[pin * 2]! & RTE_LEVEL) !== 0) this.service(pin);
    else if (old === 0) this.service(pin);
  }

  /** @inheritDoc */
  eoiBroadcast(vector: number): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const lo = this.rte[pin * 2]!;
      if ((lo & 0xff) !== vector || (lo & RTE_LEVEL) === 0 || (lo & RTE_REMOTE_IRR) === 0) continue;
      this.rte[pin * 2] = (lo & ~RTE_REMOTE_IRR) >>> 0;
      if (this.levels[pin] === 1) this.service(pin);
    }
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: { select: this.select, id: this.id, rte: this.rte.slice(), levels: this.levels.slice() },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const rte = readUint32Array(state.fields, 'rte', IOAPIC_PINS * 2);
    const levels = readUint8Array(state.fields, 'levels', IOAPIC_PINS);
    this.select = readNumber(state.fields, 'select') & 0xff;
    this.id = readNumber(state.fields, 'id') & 0x0f;
    this.rte.set(rte);
    this.levels.set(levels);
  }

  /** Send the message of `pin` unless masked or (level) awaiting EOI. */
  private service(pin: number): void {
    const lo = this.rte[pin * 2]!;
    if ((lo & RTE_MASKED) !== 0) return;
    const level = (lo & RTE_LEVEL) !== 0;
    if (level) {
      if ((lo & RTE_REMOTE_IRR) !== 0) return;
      this.rte[pin * 2] = (lo | RTE_REMOTE_IRR) >>> 0;
    }
    const hi = this.rte[pin * 2 + 1]!;
    this.bus.sendMessage(hi >>> 24, (lo & 0x800) !== 0, (lo >>> 8) & 7, lo & 0xff, level, ApicShorthand.None, null);
  }

  private resetTable(): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      this.rte[pin * 2] = RTE_MASKED;
      this.rte[pin * 2 + 1] = 0;
    }
  }
}
