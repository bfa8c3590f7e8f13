/**
 * Stand-ins for the wires a PCI function gets when it is plugged, so a NIC
 * that is not plugged yet (or was unplugged) behaves like a card on a dead
 * bus instead of dereferencing null.
 *
 * @module
 */
import { DmaStatus } from '@vm/bus';
import type { Clock, DmaSpace, IrqLine, Timer } from '@vm/bus';

/** DMA with no memory behind it: every transfer fails as a master abort. */
export class UnpluggedDma implements DmaSpace {
  /** @inheritDoc */
  read(_addr: number, dst: Uint8Array): DmaStatus {
    dst.fill(0xff);
    return DmaStatus.Unassigned;
  }
  /** @inheritDoc */
  write(_addr: number, _src: Uint8Array): DmaStatus {
    return DmaStatus.Unassigned;
  }
  /** @inheritDoc */
  read8(_addr: number): number {
    return 0xff;
  }
  /** @inheritDoc */
  read16(_addr: number): number {
    return 0xffff;
  }
  /** @inheritDoc */
  read32(_addr: number): number {
    return 0xffffffff;
  }
  /** @inheritDoc */
  write8(_addr: number, _value: number): void {}
  /** @inheritDoc */
  write16(_addr: number, _value: number): void {}
  /** @inheritDoc */
  write32(_addr: number, _value: number): void {}
}

/** An interrupt wire connected to nothing. */
export class UnconnectedIrq implements IrqLine {
  /** @inheritDoc */
  raise(): void {}
  /** @inheritDoc */
  lower(): void {}
  /** @inheritDoc */
  pulse(): void {}
  /** @inheritDoc */
  set(_level: boolean): void {}
}

/** A timer that never fires, for a device that has not been realized. */
export class InertTimer implements Timer {
  /** @inheritDoc */
  get deadline(): number {
    return -1;
  }
  /** @inheritDoc */
  arm(_deadlineNs: number): void {}
  /** @inheritDoc */
  disarm(): void {}
}

/** A clock stopped at 0, for a device that has not been realized. */
export class StoppedClock implements Clock {
  /** @inheritDoc */
  now(): number {
    return 0;
  }
}
