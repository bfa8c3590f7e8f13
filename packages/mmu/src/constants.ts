/**
 * Page geometry and the page-table kinds shared by the address space, the
 * pmap and the translation cache.
 *
 * @module
 */

/** Bytes in a guest-physical or machine page. */
export const PAGE_SIZE = 4096;
/** log2({@link PAGE_SIZE}). */
export const PAGE_SHIFT = 12;
/** Mask of the byte offset within a page. */
export const PAGE_MASK = 0xfff;
/** Number of 4 KiB pages in the 4 GiB guest-physical address space. */
export const GUEST_PAGES = 0x100000;

/**
 * What a guest-physical page of the flattened page table holds
 * (`PhysicalAddressSpace.pageKind`).
 */
export const PageKind = {
  /** Nothing: reads all ones, writes are dropped. */
  Unassigned: 0,
  /** Guest RAM: the page's argument is a pmap page. */
  Ram: 1,
  /** ROM: the argument is a machine page; writes are ignored. */
  Rom: 2,
  /** A whole page of one MMIO region: the argument is the handler slot. */
  Mmio: 3,
  /** Several regions share the page: dispatched per access through a segment list. */
  Subpage: 4,
  /** A PAM-shadowed page whose reads and writes go to different places. */
  Shadow: 5,
} as const;

/** A {@link PageKind} value. */
export type PageKind = (typeof PageKind)[keyof typeof PageKind];
