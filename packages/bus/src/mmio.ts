/**
 * Memory-mapped I/O regions.
 *
 * A device implements {@link MmioHandler}; the machine's physical address
 * space dispatches guest accesses that land in the region to it, with the
 * offset from the region's base. Accesses wider than the handler supports are
 * split (little-endian, lowest address first); an access that straddles two
 * regions is split at the boundary.
 *
 * @module
 */

/** A device's memory-mapped registers. `read8`/`write8` are required. */
export interface MmioHandler {
  /** Read one byte at `offset` from the region base. */
  read8(offset: number): number;
  /** Write one byte at `offset` from the region base. */
  write8(offset: number, value: number): void;
  /** Read a 16-bit value; when absent the space issues two byte reads. */
  read16?(offset: number): number;
  /** Write a 16-bit value; when absent the space issues two byte writes. */
  write16?(offset: number, value: number): void;
  /** Read a 32-bit value (unsigned); when absent it is split into 16-bit or byte reads. */
  read32?(offset: number): number;
  /** Write a 32-bit value; when absent it is split into 16-bit or byte writes. */
  write32?(offset: number, value: number): void;
}

/** A mapped MMIO region that its owner can move or remove (e.g. a PCI BAR). */
export interface MmioMapping {
  /** Current guest-physical base address, or -1 while unmapped. */
  readonly base: number;
  /** Size in bytes. */
  readonly size: number;
  /** Move the region to a new base (-1 unmaps it without forgetting it). */
  move(base: number): void;
  /** Remove the region for good. */
  unmap(): void;
}

/** Options for {@link MmioRegistry.mapMmio}. */
export interface MmioOptions {
  /** Diagnostic name, e.g. `"lsi0.bar1"`. */
  readonly name: string;
  /**
   * Overlap priority: where regions overlap, the higher priority wins
   * (QEMU's MemoryRegion rule). RAM is at priority 0. Default 1.
   */
  readonly priority?: number;
}

/** Where a device maps MMIO regions (the device-facing half of a physical address space). */
export interface MmioRegistry {
  /**
   * Map `handler` at guest-physical `base` (page granular regions are fastest;
   * sub-page regions are allowed). `base` -1 creates the mapping unmapped.
   */
  mapMmio(base: number, size: number, handler: MmioHandler, options: MmioOptions): MmioMapping;
}
