import { describe, expect, it } from 'vitest';
import { MachinePagePool, ZERO_PAGE } from './page-pool.js';
import { Pmap, PmapState, SwapIntegrityError } from './pmap.js';
import type { PmapListener } from './pmap.js';
import { MemorySwapStore } from './swap-store.js';

function setup(pages = 8, poolPages = 16, slots = 8) {
  const pool = new MachinePagePool({ bytes: poolPages * 4096 });
  const swap = new MemorySwapStore(slots);
  const pmap = new Pmap({ pool, pages, swap });
  const changed: number[] = [];
  const l: PmapListener = { pmapPageChanged: (p) => changed.push(p) };
  pmap.addListener(l);
  return { pool, swap, pmap, changed };
}

describe('Pmap', () => {
  it('tells listeners whether a page kept its bytes (translated code stays valid) or not', () => {
    const { pool, pmap } = setup();
    const seen: string[] = [];
    pmap.addListener({ pmapPageChanged: (p, same) => seen.push(`${p}:${same === true ? 'same' : 'new'}`) });
    const off = pmap.writableOffset(2); // untouched -> a zeroed page
    pool.ram[off] = 7;
    pmap.swapOut(2);
    pmap.readOffset(2); // swapped back in
    pmap.adoptShared(2, pmap.machinePage(2)); // shared (its own bytes)
    pmap.writableOffset(2); // copy-on-write break: a copy of the same bytes
    pmap.releasePage(2); // the balloon took it: reads as zero now
    expect(seen).toEqual(['2:same', '2:same', '2:same', '2:same', '2:same', '2:new']);
  });

  it('reads untouched pages from the zero page without allocating', () => {
    const { pool, pmap } = setup();
    const used = pool.usedPages;
    expect(pmap.readOffset(3)).toBe(ZERO_PAGE * 4096);
    expect(pool.usedPages).toBe(used);
    expect(pmap.stateOf(3)).toBe(PmapState.Untouched);
    expect(pmap.residentPages).toBe(0);
  });

  it('allocates on first write and tells listeners', () => {
    const { pool, pmap, changed } = setup();
    const off = pmap.writableOffset(3);
    expect(off).toBeGreaterThan(0);
    expect(off % 4096).toBe(0);
    expect(pmap.stateOf(3)).toBe(PmapState.Private);
    expect(pmap.readOffset(3)).toBe(off);
    expect(pool.refCount(off / 4096)).toBe(1);
    expect(changed).toEqual([3]);
    expect(pmap.writableOffset(3)).toBe(off);
    expect(changed).toEqual([3]);
  });

  it('backs guest pages with noncontiguous machine pages', () => {
    const { pmap } = setup();
    pmap.writableOffset(0);
    pmap.writableOffset(1);
    pmap.writableOffset(2);
    const freed = pmap.machinePage(1);
    pmap.releasePage(1);
    pmap.writableOffset(3); // reuses the freed machine page
    expect(pmap.machinePage(3)).toBe(freed);
    expect(pmap.machinePage(3)).toBeLessThan(pmap.machinePage(2));
  });

  it('swaps out and back in with the content intact', () => {
    const { pool, swap, pmap, changed } = setup();
    const off = pmap.writableOffset(5);
    for (let i = 0; i < 4096; i++) pool.ram[off + i] = (i * 13 + 1) & 0xff;
    const freeBefore = pool.freePages;
    changed.length = 0;
    expect(pmap.swapOut(5)).toBe(true);
    expect(pmap.stateOf(5)).toBe(PmapState.Swapped);
    expect(pmap.machinePage(5)).toBe(-1);
    expect(pool.freePages).toBe(freeBefore + 1);
    expect(swap.freeSlots).toBe(7);
    expect(changed).toEqual([5]);
    expect(pmap.swapOut(5)).toBe(false);
    const back = pmap.readOffset(5);
    expect(pmap.stateOf(5)).toBe(PmapState.Private);
    expect(swap.freeSlots).toBe(8);
    for (let i = 0; i < 4096; i++) expect(pool.ram[back + i]).toBe((i * 13 + 1) & 0xff);
    expect(changed).toEqual([5, 5]);
  });

  it('swaps in on write too', () => {
    const { pool, pmap } = setup();
    pool.ram[pmap.writableOffset(2) + 9] = 77;
    pmap.swapOut(2);
    const off = pmap.writableOffset(2);
    expect(pool.ram[off + 9]).toBe(77);
    expect(pmap.stateOf(2)).toBe(PmapState.Private);
    expect(pmap.swappedPages).toBe(0);
  });

  it('detects a swap slot whose content changed', () => {
    const { pool, swap, pmap } = setup();
    pool.ram[pmap.writableOffset(1)] = 5;
    pmap.swapOut(1);
    swap.bytes[pmap.frame[1]! * 4096 + 100] ^= 0xff;
    const used = pool.usedPages;
    expect(() => pmap.readOffset(1)).toThrow(SwapIntegrityError);
    expect(pool.usedPages).toBe(used);
    expect(pmap.stateOf(1)).toBe(PmapState.Swapped);
  });

  it('refuses to swap untouched pages, without a store, or when slots run out', () => {
    const { pmap } = setup(8, 16, 1);
    expect(pmap.swapOut(0)).toBe(false);
    pmap.writableOffset(0);
    pmap.writableOffset(1);
    expect(pmap.swapOut(0)).toBe(true);
    expect(pmap.swapOut(1)).toBe(false);
    const pool = new MachinePagePool({ bytes: 4 * 4096 });
    const bare = new Pmap({ pool, pages: 2 });
    bare.writableOffset(0);
    expect(bare.swapOut(0)).toBe(false);
  });

  it('releases a page (balloon): backing freed, reads zero afterwards', () => {
    const { pool, swap, pmap, changed } = setup();
    const off = pmap.writableOffset(4);
    pool.ram[off + 1] = 9;
    const free = pool.freePages;
    changed.length = 0;
    expect(pmap.releasePage(4)).toBe(true);
    expect(pool.freePages).toBe(free + 1);
    expect(pmap.stateOf(4)).toBe(PmapState.Untouched);
    expect(pool.ram[pmap.readOffset(4) + 1]).toBe(0);
    expect(changed).toEqual([4]);
    expect(pmap.releasePage(4)).toBe(false);
    pmap.writableOffset(6);
    pmap.swapOut(6);
    expect(pmap.releasePage(6)).toBe(true);
    expect(swap.freeSlots).toBe(8);
    expect(pmap.swappedPages).toBe(0);
  });

  it('range-checks host calls', () => {
    const { pmap } = setup();
    expect(() => pmap.swapOut(8)).toThrow(RangeError);
    expect(() => pmap.releasePage(-1)).toThrow(RangeError);
    expect(() => pmap.stateOf(1.5)).toThrow(RangeError);
  });

  it('destroy returns every page to the pool', () => {
    const { pool, pmap } = setup();
    const free = pool.freePages;
    pmap.writableOffset(0);
    pmap.writableOffset(1);
    pmap.swapOut(1);
    pmap.destroy();
    expect(pool.freePages).toBe(free);
    expect(pmap.residentPages).toBe(0);
  });
});
