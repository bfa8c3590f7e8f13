import { StateError } from '@vm/bus';
import type {
  Device,
  DeviceContext,
  DeviceState,
  IrqLine,
  PciFunction,
  PortIoHandler,
  RealizeResult,
  StateRecord,
} from '@vm/bus';
import { pciSlotPirq } from './pci-constants.js';
import { PciSlot } from './pci-slot.js';
import type { PciIntxSink } from './pci-slot.js';
import { readUint32Array, readNumber, readRecord, checkState } from './state-helpers.js';

/** Configuration of a {@link PciBus}. */
export interface PciBusConfig {
  /** Instance name (default `"pci0"`). */
  readonly name?: string;
  /**
   * The four PIRQ wires (PIRQA#..PIRQD#), normally
   * {@link Piix3IsaBridge.pirqInputs}. Each is driven as the wired-OR of the
   * INTx pins that rotate onto it.
   */
  readonly pirqs: readonly IrqLine[];
  /**
   * The reset control register (port 0xCF9, e.g. the ISA package's
   * `ResetControlRegister` created with `registerPort: false`). The bus owns
   * 0xCF8..0xCFB as one registration, so dword accesses reach CONFIG_ADDRESS
   * in one piece, and forwards byte accesses at 0xCF9 here.
   */
  readonly resetControl?: PortIoHandler | null;
}

/** Enable bit of the CONFIG_ADDRESS register. */
const CONFIG_ENABLE = 0x80000000;

/**
 * Ports 0xCF8..0xCFB: CONFIG_ADDRESS takes only dword accesses (PCI 3.0
 * section 3.2.2.3.2); byte accesses at 0xCF9 belong to the PIIX3 reset
 * control register, forwarded when one is wired; other narrow accesses float.
 */
class ConfigAddressPort implements PortIoHandler {
  constructor(
    private readonly bus: PciBus,
    private readonly resetControl: PortIoHandler | null,
  ) {}
  read8(offset: number): number {
    return offset === 1 && this.resetControl !== null ? this.resetControl.read8(0) & 0xff : 0xff;
  }
  write8(offset: number, value: number): void {
    if (offset === 1 && this.resetControl !== null) this.resetControl.write8(0, value);
  }
  read32(offset: number): number {
    return offset === 0 ? this.bus.configAddress : 0xffffffff;
  }
  write32(offset: number, value: number): void {
    if (offset === 0) this.bus.configAddress = (value & 0x80fffffc) >>> 0;
  }
}

/** Ports 0xCFC..0xCFF, CONFIG_DATA: any width at any byte lane. */
class ConfigDataPort implements PortIoHandler {
  constructor(private readonly bus: PciBus) {}
  read8(offset: number): number {
    return this.bus.dataRead(offset, 1);
  }
  read16(offset: number): number {
    return this.bus.dataRead(offset, 2);
  }
  read32(offset: number): number {
    return this.bus.dataRead(offset, 4);
  }
  write8(offset: number, value: number): void {
    this.bus.dataWrite(offset, 1, value);
  }
  write16(offset: number, value: number): void {
    this.bus.dataWrite(offset, 2, value);
  }
  write32(offset: number, value: number): void {
    this.bus.dataWrite(offset, 4, value);
  }
}

const WIDTH_MASK = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

/**
 * PCI bus 0 behind an i440FX-style host bridge: configuration mechanism #1
 * (ports 0xCF8/0xCFC), the generic type-0 header of every plugged
 * {@link PciFunction}, BAR decoding into the machine's port and MMIO
 * registries, bus-master gating of each function's DMA, and INTx rotation
 * onto PIRQA#..D#.
 *
 * Plug functions (the host bridge at 0.0, the PIIX3 at 1.0, ...) before or
 * after realize; the guest finds them by probing.
 *
 * @example
 * const piix3 = new Piix3IsaBridge({ isaIrqs });
 * const bus = new PciBus({ pirqs: piix3.pirqInputs });
 * bus.plug(new I440fxHostBridge({ shadow }), 0, 0);
 * bus.plug(piix3, 1, 0);
 * bus.realize(ctx);
 */
