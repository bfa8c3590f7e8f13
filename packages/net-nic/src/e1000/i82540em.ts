/**
 * The Intel 82540EM (e1000) as a PCI function, driven by Linux's e1000.
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
import { StateError } from '@vm/bus';
import { checkState, readBoolean, readNumber, readUint16Array, readUint32Array } from '../shared/state-read.js';
import { E1000Core } from './e1000-core.js';

/** Configuration of an {@link I82540em}. */
export interface I82540emConfig {
  /** Instance name (default `"e1000-0"`). */
  readonly name?: string;
  /** The station address (6 bytes), stored in the EEPROM. */
  readonly mac: Uint8Array;
  /** The network side of the cable; `null` leaves the NIC unconnected. */
  readonly backend: NetBackend | null;
  /** Subsystem vendor ID (default 0x8086). */
  readonly subsystemVendorId?: number;
  /** Subsystem ID (default 0x001E, PRO/1000 MT Desktop). */
  readonly subsystemId?: number;
}

/**
 * BAR0: the 128 KiB register window. Registers are dwords; narrower reads
 * return the addressed part of the dword, narrower writes are merged into
 * the register's current value.
 */
class E1000MemoryWindow implements MmioHandler {
  constructor(private readonly core: E1000Core) {}
  read8(offset: number): number {
    return (this.core.read(offset & ~3) >>> ((offset & 3) * 8)) & 0xff;
  }
  read16(offset: number): number {
    return (this.core.read(offset & ~3) >>> ((offset & 2) * 8)) & 0xffff;
  }
  read32(offset: number): number {
    return this.core.read(offset);
  }
  write8(offset: number, value: number): void {
    this.merge(offset, 0xff, value);
  }
  write16(offset: number, value: number): void {
    this.merge(offset & ~1, 0xffff, value);
  }
  write32(offset: number, value: number): void {
    this.core.write(offset, value);
  }
  private merge(offset: number, mask: number, value: number): void {
    const shift = (offset & 3) * 8;
    const aligned = offset & ~3;
    const old = this.core.regs[(aligned >>> 2) & (this.core.regs.length - 1)]!;
    this.core.write(aligned, ((old & ~(mask << shift)) | ((value & mask) << shift)) >>> 0);
  }
}

/**
 * BAR1: the 64-byte I/O window. IOADDR (offset 0) selects a register;
 * IODATA (offset 4) reads or writes it (8254x SDM 13.2). Linux's e1000
 * issues the CTRL.RST of `e1000_reset_hw` this way.
 */
class E1000IoWindow implements PortIoHandler {
  /** The register offset IOADDR selects. */
  ioaddr = 0;
  constructor(private readonly core: E1000Core) {}
  read8(offset: number): number {
    return (this.read32(offset & ~3) >>> ((offset & 3) * 8)) & 0xff;
  }
  write8(_offset: number, _value: number): void {}
  read32(offset: number): number {
    if (offset === 0) return this.ioaddr;
    if (offset === 4) return this.core.read(this.ioaddr);
    return 0xffffffff;
  }
  write32(offset: number, value: number): void {
    if (offset === 0) this.ioaddr = value & 0x1fffc;
    else if (offset === 4) this.core.write(this.ioaddr, value);
  }
}

/**
 * The Intel 82540EM Gigabit Ethernet controller (e1000): PCI 8086:100E,
 * class 0x020000, BAR0 memory 128 KiB, BAR1 I/O 64 bytes, INTA#.
 *
 * Implements CTRL/STATUS, the Microwire EEPROM (bit-banged through EECD,
 * or EERD) with a valid 0xBABA checksum, MDIC access to an 88E1011-style
 * PHY whose auto-negotiation completes when the cable is up, ICR/ICS/IMS/IMC
 * with read-to-clear ICR, ITR throttling and the RDTR/RADV/TIDV/TADV
 * moderation timers, the receive and transmit rings, 16 receive address
 * registers, the multicast table, VLAN filtering, legacy and extended
 * (context + data) transmit descriptors with IP/TCP/UDP checksum insertion
 * and TCP segmentation, receive checksum offload, MAC loopback, and the
 * read-to-clear statistics.
 *
 * @example
 * const nic = new I82540em({ mac: deriveMac('vm1', 1), backend });
 * pci.plug(nic, 4, 0);
 * nic.realize(ctx);
 * nic.reset();
 */
export class I82540em implements PciFunction, Device, NetReceiver {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'i82540em';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** @inheritDoc */
  readonly identity: PciIdentity;
  /** @inheritDoc */
  readonly bars: readonly (PciBar | null)[];
  /** @inheritDoc */
  readonly interruptPin = 1;
  /** The MAC (registers, rings); exposed for diagnostics and tests. */
  readonly core: E1000Core;
  private readonly io: E1000IoWindow;
  private readonly backend: NetBackend | null;

