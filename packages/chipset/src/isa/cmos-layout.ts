/**
 * The PC/AT CMOS RAM layout that BIOSes read (IBM AT technical reference,
 * plus the QEMU/Bochs extensions SeaBIOS understands). Offsets into the
 * MC146818's 128 bytes.
 */
export const CmosOffset = {
  /** Shutdown status byte (why the CPU was reset). */
  shutdownStatus: 0x0f,
  /** Floppy drive types (high nibble drive A). */
  floppyTypes: 0x10,
  /** Equipment byte. */
  equipment: 0x14,
  /** Base memory in KiB, low byte (high byte at 0x16). */
  baseMemoryLow: 0x15,
  /** Extended memory above 1 MiB in KiB, low byte (high byte at 0x18). */
  extendedMemoryLow: 0x17,
  /** AT checksum over 0x10..0x2d, high byte (low byte at 0x2f). */
  checksumHigh: 0x2e,
  /** Extended memory above 1 MiB in KiB, copy at 0x30/0x31. */
  extendedMemory2Low: 0x30,
  /** Century, in the clock's BCD/binary format. */
  century: 0x32,
  /** Memory above 16 MiB (below 4 GiB) in 64 KiB units, low byte (high byte at 0x35). */
  memoryAbove16MLow: 0x34,
  /** Boot flag 1: bit 0 skips the floppy boot signature check; high nibble = third boot device. */
  bootFlag1: 0x38,
  /** Boot flag 2: first boot device (low nibble) and second (high nibble). */
  bootFlag2: 0x3d,
  /** Memory above 4 GiB in 64 KiB units, low/mid/high bytes at 0x5b/0x5c/0x5d. */
  memoryAbove4GLow: 0x5b,
  /** Number of CPUs minus one. */
  cpuCountMinusOne: 0x5f,
} as const;

const KIB = 1024;
const MIB = 1024 * KIB;

/** Boot devices in the CMOS boot order nibbles SeaBIOS reads. */
export type CmosBootDevice = 'floppy' | 'disk' | 'cdrom' | 'network';
const BOOT_CODES: Record<CmosBootDevice, number> = { floppy: 1, disk: 2, cdrom: 3, network: 4 };

/**
 * Write the memory size fields: base memory (640 KiB), extended memory
 * above 1 MiB in KiB (0x17/0x18 and 0x30/0x31, saturating at 65535), memory
 * above 16 MiB in 64 KiB units (0x34/0x35, saturating) and memory above
 * 4 GiB in 64 KiB units (0x5b..0x5d).
 * @param belowFourGiB RAM bytes mapped below 4 GiB
 * @param aboveFourGiB RAM bytes mapped from 4 GiB up
 */
export function writeCmosMemorySize(nvram: Uint8Array, belowFourGiB: number, aboveFourGiB = 0): void {
  const put16 = (at: number, v: number) => {
    nvram[at] = v & 0xff;
    nvram[at + 1] = (v >> 8) & 0xff;
  };
  put16(CmosOffset.baseMemoryLow, 640);
  const extKiB = Math.min(Math.max(Math.floor((belowFourGiB - MIB) / KIB), 0), 0xffff);
  put16(CmosOffset.extendedMemoryLow, extKiB);
  put16(CmosOffset.extendedMemory2Low, extKiB);
  put16(CmosOffset.memoryAbove16MLow, Math.min(Math.max(Math.floor((belowFourGiB - 16 * MIB) / (64 * KIB)), 0), 0xffff));
  const high = Math.min(Math.max(Math.floor(aboveFourGiB / (64 * KIB)), 0), 0xffffff);
  nvram[CmosOffset.memoryAbove4GLow] = high & 0xff;
  nvram[CmosOffset.memoryAbove4GLow + 1] = (high >> 8) & 0xff;
  nvram[CmosOffset.memoryAbove4GLow + 2] = (high >> 16) & 0xff;
}

/**
 * Equipment byte 0x14: bit 0 floppy drives present, bit 1 math coprocessor,
 * bits 5:4 primary display (00 = EGA/VGA), bits 7:6 floppy drives minus one.
 */
export function equipmentByte(floppyDrives: number, fpu: boolean): number {
  const n = Math.min(Math.max(floppyDrives | 0, 0), 4);
  return (n > 0 ? 0x01 | ((n - 1) << 6) : 0) | (fpu ? 0x02 : 0);
}

/** Boot order in 0x3d/0x38 (up to three devices); `checkFloppySignature` false sets 0x38 bit 0. */
export function writeCmosBootOrder(nvram: Uint8Array, order: readonly CmosBootDevice[], checkFloppySignature = true): void {
  const code = (i: number) => (order[i] === undefined ? 0 : BOOT_CODES[order[i]!]);
  nvram[CmosOffset.bootFlag2] = code(0) | (code(1) << 4);
  nvram[CmosOffset.bootFlag1] = (code(2) << 4) | (checkFloppySignature ? 0 : 1);
}

/** Recompute the AT checksum (sum of 0x10..0x2d, big-endian at 0x2e/0x2f). */
export function writeCmosChecksum(nvram: Uint8Array): void {
  let sum = 0;
  for (let i = 0x10; i <= 0x2d; i++) sum += nvram[i]!;
  nvram[CmosOffset.checksumHigh] = (sum >> 8) & 0xff;
  nvram[CmosOffset.checksumHigh + 1] = sum & 0xff;
}
