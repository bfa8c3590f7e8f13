/**
 * Board-level controls that devices drive: reset, power-off and the
 * shadowing of the legacy BIOS area.
 *
 * @module
 */

/**
 * Requests a device makes of the whole machine (8042 pulse-reset, port 0x92,
 * port 0xCF9, ACPI sleep, a CPU's triple fault). The machine carries them out
 * between instructions, never from inside the request.
 */
export interface PlatformControl {
  /** Reset the machine (all CPUs and devices), as the reset line does. */
  requestReset(reason: string): void;
  /** Power the machine off (ACPI S5, or a test device's exit). `code` is an exit status for tests. */
  requestPowerOff(reason: string, code?: number): void;
}

/**
 * The i440FX's Programmable Attribute Map (PAM) view of 0xC0000..0xFFFFF: for
 * each range, whether reads come from RAM or from the ROM behind it, and
 * whether writes go to RAM or are discarded. SeaBIOS uses this to copy itself
 * into RAM ("shadowing") and then write-protect it.
 */
export interface ShadowMemoryControl {
  /**
   * @param base start of the range (16 KiB aligned, within 0xC0000..0xFFFFF)
   * @param size length in bytes (a multiple of 16 KiB)
   * @param readFromRam reads hit RAM (true) or the ROM/bus (false)
   * @param writeToRam writes hit RAM (true) or the ROM/bus, i.e. are ignored (false)
   */
  setShadow(base: number, size: number, readFromRam: boolean, writeToRam: boolean): void;
}