  /** @param config station address, backend and name */
  constructor(config: I82540emConfig) {
    if (config.mac.length !== 6) throw new RangeError('I82540em needs a 6-byte MAC address');
    this.name = config.name ?? 'e1000-0';
    this.backend = config.backend;
    const subsystemVendorId = config.subsystemVendorId ?? 0x8086;
    const subsystemId = config.subsystemId ?? 0x001e;
    this.core = new E1000Core(config.mac, config.backend, { deviceId: 0x100e, subsystemId, subsystemVendorId });
    this.io = new E1000IoWindow(this.core);
    this.bars = [
      { kind: 'mem32', size: 0x20000, prefetchable: false, handler: new E1000MemoryWindow(this.core) },
      { kind: 'io', size: 64, handler: this.io },
    ];
    this.identity = {
      vendorId: 0x8086,
      deviceId: 0x100e,
      revisionId: 0x03,
      classCode: 0x020000,
      subsystemVendorId,
      subsystemId,
    };
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    const c = this.core;
    const n = this.name;
    c.clock = ctx.clock;
    c.itrTimer = ctx.timers.createTimer(`${n}.itr`, () => c.updateIrq());
    c.rdtrTimer = ctx.timers.createTimer(`${n}.rdtr`, () => c.rxDelayExpired());
    c.radvTimer = ctx.timers.createTimer(`${n}.radv`, () => c.rxDelayExpired());
    c.tidvTimer = ctx.timers.createTimer(`${n}.tidv`, () => c.txDelayExpired());
    c.tadvTimer = ctx.timers.createTimer(`${n}.tadv`, () => c.txDelayExpired());
    c.txContinueTimer = ctx.timers.createTimer(`${n}.tx`, () => c.transmit());
    this.backend?.attach(this);
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.io.ioaddr = 0;
    this.core.reset();
  }

  /** @inheritDoc */
  destroy(): void {
    const c = this.core;
    for (const t of [c.itrTimer, c.rdtrTimer, c.radvTimer, c.tidvTimer, c.tadvTimer, c.txContinueTimer]) t.disarm();
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

  /** Tell the NIC its backend's `linkUp` changed: the PHY follows and LSC is raised. */
  linkChanged(): void {
    this.core.linkChanged();
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    const c = this.core;
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        regs: c.regs.slice(),
        icr: c.icr,
        ims: c.ims,
        irq: c.irqLevel,
        lastInterruptNs: Number.isFinite(c.lastInterruptNs) ? c.lastInterruptNs : -1,
        phy: c.phy.regs.slice(),
        linkUp: c.phy.linkUp,
        eeprom: c.eeprom.save(),
        txContext: c.tx.save(),
        ioaddr: this.io.ioaddr,
        timers: [c.itrTimer.deadline, c.rdtrTimer.deadline, c.radvTimer.deadline, c.tidvTimer.deadline, c.tadvTimer.deadline, c.txContinueTimer.deadline],
      },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const f = state.fields;
    const regs = readUint32Array(f, 'regs', this.core.regs.length);
    const phy = readUint16Array(f, 'phy', 32);
    const icr = readNumber(f, 'icr');
    const ims = readNumber(f, 'ims');
    const irq = readBoolean(f, 'irq');
    const last = readNumber(f, 'lastInterruptNs');
    const linkUp = readBoolean(f, 'linkUp');
    const ioaddr = readNumber(f, 'ioaddr');
    const eeprom = numberList(f['eeprom'], 'eeprom', 5);
    const tx = numberList(f['txContext'], 'txContext', 9);
    const timers = numberList(f['timers'], 'timers', 6);
    const c = this.core;
    c.regs.set(regs);
    c.phy.regs.set(phy);
    c.phy.linkUp = linkUp;
    c.icr = icr >>> 0;
    c.ims = ims >>> 0;
    c.irqLevel = irq;
    c.lastInterruptNs = last < 0 ? -Infinity : last;
    c.eeprom.load(eeprom);
    c.tx.load(tx);
    this.io.ioaddr = ioaddr & 0x1fffc;
    [c.itrTimer, c.rdtrTimer, c.radvTimer, c.tidvTimer, c.tadvTimer, c.txContinueTimer].forEach((t, i) => {
      const d = timers[i]!;
      if (d >= 0) t.arm(d);
      else t.disarm();
    });
    c.filterReport.forget();
    c.reportFilter();
  }
}

function numberList(v: unknown, key: string, length: number): number[] {
  if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new StateError(`state field "${key}" is not a list of ${length} numbers`);
  return v as number[];
}
