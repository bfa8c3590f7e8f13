import { DmaStatus } from '../memory.js';
import type { DmaSpace } from '../memory.js';

/**
 * A {@link DmaSpace} over a plain byte array starting at guest-physical 0.
 * Bytes beyond its size are unassigned: reads give 0xff and report
 * `DmaStatus.Unassigned`, writes are dropped.
 */
export class RamDmaSpace implements DmaSpace {
  /** The backing bytes; tests inspect and fill them directly. */
  readonly bytes: Uint8Array;
  /** Number of transfers that touched unassigned addresses. */
  faults = 0;

  /** @param size RAM size in bytes */
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
  private inRange(addr: number, len: number): boolean {
    return addr >= 0 && len >= 0 && addr + len <= this.bytes.length;
  }
  /** @inheritDoc */
  read(addr: number, dst: Uint8Array): DmaStatus {
    addr >>>= 0;
    if (this.inRange(addr, dst.length)) {
      dst.set(this.bytes.subarray(addr, addr + dst.length));
      return DmaStatus.Ok;
    }
    for (let i = 0; i < dst.length; i++) dst[i] = this.read8(addr + i);
    this.faults++;
    return DmaStatus.Unassigned;
  }
  /** @inheritDoc */
  write(addr: number, src: Uint8Array): DmaStatus {
    addr >>>= 0;
    if (this.inRange(addr, src.length)) {
      this.bytes.set(src, addr);
      return DmaStatus.Ok;
    }
    for (let i = 0; i < src.length; i++) if (this.inRange(addr + i, 1)) this.bytes[addr + i] = src[i]!;
    this.faults++;
    return DmaStatus.Unassigned;
  }
  /** @inheritDoc */
  read8(addr: number): number {
    addr >>>= 0;
    return addr < this.bytes.length ? this.bytes[addr]! : 0xff;
  }
  /** @inheritDoc */
  read16(addr: number): number {
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }
  /** @inheritDoc */
  read32(addr: number): number {
    return (this.read16(addr) | (this.read16(addr + 2) << 16)) >>> 0;
  }
  /** @inheritDoc */
  write8(addr: number, value: number): void {
    addr >>>= 0;
    if (addr < this.bytes.length) this.bytes[addr] = value;
  }
  /** @inheritDoc */
  write16(addr: number, value: number): void {
    this.write8(addr, value & 0xff);
    this.write8(addr + 1, (value >>> 8) & 0xff);
  }
  /** @inheritDoc */
  write32(addr: number, value: number): void {
    this.write16(addr, value & 0xffff);
    this.write16(addr + 2, (value >>> 16) & 0xffff);
  }
}
