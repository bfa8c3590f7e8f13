import type { GuestMemory, MappingListener, WriteWatcher } from '../memory.js';
import { RamDmaSpace } from './ram-dma-space.js';

/**
 * A RAM-only {@link GuestMemory} for CPU unit tests and small examples: guest
 * physical address N is byte N of {@link ram}; addresses past the end are
 * unassigned (reads give all ones, writes are dropped). Pages can be made
 * read-only (`romPages`) and watched for writes, so a CPU's slow paths can be
 * tested without the full `@vm/mmu`.
 */
export class RamGuestMemory extends RamDmaSpace implements GuestMemory {
  /** @inheritDoc */
  readonly ram: Uint8Array;
  /** Pages (addr >>> 12) where writes are ignored. */
  readonly romPages = new Set<number>();
  private readonly watched = new Set<number>();
  private readonly listeners: MappingListener[] = [];
  private watcher: WriteWatcher | null = null;

  /** @param size RAM size in bytes (a multiple of 4096) */
  constructor(size: number) {
    if (size % 4096 !== 0) throw new RangeError(`RamGuestMemory size ${size} is not a multiple of 4096`);
    super(size);
    this.ram = this.bytes;
  }
  /** @inheritDoc */
  translateRead(addr: number): number {
    addr >>>= 0;
    return addr < this.ram.length ? addr & ~0xfff : -1;
  }
  /** @inheritDoc */
  translateWrite(addr: number): number {
    addr >>>= 0;
    const page = addr >>> 12;
    if (addr >= this.ram.length || this.romPages.has(page) || this.watched.has(page)) return -1;
    return addr & ~0xfff;
  }
  /** @inheritDoc */
  override write8(addr: number, value: number): void {
    addr >>>= 0;
    const page = addr >>> 12;
    if (this.romPages.has(page)) return;
    if (this.watched.has(page)) this.watcher?.watchedWrite(addr, 1);
    super.write8(addr, value);
  }
  /** @inheritDoc */
  override write(addr: number, src: Uint8Array): 0 | 1 {
    let status: 0 | 1 = 0;
    for (let i = 0; i < src.length; i++) {
      const a = (addr + i) >>> 0;
      if (a >= this.ram.length) status = 1;
      this.write8(a, src[i]!);
    }
    if (status) this.faults++;
    return status;
  }
  /** @inheritDoc */
  addMappingListener(listener: MappingListener): void {
    this.listeners.push(listener);
  }
  /** @inheritDoc */
  removeMappingListener(listener: MappingListener): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }
  /** @inheritDoc */
  watchWrites(page: number, on: boolean): void {
    if (on) this.watched.add(page);
    else this.watched.delete(page);
    for (const l of this.listeners) l.mappingChanged(page);
  }
  /** @inheritDoc */
  setWriteWatcher(watcher: WriteWatcher | null): void {
    this.watcher = watcher;
  }
  /** Make page `page` read-only and tell listeners (cached write translations must go). */
  protectPage(page: number): void {
    this.romPages.add(page);
    for (const l of this.listeners) l.mappingChanged(page);
  }
}
