/**
 * The LSI Logic 53C1030 as a PCI function: BAR0 I/O (256 bytes) and BAR1
 * memory (16 KiB) both reach the Fusion-MPT system interface registers;
 * BAR2 is the diagnostic memory window (reads as zero here).
 *
 * @module
 */

import { StateError } from '@vm/bus';
import type {
  Device,
  DeviceContext,
  DeviceState,
  MmioHandler,
  PciBar,
  PciFunction,
  PciIdentity,
  PciInterruptPin,
  PciSlotContext,
  PortIoHandler,
  RealizeResult,
} from '@vm/bus';
import type { ScsiTarget, TargetAttachment } from '../target/scsi-task.js';
import { MptIoc } from './mpt-ioc.js';
import { checkState, readRec } from '../state-read.js';

/** Configuration of a {@link Lsi53c1030}. */
export interface Lsi53c1030Config {
  /** Instance name (default `"lsi0"`). */
  readonly name?: string;
  /** Targets by SCSI id (0..15, 7 is the adapter). */
  readonly targets?: readonly TargetAttachment[];
}

/** Register window shared by the I/O and memory BARs: 32-bit registers, narrower accesses see part of them. */
class MptRegisterWindow implements PortIoHandler, MmioHandler {
  constructor(private readonly ioc: MptIoc) {}
  read8(offset: number): number {
    if (offset >= 0x100) return 0;
    return (this.ioc.readRegister(offset & ~3) >>> ((offset & 3) * 8)) & 0xff;
  }
  read16(offset: number): number {
    if (offset >= 0x100) return 0;
    return (this.ioc.readRegister(offset & ~3) >>> ((offset & 2) * 8)) & 0xffff;
  }
  read32(offset: number): number {
    if (offset >= 0x100 || (offset & 3) !== 0) return 0;
    return this.ioc.readRegister(offset) >>> 0;
  }
  // The registers take dword writes only (MPI: system interface is 32-bit).
  write8(): void {}
  write16(): void {}
  write32(offset: number, value: number): void {
    if (offset >= 0x100 || (offset & 3) !== 0) return;
    this.ioc.writeRegister(offset, value >>> 0);
  }
}

/** The diagnostic memory BAR: present for drivers that size it, no contents. */
class ZeroWindow implements MmioHandler {
  read8(): number {
    return 0;
  }
  write8(): void {}
}

/**
 * LSI Logic 53C1030 Ultra320 SCSI (Fusion-MPT) PCI function: vendor 0x1000,
 * device 0x0030, class 0x010000 (SCSI), VMware subsystem ids. Plug it into
 * a PCI bus; realize() is kept for the device lifecycle (it maps nothing:
 * the bus decodes the BARs).
 *
 * @example
 * const hba = new Lsi53c1030({ targets: [{ id: 0, target: new ScsiDisk({ backend }) }] });
 * pciBus.plug(hba, 16, 0);
 */
export class Lsi53c1030 implements PciFunction, Device {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'lsi53c1030';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** @inheritDoc */
  readonly identity: PciIdentity = {
    vendorId: 0x1000,
    deviceId: 0x0030,
    revisionId: 0x01,
    classCode: 0x010000,
    subsystemVendorId: 0x15ad,
    subsystemId: 0x1976,
  };
  /** @inheritDoc */
  readonly bars: readonly (PciBar | null)[];
  /** @inheritDoc */
  readonly interruptPin: PciInterruptPin = 1;
  /** The message unit (register-level core). */
  readonly ioc: MptIoc;

  /** @param config name and targets */
  constructor(config: Lsi53c1030Config = {}) {
    this.name = config.name ?? 'lsi0';
    this.ioc = new MptIoc({
      vendorId: this.identity.vendorId,
      deviceId: this.identity.deviceId,
      revisionId: this.identity.revisionId,
      classCode: this.identity.classCode,
      subsystemVendorId: this.identity.subsystemVendorId,
      subsystemId: this.identity.subsystemId,
    });
    for (const t of config.targets ?? []) this.ioc.setTarget(t.id, t.target);
    const regs = new MptRegisterWindow(this.ioc);
    this.bars = [
      { kind: 'io', size: 256, handler: regs },
      { kind: 'mem32', size: 16384, prefetchable: false, handler: regs },
      { kind: 'mem32', size: 65536, prefetchable: false, handler: new ZeroWindow() },
      null,
      null,
      null,
    ];
  }

  /** Attach or detach a target at SCSI id `id`. */
  setTarget(id: number, target: ScsiTarget | null): void {
    this.ioc.setTarget(id, target);
  }

  /** @inheritDoc */
  plugged(slot: PciSlotContext): void {
    this.ioc.attach(slot.dma, slot.intx);
  }

  /** @inheritDoc */
  readConfig(): number {
    return 0;
  }

  /** @inheritDoc */
  writeConfig(): void {}

  /** @inheritDoc */
  commandChanged(): void {}

  /** @inheritDoc */
  realize(_ctx: DeviceContext): RealizeResult {
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.ioc.reset();
  }

  /** @inheritDoc */
  destroy(): void {}

  /** Re-drive INTx from the restored state (call after every device was restored). */
  syncOutputs(): void {
    this.ioc.syncIrq();
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return { name: this.stateName, version: this.stateVersion, fields: { ioc: { ...this.ioc.snapshot() } } };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const inner = readRec(state.fields, 'ioc');
    if (typeof inner['name'] !== 'string' || typeof inner['version'] !== 'number' || typeof inner['fields'] !== 'object')
      throw new StateError('lsi53c1030: malformed ioc state');
    this.ioc.restore(inner as unknown as DeviceState);
  }
}
