import type { BlockBackend } from '@vm/bus';

/** How a run of sectors is stored (like QEMU's block status). */
export type AllocationKind = 'data' | 'zero' | 'unallocated';

/** A run of sectors with one {@link AllocationKind}. */
export interface AllocationRun {
  /** How the run is stored; `unallocated` reads through to the parent (or zeros). */
  kind: AllocationKind;
  /** Length of the run in sectors (at least 1). */
  sectors: number;
}

/**
 * One extent of a disk: a contiguous range of its sectors stored in one
 * file (or nowhere, for ZERO). Sector numbers are extent-relative; callers
 * (the disk) bounds-check and serialize writes and flushes.
 */
export interface Extent {
  /** `sparse`, `flat` or `zero`. */
  readonly kind: 'sparse' | 'flat' | 'zero';
  /** Size in sectors. */
  readonly sectors: number;
  /** True when the extent refuses writes. */
  readonly readOnly: boolean;
  /** Where unallocated sectors read from (null: zeros), set by the disk for redo logs. */
  parent: BlockBackend | null;
  /** This extent's first sector in the disk (for parent reads). */
  base: number;
  /** Read whole sectors at an extent-relative sector. */
  read(sector: number, dst: Uint8Array): Promise<void>;
  /** Write whole sectors at an extent-relative sector. */
  write(sector: number, src: Uint8Array): Promise<void>;
  /** Make earlier writes durable (data first, then metadata). */
  flush(): Promise<void>;
  /** Describe how the sectors from `sector` on are stored (at most `max`). */
  status(sector: number, max: number): Promise<AllocationRun>;
  /** Release the extent's file. */
  close(): Promise<void>;
}
