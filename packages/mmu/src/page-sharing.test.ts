import { DmaStatus } from '@vm/bus';
import { describe, expect, it } from 'vitest';
import { MachinePagePool } from './page-pool.js';
import { sharePages } from './page-sharing.js';
import { PmapState } from './pmap.js';
import { MappingRecorder, smallAddressSpace } from './test/index.js';

function twoVms() {
  const pool = new MachinePagePool({ bytes: 0x300000 });
  const a = smallAddressSpace({ pool });
  const b = smallAddressSpace({ pool });
  return { pool, a, b };
}

function fill(s: ReturnType<typeof smallAddressSpace>, page: number, seed: number): void {
  for (let i = 0; i < 4096; i += 4) s.write32(page * 4096 + i, (Math.imul(i + 1, 0x9e3779b1) ^ seed) >>> 0);
}

describe('copy-on-write page sharing', () => {
  it('shares identical pages across two VMs on one pool, refcount 2, write-protected', () => {
    const { pool, a, b } = twoVms();
    fill(a, 3, 7);
    fill(b, 9, 7);
    const freeBefore = pool.freePages;
    const recA = new MappingRecorder();
    const recB = new MappingRecorder();
    a.addMappingListener(recA);
    b.addMappingListener(recB);
    expect(sharePages(a.pmap, 3, b.pmap, 9)).toBe(true);
    const m = a.pmap.machinePage(3);
    expect(b.pmap.machinePage(9)).toBe(m);
    expect(pool.refCount(m)).toBe(2);
    expect(pool.freePages).toBe(freeBefore + 1);
    expect(a.pmap.stateOf(3)).toBe(PmapState.Shared);
    expect(b.pmap.stateOf(9)).toBe(PmapState.Shared);
    expect(recA.saw(3)).toBe(true);
    expect(recB.saw(9)).toBe(true);
    // reads translate to the shared page, writes take the slow path
    expect(a.translateRead(0x3000)).toBe(m * 4096);
    expect(b.translateRead(0x9000)).toBe(m * 4096);
  });

  it('breaks the share on a slow-path write: both sides keep correct content', () => {
    const { pool, a, b } = twoVms();
    fill(a, 3, 1);
    fill(b, 9, 1);
    sharePages(a.pmap, 3, b.pmap, 9);
    const m = a.pmap.machinePage(3);
    const before = b.read32(0x9010);
    const recB = new MappingRecorder();
    b.addMappingListener(recB);
    b.write32(0x9010, 0x12345678);
    expect(recB.saw(9)).toBe(true);
    expect(b.read32(0x9010)).toBe(0x12345678);
    expect(a.read32(0x3010)).toBe(before);
    expect(b.pmap.machinePage(9)).not.toBe(m);
    expect(b.pmap.stateOf(9)).toBe(PmapState.Private);
    expect(pool.refCount(m)).toBe(1);
    for (let i = 0; i < 4096; i += 4) if (i !== 0x10) expect(b.read32(0x9000 + i)).toBe(a.read32(0x3000 + i));
    // the last sharer keeps the page without copying
    a.write8(0x3000, 0xee);
    expect(a.pmap.machinePage(3)).toBe(m);
    expect(a.pmap.stateOf(3)).toBe(PmapState.Private);
  });

  it('breaks the share in translateWrite and by DMA', () => {
    const { a, b } = twoVms();
    fill(a, 1, 2);
    fill(b, 1, 2);
    fill(b, 2, 2);
    sharePages(a.pmap, 1, b.pmap, 1);
    sharePages(b.pmap, 1, b.pmap, 2); // also within one VM: three sharers
    const m = a.pmap.machinePage(1);
    expect(a.pool.refCount(m)).toBe(3);
    const off = a.translateWrite(0x1000);
    expect(off).toBeGreaterThanOrEqual(0);
    expect(off).not.toBe(m * 4096);
    expect(a.pool.refCount(m)).toBe(2);
    expect(b.write(0x2000, new Uint8Array([9, 9]))).toBe(DmaStatus.Ok);
    expect(a.pool.refCount(m)).toBe(1);
    expect(b.read16(0x2000)).toBe(0x0909);
    expect(b.read16(0x1000)).not.toBe(0x0909);
  });

  it('refuses different content, untouched pages, and foreign pools', () => {
    const { a, b } = twoVms();
    fill(a, 1, 1);
    fill(b, 1, 2);
    expect(sharePages(a.pmap, 1, b.pmap, 1)).toBe(false);
    expect(a.pmap.stateOf(1)).toBe(PmapState.Private);
    expect(sharePages(a.pmap, 1, b.pmap, 5)).toBe(false);
    const other = smallAddressSpace();
    fill(other, 1, 1);
    expect(() => sharePages(a.pmap, 1, other.pmap, 1)).toThrow(RangeError);
  });

  it('swaps out one sharer without disturbing the other', () => {
    const { pool, a, b } = twoVms();
    fill(a, 4, 3);
    fill(b, 4, 3);
    sharePages(a.pmap, 4, b.pmap, 4);
    const m = a.pmap.machinePage(4);
    const v = a.read32(0x4100);
    expect(b.pmap.swapOut(4)).toBe(true);
    expect(pool.refCount(m)).toBe(1);
    expect(a.read32(0x4100)).toBe(v);
    expect(b.read32(0x4100)).toBe(v);
    expect(b.pmap.stateOf(4)).toBe(PmapState.Private);
  });
});
