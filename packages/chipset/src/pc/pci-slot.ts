import type { IrqLine, MmioMapping, MmioRegistry, PciFunction, PortIoRegistry } from '@vm/bus';
import { PCI_COMMAND_WRITABLE, PciCommand, PciStatus } from './pci-constants.js';
import { PciDmaGate } from './pci-dma-gate.js';

/** Where a slot's INTx level goes (the bus's PIRQ wired-OR). */
export interface PciIntxSink {
  /** The effective INTx level of a function routed to `pirq` changed. */
  intxChanged(pirq: number, level: boolean): void;
}

/** The INTx wire handed to a function; honours the command register's INTx disable. */
class PciIntxLine implements IrqLine {
  constructor(private readonly slot: PciSlot) {}
  raise(): void {
    this.slot.setIntx(true);
  }
  lower(): void {
    this.slot.setIntx(false);
  }
  pulse(): void {
    this.slot.setIntx(true);
    this.slot.setIntx(false);
  }
  set(level: boolean): void {
    this.slot.setIntx(level);
  }
}

/** The registries BARs are decoded into (the bus's DeviceContext halves). */
export interface PciDecodeTarget {
  readonly ports: PortIoRegistry;
  readonly mmio: MmioRegistry;
}

/**
 * One function on the bus: the generic type-0 header (PCI 3.0 section 6.2)
 * around a {@link PciFunction}: command/status, BARs with sizing and
 * decoding, cache line, latency, interrupt line/pin. Offsets 0x40..0xff go to
 * the function.
 */
export class PciSlot {
  /** Command register. */
  command = 0;
  /** Latched RW1C error bits of the status register. */
  statusErrors = 0;
  /** BAR register values as the guest reads them (address bits plus type bits). */
  readonly bars = new Uint32Array(6);
  /** Current decoded base of each BAR (port or physical address), -1 when not decoding. */
  readonly decodedBase = new Float64Array(6).fill(-1);
  /** Cache line size (offset 0x0c). */
  cacheLineSize = 0;
  /** Latency timer (offset 0x0d). */
  latencyTimer = 0;
  /** Interrupt line (offset 0x3c), scratch for software. */
  interruptLine = 0;
  /** The function's INTx level as it drives it. */
  intxLevel = false;
  /** Level last passed to the PIRQ (INTx level gated by INTx disable). */
  intxEffective = false;
  /** The PIRQ this function's pin reaches, or -1 without a pin. */
  readonly pirq: number;
  /** Bus-master gate handed to the function. */
  readonly dma = new PciDmaGate();
  /** INTx line handed to the function. */
  readonly intx: IrqLine;
  private readonly mappings: (MmioMapping | null)[] = [null, null, null, null, null, null];
  private readonly sizeMask = new Uint32Array(6);
  private readonly typeBits = new Uint32Array(6);
  private decode: PciDecodeTarget | null = null;

  /**
   * @param fn the function
   * @param device slot number 0..31
   * @param func function number 0..7
   * @param pirq PIRQ index its pin reaches (-1 for none)
   * @param sink receives INTx level changes
   * @param name diagnostic prefix for BAR mappings
   */
  constructor(
    readonly fn: PciFunction,
    readonly device: number,
    readonly func: number,
    pirq: number,
    private readonly sink: PciIntxSink,
    private readonly name: string,
  ) {
    this.pirq = pirq;
    this.intx = new PciIntxLine(this);
    for (let i = 0; i < 6; i++) {
      const bar = fn.bars[i] ?? null;
      if (bar === null) continue;
      if (bar.kind === 'io') {
        if (bar.size < 4 || (bar.size & (bar.size - 1)) !== 0 || bar.size > 256)
          throw new RangeError(`${name}: I/O BAR ${i} size ${bar.size} is not a power of two in 4..256`);
        this.sizeMask[i] = ~(bar.size - 1) >>> 0;
        this.typeBits[i] = 0x1;
      } else {
        if (bar.size < 16 || (bar.size & (bar.size - 1)) !== 0 || bar.size > 0x80000000)
          throw new RangeError(`${name}: memory BAR ${i} size ${bar.size} is not a power of two >= 16`);
        this.sizeMask[i] = ~(bar.size - 1) >>> 0;
        this.typeBits[i] = bar.prefetchable ? 0x8 : 0x0;
      }
      this.bars[i] = this.typeBits[i]!;
    }
  }

  /** Give the slot the registries to decode BARs into (at bus realize). */
  attach(decode: PciDecodeTarget): void {
    this.decode = decode;
    for (let i = 0; i < 6; i++) this.updateBar(i);
  }

  /** Read header dword `index` (offset index*4, index < 16). */
  readHeader(index: number): number {
    const id = this.fn.identity;
    switch (index) {
      case 0:
        return ((id.vendorId & 0xffff) | ((id.deviceId & 0xffff) << 16)) >>> 0;
      case 1:
        return (this.command | (this.status() << 16)) >>> 0;
      case 2:
        return ((id.revisionId & 0xff) | ((id.classCode & 0xffffff) << 8)) >>> 0;
      case 3:
        return this.cacheLineSize | (this.latencyTimer << 8) | ((id.multiFunction === true ? 0x80 : 0) << 16);
      case 4:
      case 5:
      case 6:
      case 7:
      case 8:
      case 9:
        return this.bars[index - 4]!;
      case 11:
        return ((id.subsystemVendorId & 0xffff) | ((id.subsystemId & 0xffff) << 16)) >>> 0;
      case 13:
        return (id.capabilitiesPointer ?? 0) & 0xfc;
      case 15:
        return this.interruptLine | ((this.fn.interruptPin & 0xff) << 8);
      default:
        // Cardbus CIS, expansion ROM BAR (not implemented: sizing reads 0), reserved.
        return 0;
    }
  }