export class PciBus implements Device, PciIntxSink {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'pci-bus';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** CONFIG_ADDRESS as last written (enable, bus, device, function, register). */
  configAddress = 0;
  private readonly slots: (PciSlot | null)[] = new Array<PciSlot | null>(256).fill(null);
  private readonly pirqCount = new Int32Array(4);
  private readonly pirqs: readonly IrqLine[];
  private ctx: DeviceContext | null = null;
  private readonly addressPort: ConfigAddressPort;
  private readonly dataPort = new ConfigDataPort(this);

  /** @param config PIRQ wires and name */
  constructor(config: PciBusConfig) {
    if (config.pirqs.length !== 4) throw new RangeError('PciBus needs exactly four PIRQ lines');
    this.name = config.name ?? 'pci0';
    this.pirqs = config.pirqs;
    this.addressPort = new ConfigAddressPort(this, config.resetControl ?? null);
  }

  /**
   * Plug `fn` in as device `device` (0..31) function `func` (0..7). Calls
   * {@link PciFunction.plugged} with its INTx line and gated DMA.
   * @throws RangeError for a bad or occupied address (a wiring bug)
   */
  plug(fn: PciFunction, device: number, func: number): void {
    if (!Number.isInteger(device) || device < 0 || device > 31 || !Number.isInteger(func) || func < 0 || func > 7)
      throw new RangeError(`PCI address ${device}.${func} is out of range`);
    const devfn = (device << 3) | func;
    if (this.slots[devfn] !== null) throw new RangeError(`PCI slot ${device}.${func} is already occupied`);
    const pirq = fn.interruptPin === 0 ? -1 : pciSlotPirq(device, fn.interruptPin);
    const slot = new PciSlot(fn, device, func, pirq, this, `${this.name}.${device}.${func}`);
    this.slots[devfn] = slot;
    if (this.ctx !== null) {
      slot.dma.target = this.ctx.memory;
      slot.attach(this.ctx);
    }
    fn.plugged({ intx: slot.intx, dma: slot.dma, address: { bus: 0, device, fn: func } });
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    try {
      ctx.ports.register(0xcf8, 4, this.addressPort, `${this.name}.config-address`);
      try {
        ctx.ports.register(0xcfc, 4, this.dataPort, `${this.name}.config-data`);
      } catch (e) {
        ctx.ports.unregister(0xcf8, 4);
        throw e;
      }
    } catch (e) {
      return { ok: false, error: `${this.name}: ${(e as Error).message}` };
    }
    this.ctx = ctx;
    for (const s of this.slots) {
      if (s === null) continue;
      s.dma.target = ctx.memory;
      s.attach(ctx);
    }
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.configAddress = 0;
    for (const s of this.slots) s?.reset();
  }

  /** @inheritDoc */
  destroy(): void {
    for (const s of this.slots) s?.unmapAll();
    if (this.ctx !== null) {
      this.ctx.ports.unregister(0xcf8, 4);
      this.ctx.ports.unregister(0xcfc, 4);
    }
    this.ctx = null;
  }

  /**
   * Read configuration space of bus 0 `device`.`func` at `offset` (any width
   * and alignment; an access crossing a dword is split into bytes). Absent
   * functions read all ones, as a master abort does.
   */
  configRead(device: number, func: number, offset: number, width: 1 | 2 | 4): number {
    const slot = this.slots[((device & 31) << 3) | (func & 7)] ?? null;
    if (slot === null) return WIDTH_MASK[width];
    offset &= 0xff;
    if ((offset & (width - 1)) !== 0) {
      let v = 0;
      for (let i = 0; i < width; i++) v |= this.slotRead(slot, (offset + i) & 0xff, 1) << (8 * i);
      return v >>> 0;
    }
    return this.slotRead(slot, offset, width);
  }

  /** Write configuration space of bus 0 `device`.`func` (see {@link configRead}). */
  configWrite(device: number, func: number, offset: number, width: 1 | 2 | 4, value: number): void {
    const slot = this.slots[((device & 31) << 3) | (func & 7)] ?? null;
    if (slot === null) return;
    offset &= 0xff;
    if ((offset & (width - 1)) !== 0) {
      for (let i = 0; i < width; i++) this.slotWrite(slot, (offset + i) & 0xff, 1, (value >>> (8 * i)) & 0xff);
      return;
    }
    this.slotWrite(slot, offset, width, value);
  }

