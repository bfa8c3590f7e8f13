import { MachinePagePool } from './page-pool.js';
import { PhysicalAddressSpace } from './physical-address-space.js';
import { Pmap } from './pmap.js';
import type { SwapStore } from './swap-store.js';

/** Options for {@link createAddressSpace}. */
export interface CreateAddressSpaceOptions {
  /** Guest RAM in bytes (a multiple of 4096), mapped at guest-physical 0. */
  readonly ramBytes: number;
  /** The pool to use; default a new pool of `poolBytes`. */
  readonly pool?: MachinePagePool;
  /** Size of the new pool (default `ramBytes` + 1 MiB for ROMs and the zero page). */
  readonly poolBytes?: number;
  /** Swap store for the pmap. */
  readonly swap?: SwapStore;
  /** Pmap size in pages (default enough for `ramBytes`). */
  readonly pmapPages?: number;
}

/**
 * A ready address space: a pool (new or given), a pmap, and `ramBytes` of
 * RAM at guest-physical 0 named "ram" (guest page N is pmap page N).
 */
export function createAddressSpace(options: CreateAddressSpaceOptions): PhysicalAddressSpace {
  const ramBytes = options.ramBytes;
  const pool = options.pool ?? new MachinePagePool({ bytes: options.poolBytes ?? ramBytes + 0x100000 });
  const pages = options.pmapPages ?? Math.ceil(ramBytes / 4096);
  const pmap = new Pmap(options.swap === undefined ? { pool, pages } : { pool, pages, swap: options.swap });
  const space = new PhysicalAddressSpace({ pool, pmap });
  if (ramBytes > 0) space.addRam(0, ramBytes, 'ram');
  return space;
}
