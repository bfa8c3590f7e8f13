/**
 * Stand-in wires for a PCI function that has not been plugged into a slot.
 *
 * @module
 */

import { DmaStatus } from '@vm/bus';
import type { DmaSpace, IrqLine } from '@vm/bus';

/** A no-op IRQ line and failing DMA used until the function is plugged. */
export class Unplugged implements IrqLine, DmaSpace {
  raise(): void {}
  lower(): void {}
  pulse(): void {}
  set(): void {}
  read(_a: number, dst: Uint8Array): DmaStatus {
    dst.fill(0xff);
    return DmaStatus.Unassigned;
  }
  write(): DmaStatus {
    return DmaStatus.Unassigned;
  }
  read8(): number {
    return 0xff;
  }
  read16(): number {
    return 0xffff;
  }
  read32(): number {
    return 0xffffffff;
  }
  write8(): void {}
  write16(): void {}
  write32(): void {}
}
