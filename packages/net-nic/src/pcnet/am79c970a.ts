/**
 * The AMD Am79C970A (PCnet-PCI II) as a PCI function: VMware's "vlance",
 * driven by Linux's pcnet32.
 *
 * @module
 */
import type {
  Device,
  DeviceContext,
  DeviceState,
  MmioHandler,
  NetBackend,
  NetReceiver,
  PciBar,
  PciFunction,
  PciIdentity,
  PciSlotContext,
  PortIoHandler,
  RealizeResult,
} from '@vm/bus';
import { checkState, readBoolean, readNumber, readUint16Array, readUint8ArrayUpTo } from '../shared/state-read.js';
import { PcnetCore } from './pcnet-core.js';

/** Configuration of an {@link Am79c970a}. */
export interface Am79c970aConfig {
  /** Instance name (default `"vlance0"`). */
  readonly name?: string;
  /** The station address (6 bytes) stored in the address PROM. */
  readonly mac: Uint8Array;
  /** The network side of the cable; `null` leaves the NIC unconnected. */
  readonly backend: NetBackend | null;
  /** Subsystem vendor ID (default 0x1022). */
  readonly subsystemVendorId?: number;
  /** Subsystem ID (default 0x2000). */
  readonly subsystemId?: number;
}

/**
 * The register window of BAR0 (I/O, 32 bytes) and BAR1 (memory, 32 bytes):
 * the APROM at 0x00..0x0F, then in word I/O mode RDP 0x10, RAP 0x12,
 * RESET 0x14, BDP 0x16, and in double-word mode RDP 0x10, RAP 0x14,
 * RESET 0x18, BDP 0x1C (datasheet, "I/O Resources"). Accesses of the wrong
 * width for the mode float.
 */
class PcnetRegisterWindow implements PortIoHandler, MmioHandler {
  constructor(private readonly core: PcnetCore) {}

  read8(offset: number): number {
    return offset < 16 ? this.core.aprom[offset]! : 0xff;
  }

  write8(_offset: number, _value: number): void {
    // The APROM is read-only here and the registers take word accesses only.
  }

  read16(offset: number): number {
    const c = this.core;
    if (offset < 16) return c.aprom[offset]! | (c.aprom[(offset + 1) & 15]! << 8);
    if (c.dwio) return 0xffff;
    switch (offset) {
      case 0x10:
        return c.readCsr(c.rap);
      case 0x12:
        return c.rap;
      case 0x14:
        c.softReset();
        return 0;
      case 0x16:
        return c.readBcr(c.rap);
      default:
        return 0xffff;
    }
  }

  write16(offset: number, value: number): void {
    const c = this.core;
    if (offset < 16 || c.dwio) return;
    switch (offset) {
      case 0x10:
        c.writeCsr(c.rap, value);
        break;
      case 0x12:
        c.rap = value & 0x7f;
        break;
      case 0x16:
        c.writeBcr(c.rap, value);
        break;
      default:
        break; // a write to RESET does nothing
    }
  }

  read32(offset: number): number {
    const c = this.core;
    if (offset < 16) {
      const a = c.aprom;
      const o = offset & 12;
      return (a[o]! | (a[o + 1]! << 8) | (a[o + 2]! << 16) | (a[o + 3]! << 24)) >>> 0;
    }
    if (!c.dwio) return 0xffffffff;
    switch (offset) {
      case 0x10:
        return c.readCsr(c.rap);
      case 0x14:
        return c.rap;
      case 0x18:
        c.softReset();
        return 0;
      case 0x1c:
        return c.readBcr(c.rap);
      default:
        return 0xffffffff;
    }
  }

  write32(offset: number, value: number): void {
    const c = this.core;
    if (offset < 16) return;
    if (!c.dwio) {
      // A dword write to RDP switches the chip to DWIO; the data is discarded.
      if (offset === 0x10) c.enterDwio();
      return;
    }
    switch (offset) {
      case 0x10:
        c.writeCsr(c.rap, value & 0xffff);
        break;
      case 0x14:
        c.rap = value & 0x7f;
        break;
      case 0x1c:
        c.writeBcr(c.rap, value & 0xffff);
        break;
      default:
        break;
    }
  }
}

/**
 * The AMD Am79C970A PCnet-PCI II Ethernet controller ("vlance"): PCI
 * 1022:2000, class 0x020000, BAR0 I/O 32 bytes, BAR1 memory 32 bytes, INTA#.
 *
 * Implements word and double-word I/O, the APROM, the CSRs and BCRs Linux's
 * pcnet32 uses, the 16- and 32-bit initialization blocks and software
 * styles 0, 2 and 3, chained transmit and receive descriptors, transmit
 * polling on TDMD and every {@link PCNET_POLL_NS}, address filtering
 * (station, broadcast, logical hash, promiscuous), loopback, and the MISS /
 * MERR / BABL error paths. DMA goes only through the slot's `DmaSpace`; a
 * descriptor or buffer outside RAM sets MERR or the descriptor's error bits.
 *
 * Plug it into a PCI bus (`plug`), realize it (for its timer), reset it.
 *
 * @example
 * const nic = new Am79c970a({ mac: deriveMac('vm1', 0), backend });
 * pci.plug(nic, 3, 0);
 * nic.realize(ctx);
 * nic.reset();
 */
