import type { PortIo, PortIoHandler, PortIoRegistry } from '../port-io.js';

/**
 * A small {@link PortIoRegistry} + {@link PortIo} for device unit tests:
 * register a device, then drive its ports as a CPU would. Splits wide
 * accesses the handler lacks; unassigned ports read all ones.
 * (The real, preallocated port table lives in `@vm/mmu`.)
 */
export class TestPortBus implements PortIoRegistry, PortIo {
  private readonly owners = new Map<number, { base: number; handler: PortIoHandler; owner: string }>();

  /** @inheritDoc */
  register(base: number, length: number, handler: PortIoHandler, owner: string): void {
    if (base < 0 || length <= 0 || base + length > 0x10000) throw new RangeError(`${owner}: ports ${base}+${length} out of range`);
    for (let p = base; p < base + length; p++) {
      const e = this.owners.get(p);
      if (e) throw new RangeError(`${owner}: port 0x${p.toString(16)} already owned by ${e.owner}`);
    }
    for (let p = base; p < base + length; p++) this.owners.set(p, { base, handler, owner });
  }
  /** @inheritDoc */
  unregister(base: number, length: number): void {
    for (let p = base; p < base + length; p++) this.owners.delete(p);
  }
  /** @inheritDoc */
  in8(port: number): number {
    const e = this.owners.get(port & 0xffff);
    return e ? e.handler.read8(port - e.base) & 0xff : 0xff;
  }
  /** @inheritDoc */
  in16(port: number): number {
    const e = this.owners.get(port & 0xffff);
    if (e?.handler.read16) return e.handler.read16(port - e.base) & 0xffff;
    return this.in8(port) | (this.in8(port + 1) << 8);
  }
  /** @inheritDoc */
  in32(port: number): number {
    const e = this.owners.get(port & 0xffff);
    if (e?.handler.read32) return e.handler.read32(port - e.base) >>> 0;
    return (this.in16(port) | (this.in16(port + 2) << 16)) >>> 0;
  }
  /** @inheritDoc */
  out8(port: number, value: number): void {
    const e = this.owners.get(port & 0xffff);
    if (e) e.handler.write8(port - e.base, value & 0xff);
  }
  /** @inheritDoc */
  out16(port: number, value: number): void {
    const e = this.owners.get(port & 0xffff);
    if (e?.handler.write16) return e.handler.write16(port - e.base, value & 0xffff);
    this.out8(port, value & 0xff);
    this.out8(port + 1, (value >>> 8) & 0xff);
  }
  /** @inheritDoc */
  out32(port: number, value: number): void {
    const e = this.owners.get(port & 0xffff);
    if (e?.handler.write32) return e.handler.write32(port - e.base, value >>> 0);
    this.out16(port, value & 0xffff);
    this.out16(port + 2, (value >>> 16) & 0xffff);
  }
}
