/**
 * Small plain shapes shared by the loaders and table builders.
 *
 * @module
 */

/** A range of guest-physical memory by base and size. */
export interface GuestRange {
  /** First byte. */
  readonly base: number;
  /** Length in bytes. */
  readonly size: number;
}

/** A range of guest-physical memory by start and end (exclusive). */
export interface GuestSpan {
  /** First byte. */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
}
