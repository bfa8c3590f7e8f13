/**
 * The BusLogic BT-958 as a PCI function: BAR0 is the four MultiMaster I/O
 * ports, BAR1 a memory window onto the same registers.
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
import { BusLogicCore } from './buslogic-core.js';
import { checkState, readRec } from '../state-read.js';

/** Configuration of a {@link Bt958}. */
export interface Bt958Config {
  /** Instance name (default `"buslogic0"`). */
  readonly name?: string;
  /** Targets by SCSI id (0..15, 7 is the adapter). */
  readonly targets?: readonly TargetAttachment[];
}

class Bt958Ports implements PortIoHandler, MmioHandler {
  constructor(private readonly core: BusLogicCore) {}
  read8(offset: number): number {
    return offset < 4 ? this.core.read(offset) : 0xff;
  }
  write8(offset: number, value: number): void {
    if (offset < 4) this.core.write(offset, value);
  }
}

/**
 * BusLogic BT-958 "MultiMaster" PCI SCSI host adapter: vendor 0x104B,
 * device 0x1040, class 0x010000. {@link realize} takes the timer queue for
 * the self-test that follows a reset.
 *
 * @example
 * const hba = new Bt958({ targets: [{ id: 0, target: new ScsiDisk({ backend }) }] });
 * pciBus.plug(hba, 17, 0);
 * hba.realize(ctx);
 */
export class Bt958 implements PciFunction, Device {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'bt958';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** @inheritDoc */
  readonly identity: PciIdentity = {
    vendorId: 0x104b,
    deviceId: 0x1040,
    revisionId: 0x01,
    classCode: 0x010000,
    subsystemVendorId: 0x104b,
    subsystemId: 0x1040,
  };
  /** @inheritDoc */
  readonly bars: readonly (PciBar | null)[];
  /** @inheritDoc */
  readonly interruptPin: PciInterruptPin = 1;
  /** The MultiMaster register model. */
  readonly core = new BusLogicCore();

  /** @param config name and targets */
  constructor(config: Bt958Config = {}) {
    this.name = config.name ?? 'buslogic0';
    for (const t of config.targets ?? []) this.core.setTarget(t.id, t.target);
    const ports = new Bt958Ports(this.core);
    this.bars = [
      { kind: 'io', size: 4, handler: ports },
      { kind: 'mem32', size: 4096, prefetchable: false, handler: ports },
      null,
      null,
      null,
      null,
    ];
  }

  /** Attach or detach a target at SCSI id `id`. */
  setTarget(id: number, target: ScsiTarget | null): void {
    this.core.setTarget(id, target);
  }

  /** @inheritDoc */
  plugged(slot: PciSlotContext): void {
    this.core.attach(slot.dma, slot.intx);
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
  realize(ctx: DeviceContext): RealizeResult {
    this.core.useTimers(ctx.timers, ctx.clock);
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.core.reset();
  }

  /** @inheritDoc */
  destroy(): void {
    this.core.stopTimers();
  }

  /** Re-drive INTx from the restored state (call after every device was restored). */
  syncOutputs(): void {
    this.core.syncIrq();
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return { name: this.stateName, version: this.stateVersion, fields: { core: { ...this.core.snapshot() } } };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const inner = readRec(state.fields, 'core');
    if (typeof inner['name'] !== 'string' || typeof inner['fields'] !== 'object')
      throw new StateError('bt958: malformed core state');
    this.core.restore(inner as unknown as DeviceState);
  }
}
