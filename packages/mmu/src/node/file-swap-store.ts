/// <reference types="node" />
import { closeSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { PAGE_SIZE } from '../constants.js';
import { SwapSlotAllocator } from '../swap-store.js';
import type { SwapStore } from '../swap-store.js';

/**
 * A {@link SwapStore} in a host file (a VMkernel swap file): slot `s` is at
 * byte `s * 4096`. Synchronous I/O, since swap-in happens inside a guest
 * memory access. The file is created (or truncated) to its full size.
 */
export class FileSwapStore implements SwapStore {
  /** The file's path. */
  readonly path: string;
  private readonly slots: SwapSlotAllocator;
  private fd: number;

  /**
   * @param path the swap file to create or overwrite
   * @param slotCount number of 4 KiB slots
   */
  constructor(path: string, slotCount: number) {
    this.slots = new SwapSlotAllocator(slotCount);
    this.path = path;
    this.fd = openSync(path, 'w+');
    ftruncateSync(this.fd, slotCount * PAGE_SIZE);
  }
  /** @inheritDoc */
  get slotCount(): number {
    return this.slots.slotCount;
  }
  /** Slots not in use. */
  get freeSlots(): number {
    return this.slots.freeSlots;
  }
  /** @inheritDoc */
  allocateSlot(): number {
    return this.slots.allocate();
  }
  /** @inheritDoc */
  freeSlot(slot: number): void {
    this.slots.release(slot);
  }
  /** @inheritDoc */
  writePage(slot: number, src: Uint8Array, srcOffset: number): void {
    this.slots.check(slot);
    let done = 0;
    while (done < PAGE_SIZE) {
      done += writeSync(this.openFd(), src, srcOffset + done, PAGE_SIZE - done, slot * PAGE_SIZE + done);
    }
  }
  /** @inheritDoc */
  readPage(slot: number, dst: Uint8Array, dstOffset: number): void {
    this.slots.check(slot);
    let done = 0;
    while (done < PAGE_SIZE) {
      const n = readSync(this.openFd(), dst, dstOffset + done, PAGE_SIZE - done, slot * PAGE_SIZE + done);
      if (n === 0) throw new Error(`swap file ${this.path}: short read at slot ${slot}`);
      done += n;
    }
  }
  /** Close the file (the file itself is left for the caller to delete). */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
  private openFd(): number {
    if (this.fd < 0) throw new Error(`swap file ${this.path} is closed`);
    return this.fd;
  }
}
