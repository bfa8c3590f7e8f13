import type { MappingListener, MmioHandler, WriteWatcher } from '@vm/bus';
import { createAddressSpace } from '../create.js';
import { MachinePagePool } from '../page-pool.js';
import type { PhysicalAddressSpace } from '../physical-address-space.js';
import { MemorySwapStore } from '../swap-store.js';

/** Options for {@link smallAddressSpace}. */
export interface SmallAddressSpaceOptions {
  /** Guest RAM at 0 (default 1 MiB). */
  readonly ramBytes?: number;
  /** Pool size (default RAM + 256 KiB). */
  readonly poolBytes?: number;
  /** Swap slots (default 64; 0 for no swap store). */
  readonly swapSlots?: number;
  /** Share a pool with another space. */
  readonly pool?: MachinePagePool;
}

/**
 * A small address space for tests: 1 MiB of RAM at 0 (by default), its own
 * small pool, a 64-slot in-memory swap store.
 */
export function smallAddressSpace(options: SmallAddressSpaceOptions = {}): PhysicalAddressSpace {
  const ramBytes = options.ramBytes ?? 0x100000;
  const slots = options.swapSlots ?? 64;
  const pool = options.pool ?? new MachinePagePool({ bytes: options.poolBytes ?? ramBytes + 0x40000 });
  return slots > 0
    ? createAddressSpace({ ramBytes, pool, swap: new MemorySwapStore(slots) })
    : createAddressSpace({ ramBytes, pool });
}

/** One access seen by a {@link RecordingMmio}. */
export interface MmioAccess {
  /** "r" or "w". */
  readonly op: 'r' | 'w';
  /** Width in bits. */
  readonly width: 8 | 16 | 32;
  /** Region offset. */
  readonly offset: number;
  /** Value written or returned. */
  readonly value: number;
}

/**
 * An MMIO device backed by a byte array that records every access. Choose
 * which widths it implements to test the space's splitting.
 */
export class RecordingMmio implements MmioHandler {
  /** The registers' bytes. */
  readonly bytes: Uint8Array;
  /** Accesses in order. */
  readonly log: MmioAccess[] = [];
  /** Present when the device implements 16-bit accesses. */
  readonly read16?: (offset: number) => number;
  /** Present when the device implements 16-bit accesses. */
  readonly write16?: (offset: number, value: number) => void;
  /** Present when the device implements 32-bit accesses. */
  readonly read32?: (offset: number) => number;
  /** Present when the device implements 32-bit accesses. */
  readonly write32?: (offset: number, value: number) => void;

  /**
   * @param size register bytes
   * @param widths the access widths implemented (8 is always)
   */
  constructor(size: number, widths: readonly (16 | 32)[] = []) {
    this.bytes = new Uint8Array(size);
    if (widths.includes(16)) {
      this.read16 = (o) => this.rec('r', 16, o, this.get(o, 2));
      this.write16 = (o, v) => this.put('w', 16, o, v, 2);
    }
    if (widths.includes(32)) {
      this.read32 = (o) => this.rec('r', 32, o, this.get(o, 4));
      this.write32 = (o, v) => this.put('w', 32, o, v, 4);
    }
  }
  /** @inheritDoc */
  read8(offset: number): number {
    return this.rec('r', 8, offset, this.get(offset, 1));
  }
  /** @inheritDoc */
  write8(offset: number, value: number): void {
    this.put('w', 8, offset, value, 1);
  }
  private get(o: number, n: number): number {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + (this.bytes[o + i] ?? 0xff);
    return v;
  }
  private put(op: 'w', width: 8 | 16 | 32, o: number, v: number, n: number): void {
    this.log.push({ op, width, offset: o, value: v });
    for (let i = 0; i < n; i++) if (o + i < this.bytes.length) this.bytes[o + i] = (v >>> (8 * i)) & 0xff;
  }
  private rec(op: 'r', width: 8 | 16 | 32, offset: number, value: number): number {
    this.log.push({ op, width, offset, value });
    return value;
  }
}

/** A {@link MappingListener} that records the pages it is told about. */
export class MappingRecorder implements MappingListener {
  /** Pages in order (-1 = all). */
  readonly pages: number[] = [];
  /** The `sameContent` flag of each report, in the same order. */
  readonly sameContent: boolean[] = [];
  /** @inheritDoc */
  mappingChanged(page: number, sameContent = false): void {
    this.pages.push(page);
    this.sameContent.push(sameContent);
  }
  /** True if `page` (or "all") was reported. */
  saw(page: number): boolean {
    return this.pages.includes(page) || this.pages.includes(-1);
  }
  /** Forget what was recorded. */
  clear(): void {
    this.pages.length = 0;
    this.sameContent.length = 0;
  }
}

/** A {@link WriteWatcher} that records watched writes. */
export class WriteRecorder implements WriteWatcher {
  /** `[addr, length]` pairs in order. */
  readonly writes: [number, number][] = [];
  /** @inheritDoc */
  watchedWrite(addr: number, length: number): void {
    this.writes.push([addr, length]);
  }
}
