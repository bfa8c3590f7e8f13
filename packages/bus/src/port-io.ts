/**
 * Port I/O: the x86 `IN`/`OUT` address space of 65,536 byte-wide ports.
 *
 * A device implements {@link PortIoHandler} with a handler per access width.
 * Offsets are relative to the base the handler was registered at, so the same
 * handler works at a fixed ISA address or behind a relocatable PCI I/O BAR.
 * Values are plain numbers: 8-bit values in 0..0xff, 16-bit in 0..0xffff,
 * 32-bit as unsigned 0..0xffffffff.
 *
 * @module
 */

/**
 * A device's port I/O registers. `read8`/`write8` are required; wider widths are
 * optional. An access wider than the handler supports is split by the port
 * space into narrower accesses, lowest address first (little-endian).
 */
export interface PortIoHandler {
  /** Read one byte at `offset` from the registration base. */
  read8(offset: number): number;
  /** Write one byte at `offset` from the registration base. */
  write8(offset: number, value: number): void;
  /** Read a 16-bit word; when absent the space issues two byte reads. */
  read16?(offset: number): number;
  /** Write a 16-bit word; when absent the space issues two byte writes. */
  write16?(offset: number, value: number): void;
  /** Read a 32-bit dword; when absent the space issues two 16-bit (or four byte) reads. */
  read32?(offset: number): number;
  /** Write a 32-bit dword; when absent the space issues two 16-bit (or four byte) writes. */
  write32?(offset: number, value: number): void;
}

/** Where a device registers its ports (the device-facing half of a port space). */
export interface PortIoRegistry {
  /**
   * Route ports `base .. base + length - 1` to `handler`.
   * Throws a `RangeError` if the range leaves 0..0xffff or overlaps another
   * registration (two devices claiming one port is a wiring bug).
   * @param owner a name for diagnostics (e.g. `"uart0"`).
   */
  register(base: number, length: number, handler: PortIoHandler, owner: string): void;
  /** Return ports `base .. base + length - 1` to the unassigned default. */
  unregister(base: number, length: number): void;
}

/**
 * The CPU's view of the port space. Unassigned ports read as all ones
 * and ignore writes, as on a PC's ISA bus.
 */
export interface PortIo {
  /** `IN AL, port` */
  in8(port: number): number;
  /** `IN AX, port` */
  in16(port: number): number;
  /** `IN EAX, port` (unsigned result). */
  in32(port: number): number;
  /** `OUT port, AL` */
  out8(port: number, value: number): void;
  /** `OUT port, AX` */
  out16(port: number, value: number): void;
  /** `OUT port, EAX` */
  out32(port: number, value: number): void;
}
