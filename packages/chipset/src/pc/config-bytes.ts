/**
 * The device-specific half (0x40..0xff) of a function's configuration space
 * as plain bytes with a per-bit write mask: read-only bits and absent
 * registers keep their value (0) whatever the guest writes.
 */
export class ConfigBytes {
  /** Register contents by offset (0..0xff; 0x00..0x3f unused). */
  readonly bytes = new Uint8Array(256);
  /** Bits the guest may change, by offset. */
  readonly writable = new Uint8Array(256);
  /** Power-on values, by offset. */
  readonly resetValues = new Uint8Array(256);

  /** Declare a register: `width` bytes at `offset` with a reset value and a write mask. */
  define(offset: number, width: number, resetValue: number, writeMask: number): void {
    for (let i = 0; i < width; i++) {
      this.resetValues[offset + i] = (resetValue >>> (8 * i)) & 0xff;
      this.writable[offset + i] = (writeMask >>> (8 * i)) & 0xff;
    }
  }

  /** Back to the power-on values. */
  reset(): void {
    this.bytes.set(this.resetValues);
  }

  /** Little-endian read of `width` bytes at `offset`. */
  read(offset: number, width: 1 | 2 | 4): number {
    const b = this.bytes;
    const o = offset & 0xff;
    if (width === 1) return b[o]!;
    if (width === 2) return b[o]! | (b[(o + 1) & 0xff]! << 8);
    return (b[o]! | (b[(o + 1) & 0xff]! << 8) | (b[(o + 2) & 0xff]! << 16) | (b[(o + 3) & 0xff]! << 24)) >>> 0;
  }

  /** Masked little-endian write of `width` bytes at `offset`. */
  write(offset: number, width: 1 | 2 | 4, value: number): void {
    for (let i = 0; i < width; i++) {
      const o = (offset + i) & 0xff;
      const m = this.writable[o]!;
      this.bytes[o] = (this.bytes[o]! & ~m) | ((value >>> (8 * i)) & m);
    }
  }

  /** True when the write of `width` bytes at `offset` touches byte `reg`. */
  static touches(offset: number, width: number, reg: number): boolean {
    return reg >= offset && reg < offset + width;
  }
}
