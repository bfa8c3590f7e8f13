import { DmaStatus } from '@vm/bus';
import type { DmaSpace } from '@vm/bus';

/**
 * A PCI function's view of guest memory: transfers pass to the machine's
 * memory only while the function's bus-master bit (command bit 2) is set
 * (PCI 3.0 section 6.2.2); otherwise reads give all ones and writes are
 * dropped, reported as {@link DmaStatus.Unassigned}.
 */
export class PciDmaGate implements DmaSpace {
  /** Memory behind the gate; null until the bus is realized. */
  target: DmaSpace | null = null;
  /** Mirrors the command register's bus-master bit. */
  enabled = false;

  /** @inheritDoc */
  read(addr: number, dst: Uint8Array): DmaStatus {
    if (this.enabled && this.target !== null) return this.target.read(addr, dst);
    dst.fill(0xff);
    return DmaStatus.Unassigned;
  }
  /** @inheritDoc */
  write(addr: number, src: Uint8Array): DmaStatus {
    if (this.enabled && this.target !== null) return this.target.write(addr, src);
    return DmaStatus.Unassigned;
  }
  /** @inheritDoc */
  read8(addr: number): number {
    return this.enabled && this.target !== null ? this.target.read8(addr) : 0xff;
  }
  /** @inheritDoc */
  read16(addr: number): number {
    return this.enabled && this.target !== null ? this.target.read16(addr) : 0xffff;
  }
  /** @inheritDoc */
  read32(addr: number): number {
    return this.enabled && this.target !== null ? this.target.read32(addr) : 0xffffffff;
  }
  /** @inheritDoc */
  write8(addr: number, value: number): void {
    if (this.enabled && this.target !== null) this.target.write8(addr, value);
  }
  /** @inheritDoc */
  write16(addr: number, value: number): void {
    if (this.enabled && this.target !== null) this.target.write16(addr, value);
  }
  /** @inheritDoc */
  write32(addr: number, value: number): void {
    if (this.enabled && this.target !== null) this.target.write32(addr, value);
  }
}
