/**
 * Guest-physical memory, as devices (DMA) and CPUs (the fast path) see it.
 *
 * @module
 */

/**
 * Result codes of a DMA transfer. DMA never throws for guest mistakes: an
 * address that is unassigned, or a range that runs off the end of the address
 * space, reports an error the device turns into a guest-visible status.
 */
export const DmaStatus = {
  /** The whole transfer completed. */
  Ok: 0,
  /** Part of the range is not backed by RAM or ROM (unassigned, MMIO, or beyond 4 GiB). */
  Unassigned: 1,
} as const;

/** A {@link DmaStatus} value. */
export type DmaStatus = (typeof DmaStatus)[keyof typeof DmaStatus];

/**
 * Guest-physical memory as a DMA-capable device sees it. Addresses are
 * unsigned 32-bit guest-physical addresses. Every access is bounds-checked by
 * the implementation; a transfer that leaves RAM returns
 * {@link DmaStatus.Unassigned} (reads fill the rest with 0xff).
 */
export interface DmaSpace {
  /** Copy `dst.length` bytes from guest-physical `addr` into `dst`. */
  read(addr: number, dst: Uint8Array): DmaStatus;
  /** Copy `src` to guest-physical `addr`. ROM is left unchanged. */
  write(addr: number, src: Uint8Array): DmaStatus;
  /** Read a byte (0xff where unassigned). */
  read8(addr: number): number;
  /** Read a little-endian 16-bit value (0xffff where unassigned). */
  read16(addr: number): number;
  /** Read a little-endian 32-bit value, unsigned (0xffffffff where unassigned). */
  read32(addr: number): number;
  /** Write a byte. */
  write8(addr: number, value: number): void;
  /** Write a little-endian 16-bit value. */
  write16(addr: number, value: number): void;
  /** Write a little-endian 32-bit value. */
  write32(addr: number, value: number): void;
}

/**
 * Told when guest-physical pages change their backing (copy-on-write break,
 * swap-out, sharing, a region added or removed, dirty log reset, a page
 * becoming watched for writes). Whoever caches host offsets returned by
 * {@link GuestMemory.translateRead}/{@link GuestMemory.translateWrite}
 * (a CPU's TLB) must drop them.
 */
export interface MappingListener {
  /**
   * `page` is a guest-physical page number (address >>> 12), or -1 for "every
   * page". `sameContent` is true when the page's bytes stay what they were
   * (write protection for dirty logging or write watching): cached host
   * offsets still go, but code translated from the page stays valid.
   */
  mappingChanged(page: number, sameContent?: boolean): void;
}

/**
 * Told when the guest writes a page that was marked with
 * {@link GuestMemory.watchWrites} (pages holding translated code).
 */
export interface WriteWatcher {
  /** A write of `length` bytes at guest-physical `addr` hit a watched page. */
  watchedWrite(addr: number, length: number): void;
}

/**
 * Guest-physical memory for a CPU: DMA-style accessors for the slow path,
 * plus the pieces of the fast path.
 *
 * Fast path: a CPU caches, per linear page, the byte offset into {@link ram}
 * of the machine page that backs it, separately for reads and for writes. On
 * a miss it calls `translateRead`/`translateWrite`, which return -1 when the
 * page must take the slow accessors on every access of that kind: MMIO and
 * unassigned memory always, ROM and write-watched pages on write. A
 * copy-on-write shared page translates for reads; `translateWrite` breaks the
 * share first.
 * The slow accessors do everything: MMIO dispatch, copy-on-write break,
 * swap-in, dirty logging, write watching.
 */
export interface GuestMemory extends DmaSpace {
  /**
   * The machine-page pool: every RAM byte the guest can reach lives here at
   * offsets returned by the translate calls. Offsets are multiples of 4096.
   * May be a view over a SharedArrayBuffer shared with other VMs: a CPU must
   * only touch offsets it was given.
   */
  readonly ram: Uint8Array;
  /**
   * Offset in {@link ram} of the machine page backing guest-physical page
   * `addr >>> 12` for reads, or -1 to use the slow path for this page.
   * A swapped-out page is brought back by this call.
   */
  translateRead(addr: number): number;
  /**
   * Like {@link translateRead} for writes: breaks copy-on-write sharing,
   * swaps in and logs the page dirty, so the result can be written freely
   * until the next {@link MappingListener.mappingChanged}.
   * -1 for ROM, MMIO, unassigned and write-watched pages.
   */
  translateWrite(addr: number): number;
  /** Subscribe to backing changes (see {@link MappingListener}). */
  addMappingListener(listener: MappingListener): void;
  /** Unsubscribe a listener added with {@link addMappingListener}. */
  removeMappingListener(listener: MappingListener): void;
  /**
   * Start or stop routing writes to guest-physical page `page` through the
   * slow path and reporting them to the {@link WriteWatcher}.
   */
  watchWrites(page: number, on: boolean): void;
  /** Set the receiver of watched writes (one per memory; `null` clears). */
  setWriteWatcher(watcher: WriteWatcher | null): void;
}