export class Am79c970a implements PciFunction, Device, NetReceiver {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'am79c970a';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** @inheritDoc */
  readonly identity: PciIdentity;
  /** @inheritDoc */
  readonly bars: readonly (PciBar | null)[];
  /** @inheritDoc */
  readonly interruptPin = 1;
  /** The controller (registers, rings); exposed for diagnostics and tests. */
  readonly core: PcnetCore;
  private readonly backend: NetBackend | null;

  /** @param config station address, backend and name */
  constructor(config: Am79c970aConfig) {
    if (config.mac.length !== 6) throw new RangeError('Am79c970a needs a 6-byte MAC address');
    this.name = config.name ?? 'vlance0';
    this.backend = config.backend;
    this.core = new PcnetCore(config.mac, config.backend);
    const window = new PcnetRegisterWindow(this.core);
    this.bars = [
      { kind: 'io', size: 32, handler: window },
      { kind: 'mem32', size: 32, prefetchable: false, handler: window },
    ];
    this.identity = {
      vendorId: 0x1022,
      deviceId: 0x2000,
      revisionId: 0x10,
      classCode: 0x020000,
      subsystemVendorId: config.subsystemVendorId ?? 0x1022,
      subsystemId: config.subsystemId ?? 0x2000,
    };
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    const core = this.core;
    core.clock = ctx.clock;
    core.pollTimer = ctx.timers.createTimer(`${this.name}.poll`, () => core.pollTimerFired());
    this.backend?.attach(this);
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.core.hardReset();
  }

  /** @inheritDoc */
  destroy(): void {
    this.core.pollTimer.disarm();
    this.backend?.attach(null);
  }

  /** @inheritDoc */
  plugged(slot: PciSlotContext): void {
    this.core.dma = slot.dma;
    this.core.irq = slot.intx;
    this.core.irqLevel = false;
    this.core.updateIrq();
  }

  /** @inheritDoc */
  readConfig(_offset: number, _width: 1 | 2 | 4): number {
    return 0;
  }

  /** @inheritDoc */
  writeConfig(_offset: number, _width: 1 | 2 | 4, _value: number): void {}

  /** @inheritDoc */
  commandChanged(_command: number): void {}

  /** @inheritDoc */
  receiveFrame(frame: Uint8Array): boolean {
    return this.core.receive(frame, frame.length);
  }

  /**
   * Tell the NIC its backend's `linkUp` changed. The PCnet has no link
   * interrupt: pcnet32 polls the link LED register (BCR4), which reads the
   * backend live, so there is nothing to latch.
   */
  linkChanged(): void {}

  /** @inheritDoc */
  snapshot(): DeviceState {
    const c = this.core;
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        csr: c.csr.slice(),
        bcr: c.bcr.slice(),
        rap: c.rap,
        rxRingBase: c.rxRingBase,
        txRingBase: c.txRingBase,
        rxRingLength: c.rxRingLength,
        txRingLength: c.txRingLength,
        rxIndex: c.rxIndex,
        txIndex: c.txIndex,
        txInFrame: c.txInFrame,
        txPartial: c.txBuffer.slice(0, c.txFill),
        pollDeadline: c.pollTimer.deadline,
        irq: c.irqLevel,
      },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const f = state.fields;
    const csr = readUint16Array(f, 'csr', 128);
    const bcr = readUint16Array(f, 'bcr', 64);
    const rxLen = readNumber(f, 'rxRingLength');
    const txLen = readNumber(f, 'txRingLength');
    const partial = readUint8ArrayUpTo(f, 'txPartial', this.core.txBuffer.length);
    const rxIndex = readNumber(f, 'rxIndex');
    const txIndex = readNumber(f, 'txIndex');
    const fields = {
      rap: readNumber(f, 'rap'),
      rxRingBase: readNumber(f, 'rxRingBase'),
      txRingBase: readNumber(f, 'txRingBase'),
      txInFrame: readBoolean(f, 'txInFrame'),
      pollDeadline: readNumber(f, 'pollDeadline'),
      irq: readBoolean(f, 'irq'),
    };
    const c = this.core;
    c.csr.set(csr);
    c.bcr.set(bcr);
    c.rap = fields.rap & 0x7f;
    c.rxRingBase = fields.rxRingBase >>> 0;
    c.txRingBase = fields.txRingBase >>> 0;
    c.rxRingLength = Math.min(Math.max(Math.floor(rxLen), 1), 0x10000);
    c.txRingLength = Math.min(Math.max(Math.floor(txLen), 1), 0x10000);
    c.rxIndex = Math.floor(Math.abs(rxIndex)) % c.rxRingLength;
    c.txIndex = Math.floor(Math.abs(txIndex)) % c.txRingLength;
    c.txInFrame = fields.txInFrame;
    c.txBuffer.set(partial);
    c.txFill = partial.length;
    // Output levels are re-driven by the machine after every restore.
    c.irqLevel = fields.irq;
    if (fields.pollDeadline >= 0) c.pollTimer.arm(fields.pollDeadline);
    else c.pollTimer.disarm();
    c.filterReport.forget();
    c.reportFilter();
  }
}
