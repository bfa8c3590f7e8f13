/**
 * Copy-on-write page sharing between guest pages of one VM or of several
 * VMs on one pool (ESX's transparent page sharing).
 *
 * @module
 */

import { PAGE_SHIFT, PAGE_SIZE } from './constants.js';
import { PmapState } from './pmap.js';
import type { Pmap } from './pmap.js';

/**
 * Make guest page `gpB` of `pmapB` share the machine page of `gpA` of
 * `pmapA`. Both entries become {@link PmapState.Shared} (write-protected:
 * `translateWrite` returns -1, and the next write copies the page). B's old
 * machine page is freed. Both pmaps' listeners are told.
 *
 * The pages are compared first (the scanner's hash match is only a hint);
 * returns false without change if they differ or either page is not
 * resident (untouched or swapped). Throws RangeError if the pmaps use
 * different pools or a page number is out of range.
 */
export function sharePages(pmapA: Pmap, gpA: number, pmapB: Pmap, gpB: number): boolean {
  if (pmapA.pool !== pmapB.pool) throw new RangeError('sharePages: pmaps use different machine-page pools');
  const mA = pmapA.machinePage(gpA);
  const mB = pmapB.machinePage(gpB);
  if (mA < 0 || mB < 0) return false;
  if (mA === mB) {
    if (pmapA.state[gpA] !== PmapState.Shared) pmapA.adoptShared(gpA, mA);
    if (pmapB.state[gpB] !== PmapState.Shared) pmapB.adoptShared(gpB, mB);
    return true;
  }
  if (!samePage(pmapA.pool.ram, mA << PAGE_SHIFT, mB << PAGE_SHIFT)) return false;
  pmapA.pool.ref(mA);
  pmapB.adoptShared(gpB, mA);
  if (pmapA.state[gpA] !== PmapState.Shared) pmapA.adoptShared(gpA, mA);
  return true;
}

/** True if the 4 KiB pages at byte offsets `a` and `b` of `ram` are identical. */
export function samePage(ram: Uint8Array, a: number, b: number): boolean {
  for (let i = 0; i < PAGE_SIZE; i++) if (ram[a + i] !== ram[b + i]) return false;
  return true;
}
