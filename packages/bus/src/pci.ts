/**
 * PCI functions as the host bridge sees them.
 *
 * The PCI bus implementation (in the chipset) owns the standard type-0 header:
 * identity registers, command/status, BAR sizing and decoding, interrupt line
 * and pin. A device supplies its identity, its BARs with their handlers, and
 * its device-specific configuration registers (0x40..0xff, including any
 * capability list). When the guest moves or enables a BAR the bus remaps the
 * handler; the device always sees offsets from the BAR base.
 *
 * @module
 */

import type { IrqLine } from './irq.js';
import type { DmaSpace } from './memory.js';
import type { MmioHandler } from './mmio.js';
import type { PortIoHandler } from './port-io.js';

/** The read-only identity registers of a type-0 configuration header. */
export interface PciIdentity {
  /** Offset 0x00. */
  readonly vendorId: number;
  /** Offset 0x02. */
  readonly deviceId: number;
  /** Offset 0x08. */
  readonly revisionId: number;
  /** Offsets 0x09..0x0b as one 24-bit value: class << 16 | subclass << 8 | prog-if. */
  readonly classCode: number;
  /** Offset 0x2c. */
  readonly subsystemVendorId: number;
  /** Offset 0x2e. */
  readonly subsystemId: number;
  /** Offset 0x0e bit 7: the device has functions beyond 0. */
  readonly multiFunction?: boolean;
  /** Offset 0x34: first capability, 0 for none (status bit 4 follows it). */
  readonly capabilitiesPointer?: number;
}

/** An I/O-space BAR. */
export interface PciIoBar {
  /** Discriminant. */
  readonly kind: 'io';
  /** Size in bytes, a power of two >= 4. */
  readonly size: number;
  /** Port handler, given offsets from the BAR base. */
  readonly handler: PortIoHandler;
}

/** A 32-bit memory-space BAR. */
export interface PciMemBar {
  /** Discriminant. */
  readonly kind: 'mem32';
  /** Size in bytes, a power of two >= 16 (4096 or more is fastest). */
  readonly size: number;
  /** Prefetchable bit in the BAR. */
  readonly prefetchable: boolean;
  /** MMIO handler, given offsets from the BAR base. */
  readonly handler: MmioHandler;
}

/** A base address register's description. */
export type PciBar = PciIoBar | PciMemBar;

/** INTx pin: 0 none, 1 INTA#, 2 INTB#, 3 INTC#, 4 INTD#. */
export type PciInterruptPin = 0 | 1 | 2 | 3 | 4;

/** What the bus hands a function when it is plugged into a slot. */
export interface PciSlotContext {
  /** The function's INTx wire (after the bus's swizzling and routing). */
  readonly intx: IrqLine;
  /**
   * Bus-master DMA into guest memory. The bus fails transfers with
   * `DmaStatus.Unassigned` while the command register's bus-master bit is clear.
   */
  readonly dma: DmaSpace;
  /** Bus/device/function address, for diagnostics. */
  readonly address: { readonly bus: number; readonly device: number; readonly fn: number };
}

/** A PCI function (one device, or one function of a multi-function device). */
export interface PciFunction {
  /** Identity registers. */
  readonly identity: PciIdentity;
  /** Up to six BARs, by index; `null` for an unimplemented BAR. */
  readonly bars: readonly (PciBar | null)[];
  /** The INTx pin the function uses. */
  readonly interruptPin: PciInterruptPin;
  /** Called once when plugged into a slot. */
  plugged(slot: PciSlotContext): void;
  /**
   * Read device-specific configuration space (offset 0x40..0xff, naturally
   * aligned, `width` 1, 2 or 4). Registers the device lacks read as 0.
   */
  readConfig(offset: number, width: 1 | 2 | 4): number;
  /** Write device-specific configuration space (offset 0x40..0xff). */
  writeConfig(offset: number, width: 1 | 2 | 4, value: number): void;
  /**
   * The guest wrote the command register (offset 0x04); bit 0 I/O space,
   * bit 1 memory space, bit 2 bus master, bit 10 INTx disable.
   */
  commandChanged(command: number): void;
}
