/**
 * Handles the address space returns for the regions it adds: how their
 * owners move, disable, inspect and remove them.
 *
 * @module
 */

import type { MmioMapping } from '@vm/bus';
import { PAGE_SHIFT, PAGE_SIZE } from './constants.js';
import type { Region, RegionKind } from './region.js';

/** What a handle needs from the address space that owns its region. */
export interface RegionOwner {
  /** Move `region` to `base` (-1 unmaps), re-flattening what changed. */
  moveRegion(region: Region, base: number): void;
  /** Turn `region` on or off. */
  enableRegion(region: Region, on: boolean): void;
  /** Remove `region` for good. */
  removeRegion(region: Region): void;
  /** Machine-page bytes (ROM content lives there). */
  readonly ram: Uint8Array;
}

/** A RAM, ROM or alias region added to a {@link PhysicalAddressSpace}. */
export class RegionHandle {
  /** @internal */
  constructor(
    /** @internal */
    readonly region: Region,
    /** @internal */
    protected readonly owner: RegionOwner,
  ) {}
  /** The region's {@link RegionKind}. */
  get kind(): RegionKind {
    return this.region.kind;
  }
  /** Diagnostic name. */
  get name(): string {
    return this.region.name;
  }
  /** Current guest-physical base, or -1 while unmapped. */
  get base(): number {
    return this.region.live ? this.region.base : -1;
  }
  /** Size in bytes. */
  get size(): number {
    return this.region.size;
  }
  /** Overlap priority. */
  get priority(): number {
    return this.region.priority;
  }
  /** Whether the region is enabled (a disabled region is transparent). */
  get enabled(): boolean {
    return this.region.enabled;
  }
  /** Move to a new (page-aligned) base; -1 unmaps without forgetting. */
  move(base: number): void {
    this.owner.moveRegion(this.region, base);
  }
  /** Enable or disable (e.g. an A20 alias, a PAM window). */
  setEnabled(on: boolean): void {
    this.owner.enableRegion(this.region, on);
  }
  /** Remove the region for good (a ROM's machine pages are freed). */
  remove(): void {
    this.owner.removeRegion(this.region);
  }
}

/** A ROM region: its content stays readable (and reloadable) by the host. */
export class RomHandle extends RegionHandle {
  /** Copy ROM bytes from `offset` into `dst` (clipped to the ROM). Returns bytes copied. */
  read(offset: number, dst: Uint8Array): number {
    const frames = this.region.frames!;
    const size = this.region.size;
    if (!(offset >= 0)) return 0;
    const n = Math.max(0, Math.min(dst.length, size - offset));
    const ram = this.owner.ram;
    for (let i = 0; i < n; ) {
      const o = offset + i;
      const inPage = o & (PAGE_SIZE - 1);
      const chunk = Math.min(PAGE_SIZE - inPage, n - i);
      const src = (frames[o >>> PAGE_SHIFT]! << PAGE_SHIFT) + inPage;
      dst.set(ram.subarray(src, src + chunk), i);
      i += chunk;
    }
    return n;
  }
  /** The whole ROM content (a copy). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.region.size);
    this.read(0, out);
    return out;
  }
  /** Replace ROM bytes at `offset` (host side: firmware reload); clipped to the ROM. */
  load(offset: number, src: Uint8Array): void {
    const frames = this.region.frames!;
    const n = Math.max(0, Math.min(src.length, this.region.size - offset));
    const ram = this.owner.ram;
    for (let i = 0; i < n; i++) {
      const o = offset + i;
      ram[(frames[o >>> PAGE_SHIFT]! << PAGE_SHIFT) + (o & (PAGE_SIZE - 1))] = src[i]!;
    }
  }
}

/** An MMIO region (implements the bus's {@link MmioMapping}). */
export class MmioRegionHandle extends RegionHandle implements MmioMapping {
  /** @inheritDoc */
  override move(base: number): void {
    // Guest-programmed (a PCI BAR): anything unusable just unmaps.
    const ok = Number.isInteger(base) && base >= 0 && base <= 0xffffffff;
    this.owner.moveRegion(this.region, ok ? base : -1);
  }
  /** @inheritDoc */
  unmap(): void {
    this.owner.removeRegion(this.region);
  }
}
