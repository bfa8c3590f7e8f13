/**
 * The background half of content-based page sharing (ESX's transparent
 * page sharing, Waldspurger 2002 section 4): a VM's scanner walks its own
 * pmap a few pages at a time, hashes each private page and
 *
 * - gives an all-zero page back (it reads the shared zero page from then on),
 * - maps it onto a registered shared page with the same contents (full
 *   compare under the pool lock; its own machine page is freed),
 * - or, when another VM left a hint with the same hash and contents, makes
 *   its own page the shared copy (write-protected, registered) so that VM
 *   maps onto it when its scanner comes by,
 * - else leaves a hint for the others.
 *
 * A scanner only ever changes its own pmap, so it runs on the VM's own
 * thread between slices; other VMs meet its pages only through the pool's
 * registry, where every page is copy-on-write in all its holders.
 *
 * @module
 */

import { PAGE_SHIFT, PAGE_SIZE } from './constants.js';
import { ZERO_PAGE } from './page-pool.js';
import { PmapState } from './pmap.js';
import type { Pmap } from './pmap.js';

/** Counters of a {@link PageSharingScanner}. */
export interface PageSharingStats {
  /** Pages hashed. */
  readonly scanned: number;
  /** All-zero pages given back (now reading the zero page). */
  readonly zeroReleased: number;
  /** Pages mapped onto an existing shared page. */
  readonly merged: number;
  /** Own pages made the shared copy after a hint match. */
  readonly promoted: number;
  /** Completed passes over the whole pmap. */
  readonly passes: number;
}

/** Walks one VM's pmap, merging pages with identical contents across the pool's VMs. */
export class PageSharingScanner {
  private cursor = 0;
  private scanned = 0;
  private zeroReleased = 0;
  private merged = 0;
  private promoted = 0;
  private passes = 0;
  private readonly zeroHash: number;

  /**
   * @param pmap the VM's pmap (its pool's registry is where shares meet)
   * @param owner a number unique to this VM on the pool (hints from the same owner are not matched)
   */
  constructor(
    private readonly pmap: Pmap,
    private readonly owner: number,
  ) {
    this.zeroHash = pmap.pool.hasher.hash32(ZERO_PAGE << PAGE_SHIFT) | 0;
  }

  /** Counters so far. */
  get stats(): PageSharingStats {
    return { scanned: this.scanned, zeroReleased: this.zeroReleased, merged: this.merged, promoted: this.promoted, passes: this.passes };
  }

  /** Look at up to `maxPages` guest pages from where the last call stopped. Returns pages looked at. */
  scan(maxPages: number): number {
    const pmap = this.pmap;
    const pool = pmap.pool;
    const n = pmap.pages;
    if (n === 0) return 0;
    let done = 0;
    while (done < maxPages) {
      const gp = this.cursor;
      this.cursor = gp + 1 === n ? 0 : gp + 1;
      if (this.cursor === 0) this.passes++;
      done++;
      if (pmap.state[gp] !== PmapState.Private) continue;
      const m = pmap.frame[gp]!;
      const off = m << PAGE_SHIFT;
      const h = pool.hasher.hash32(off) | 0;
      this.scanned++;
      if (h === this.zeroHash && isZeroPage(pool.ram, off)) {
        pmap.releasePage(gp, true);
        this.zeroReleased++;
        continue;
      }
      const shared = pool.findShared(h, off);
      if (shared >= 0) {
        pmap.adoptShared(gp, shared);
        this.merged++;
        continue;
      }
      if (pool.probeHint(h, m, this.owner) >= 0) {
        // Write-protect our copy first, then let other VMs find it.
        pmap.adoptShared(gp, m);
        pool.registerShared(m, h);
        this.promoted++;
      }
    }
    return done;
  }
}

function isZeroPage(ram: Uint8Array, off: number): boolean {
  for (let i = 0; i < PAGE_SIZE; i++) if (ram[off + i] !== 0) return false;
  return true;
}