  /**
   * Write header dword `index` with byte enables `byteMask` (0xff per byte
   * written), so RW1C status bits are only cleared by bytes really written.
   */
  writeHeader(index: number, value: number, byteMask: number): void {
    const merged = ((this.readHeader(index) & ~byteMask) | (value & byteMask)) >>> 0;
    switch (index) {
      case 1: {
        if (byteMask & 0xffff) this.setCommand(merged & 0xffff);
        this.statusErrors &= ~((value & byteMask) >>> 16) & 0xffff;
        return;
      }
      case 3:
        this.cacheLineSize = merged & 0xff;
        this.latencyTimer = (merged >>> 8) & 0xff;
        return;
      case 4:
      case 5:
      case 6:
      case 7:
      case 8:
      case 9: {
        const i = index - 4;
        if (this.sizeMask[i] === 0) return; // unimplemented BAR: hardwired to 0
        this.bars[i] = ((merged & this.sizeMask[i]!) | this.typeBits[i]!) >>> 0;
        this.updateBar(i);
        return;
      }
      case 15:
        this.interruptLine = merged & 0xff;
        return;
      default:
        return;
    }
  }

  /** The function drives its INTx pin. */
  setIntx(level: boolean): void {
    this.intxLevel = level;
    this.updateIntx();
  }

  /** Power-on state of the header: decoding off, BARs at 0. */
  reset(): void {
    this.cacheLineSize = 0;
    this.latencyTimer = 0;
    this.interruptLine = 0;
    this.statusErrors = 0;
    for (let i = 0; i < 6; i++) this.bars[i] = this.typeBits[i]!;
    this.setCommand(0);
  }

  /** Set the whole command register (restore, reset, guest writes). */
  setCommand(value: number): void {
    const old = this.command;
    this.command = value & PCI_COMMAND_WRITABLE;
    this.dma.enabled = (this.command & PciCommand.BusMaster) !== 0;
    if (((old ^ this.command) & (PciCommand.Io | PciCommand.Memory)) !== 0) {
      for (let i = 0; i < 6; i++) this.updateBar(i);
    }
    this.updateIntx();
    if (old !== this.command) this.fn.commandChanged(this.command);
  }

  /** Re-evaluate every BAR's decoding (after restore). */
  remapAll(): void {
    for (let i = 0; i < 6; i++) this.updateBar(i);
  }

  /** Drop every decoded region for good (bus destroy). */
  unmapAll(): void {
    for (let i = 0; i < 6; i++) {
      const bar = this.fn.bars[i] ?? null;
      if (bar === null || this.decode === null) continue;
      if (bar.kind === 'io') {
        if (this.decodedBase[i]! >= 0) this.decode.ports.unregister(this.decodedBase[i]!, bar.size);
      } else {
        this.mappings[i]?.unmap();
        this.mappings[i] = null;
      }
      this.decodedBase[i] = -1;
    }
  }

  private status(): number {
    let s = PciStatus.DevselMedium | this.statusErrors;
    if ((this.fn.identity.capabilitiesPointer ?? 0) !== 0) s |= PciStatus.CapabilityList;
    if (this.intxLevel) s |= PciStatus.Interrupt;
    return s;
  }

  private updateIntx(): void {
    const eff = this.intxLevel && (this.command & PciCommand.IntxDisable) === 0;
    if (eff === this.intxEffective) return;
    this.intxEffective = eff;
    if (this.pirq >= 0) this.sink.intxChanged(this.pirq, eff);
  }

  /**
   * Decode BAR `i` where the guest put it, if the matching command enable is
   * set and the range is sane. A base of 0 or a range running past the top of
   * its space (the all-ones pattern left by sizing) is not decoded.
   */
  private updateBar(i: number): void {
    const bar = this.fn.bars[i] ?? null;
    if (bar === null || this.decode === null) return;
    const base = (this.bars[i]! & this.sizeMask[i]!) >>> 0;
    let want = -1;
    if (bar.kind === 'io') {
      if ((this.command & PciCommand.Io) !== 0 && base !== 0 && base + bar.size <= 0x10000) want = base;
    } else if ((this.command & PciCommand.Memory) !== 0 && base !== 0 && base + bar.size < 0x100000000) {
      want = base;
    }
    if (want === this.decodedBase[i]) return;
    if (bar.kind === 'io') {
      if (this.decodedBase[i]! >= 0) this.decode.ports.unregister(this.decodedBase[i]!, bar.size);
      this.decodedBase[i] = -1;
      if (want >= 0) {
        try {
          this.decode.ports.register(want, bar.size, bar.handler, `${this.name}.bar${i}`);
          this.decodedBase[i] = want;
        } catch {
          // The guest placed the BAR over ports another device owns: a decode
          // conflict. Real hardware would fight on the bus; we leave it undecoded.
          this.decodedBase[i] = -1;
        }
      }
    } else {
      let m = this.mappings[i] ?? null;
      if (m === null) {
        if (want < 0) return;
        m = this.decode.mmio.mapMmio(-1, bar.size, bar.handler, { name: `${this.name}.bar${i}` });
        this.mappings[i] = m;
      }
      m.move(want);
      this.decodedBase[i] = want;
    }
  }
}
