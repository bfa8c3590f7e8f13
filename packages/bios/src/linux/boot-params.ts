/**
 * The "zero page" (`struct boot_params`, Linux Documentation/x86/zero-page.rst):
 * the 4 KiB block a 32-bit boot loader fills and points ESI at.
 *
 * @module
 */

/** Byte offsets of the boot_params fields this loader writes. */
export const BootParamsOffset = {
  /** screen_info.orig_x (u8) */
  origX: 0x00,
  /** screen_info.orig_y (u8) */
  origY: 0x01,
  /** screen_info.ext_mem_k (u16): KiB of memory above 1 MiB, capped at 0xFC00 */
  extMemK: 0x02,
  /** screen_info.orig_video_mode (u8) */
  origVideoMode: 0x06,
  /** screen_info.orig_video_cols (u8) */
  origVideoCols: 0x07,
  /** screen_info.orig_video_ega_bx (u16) */
  origVideoEgaBx: 0x0a,
  /** screen_info.orig_video_lines (u8) */
  origVideoLines: 0x0e,
  /** screen_info.orig_video_isVGA (u8): 1 for VGA text */
  origVideoIsVga: 0x0f,
  /** screen_info.orig_video_points (u16): character height */
  origVideoPoints: 0x10,
  /** acpi_rsdp_addr (u64, protocol 2.14+) */
  acpiRsdpAddr: 0x070,
  /** ext_ramdisk_image (u32): bits 32-63 of the initrd address */
  extRamdiskImage: 0x0c0,
  /** ext_ramdisk_size (u32) */
  extRamdiskSize: 0x0c4,
  /** ext_cmd_line_ptr (u32) */
  extCmdLinePtr: 0x0c8,
  /** alt_mem_k (u32): KiB of memory above 1 MiB */
  altMemK: 0x1e0,
  /** e820_entries (u8) */
  e820Entries: 0x1e8,
  /** sentinel (u8): must stay 0, or the kernel assumes a buggy loader and clears fields */
  sentinel: 0x1ef,
  /** the setup header copy starts here (same offsets as in the bzImage file) */
  hdr: 0x1f1,
  /** e820_table: up to 128 entries of 20 bytes */
  e820Table: 0x2d0,
} as const;

/** Size of boot_params. */
export const BOOT_PARAMS_SIZE = 0x1000;
/** Number of E820 entries boot_params holds. */
export const BOOT_PARAMS_E820_MAX = 128;