  /** @internal CONFIG_DATA read at byte lane `lane`. */
  dataRead(lane: number, width: 1 | 2 | 4): number {
    const a = this.configAddress;
    if ((a & CONFIG_ENABLE) === 0 || ((a >>> 16) & 0xff) !== 0) return WIDTH_MASK[width];
    return this.configRead((a >>> 11) & 31, (a >>> 8) & 7, (a & 0xfc) + lane, width);
  }

  /** @internal CONFIG_DATA write at byte lane `lane`. */
  dataWrite(lane: number, width: 1 | 2 | 4, value: number): void {
    const a = this.configAddress;
    if ((a & CONFIG_ENABLE) === 0 || ((a >>> 16) & 0xff) !== 0) return;
    this.configWrite((a >>> 11) & 31, (a >>> 8) & 7, (a & 0xfc) + lane, width, value);
  }

  /** @internal a function's effective INTx level changed: wired-OR onto its PIRQ. */
  intxChanged(pirq: number, level: boolean): void {
    if (level) {
      if (this.pirqCount[pirq]!++ === 0) this.pirqs[pirq]!.raise();
    } else if (--this.pirqCount[pirq]! === 0) {
      this.pirqs[pirq]!.lower();
    }
  }

  /** Re-drive the PIRQ wires from the INTx levels (after a whole-machine restore). */
  syncOutputs(): void {
    for (let i = 0; i < 4; i++) this.pirqs[i]!.set(this.pirqCount[i]! > 0);
  }

  /** The current decoded base of BAR `bar` of `device`.`func`, or -1 (diagnostics, tests). */
  decodedBarBase(device: number, func: number, bar: number): number {
    return this.slots[((device & 31) << 3) | (func & 7)]?.decodedBase[bar] ?? -1;
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    const slots: Record<string, StateRecord> = {};
    for (const s of this.slots) {
      if (s === null) continue;
      slots[`${s.device}.${s.func}`] = {
        command: s.command,
        statusErrors: s.statusErrors,
        bars: s.bars.slice(),
        cacheLineSize: s.cacheLineSize,
        latencyTimer: s.latencyTimer,
        interruptLine: s.interruptLine,
        intx: s.intxLevel,
      };
    }
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: { configAddress: this.configAddress, slots },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const all = readRecord(state.fields, 'slots');
    const configAddress = readNumber(state.fields, 'configAddress');
    for (const s of this.slots) {
      if (s !== null && all[`${s.device}.${s.func}`] === undefined)
        throw new StateError(`pci-bus: no state for slot ${s.device}.${s.func}`);
    }
    this.configAddress = configAddress >>> 0;
    this.pirqCount.fill(0);
    for (const s of this.slots) {
      if (s === null) continue;
      const f = readRecord(all, `${s.device}.${s.func}`);
      s.bars.set(readUint32Array(f, 'bars', 6));
      s.statusErrors = readNumber(f, 'statusErrors') & 0xf900;
      s.cacheLineSize = readNumber(f, 'cacheLineSize') & 0xff;
      s.latencyTimer = readNumber(f, 'latencyTimer') & 0xff;
      s.interruptLine = readNumber(f, 'interruptLine') & 0xff;
      s.intxLevel = f['intx'] === true;
      s.command = readNumber(f, 'command') & 0xffff;
      s.dma.enabled = (s.command & 4) !== 0;
      s.intxEffective = s.intxLevel && (s.command & 0x400) === 0;
      if (s.intxEffective && s.pirq >= 0) this.pirqCount[s.pirq]!++;
      s.remapAll();
    }
  }

  private slotRead(slot: PciSlot, offset: number, width: 1 | 2 | 4): number {
    if (offset < 0x40) {
      const v = slot.readHeader(offset >>> 2) >>> ((offset & 3) * 8);
      return width === 4 ? v >>> 0 : v & WIDTH_MASK[width];
    }
    const v = slot.fn.readConfig(offset, width);
    return width === 4 ? v >>> 0 : v & WIDTH_MASK[width];
  }

  private slotWrite(slot: PciSlot, offset: number, width: 1 | 2 | 4, value: number): void {
    if (offset < 0x40) {
      const shift = (offset & 3) * 8;
      slot.writeHeader(offset >>> 2, (value << shift) >>> 0, (WIDTH_MASK[width] << shift) >>> 0);
      return;
    }
    slot.fn.writeConfig(offset, width, width === 4 ? value >>> 0 : value & WIDTH_MASK[width]);
  }
}
