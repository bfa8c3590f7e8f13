/**
 * A named fw_cfg file, as a QEMU-style fw_cfg device serves it to firmware.
 *
 * @module
 */

/** A named fw_cfg file. */
export interface FwCfgFile {
  /** File name, e.g. `etc/acpi/tables` (at most 55 characters). */
  readonly name: string;
  /** Contents. */
  readonly data: Uint8Array;
}
