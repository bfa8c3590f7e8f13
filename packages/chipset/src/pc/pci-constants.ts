/**
 * Bits of the PCI type-0 configuration header (PCI Local Bus Specification
 * 3.0, section 6.2) and the PIIX PIRQ swizzle shared by the bus, the BIOS's
 * routing tables and the ACPI `_PRT`.
 *
 * @module
 */

/** Command register (offset 0x04) bits. */
export const PciCommand = {
  /** Respond to I/O space accesses (I/O BARs decode). */
  Io: 0x0001,
  /** Respond to memory space accesses (memory BARs decode). */
  Memory: 0x0002,
  /** May act as a bus master (DMA). */
  BusMaster: 0x0004,
  /** Parity error response. */
  ParityErrorResponse: 0x0040,
  /** SERR# enable. */
  Serr: 0x0100,
  /** INTx# assertion disabled. */
  IntxDisable: 0x0400,
} as const;

/** Command bits a guest can change; the rest read as zero. */
export const PCI_COMMAND_WRITABLE = 0x0547;

/** Status register (offset 0x06) bits. */
export const PciStatus = {
  /** The function is asserting INTx# (read-only). */
  Interrupt: 0x0008,
  /** A capability list starts at offset 0x34 (read-only). */
  CapabilityList: 0x0010,
  /** DEVSEL# timing "medium" (read-only). */
  DevselMedium: 0x0200,
  /** The error bits a guest clears by writing ones. */
  WriteOneToClear: 0xf900,
} as const;

/**
 * The PIRQ (0 = PIRQA# .. 3 = PIRQD#) that INTx pin `pin` (1 = INTA#) of a
 * device in slot `device` on bus 0 reaches on a PIIX board: the pins rotate by
 * slot so devices spread over the four lines. The BIOS's `$PIR` table and the
 * ACPI `_PRT` must describe the same rotation.
 */
export function pciSlotPirq(device: number, pin: number): number {
  return (device + pin - 2) & 3;
}
