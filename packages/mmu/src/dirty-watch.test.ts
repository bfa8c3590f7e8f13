import { DmaStatus } from '@vm/bus';
import { describe, expect, it } from 'vitest';
import { PhysTlb } from './phys-tlb.js';
import { MappingRecorder, smallAddressSpace, WriteRecorder } from './test/index.js';

const bit = (bits: Uint32Array, p: number) => (bits[p >>> 5]! >>> (p & 31)) & 1;

describe('dirty logging', () => {
  it('write-protects clean pages until the slow path logs them', () => {
    const s = smallAddressSpace();
    s.write8(0x3000, 1); // allocated before logging
    const rec = new MappingRecorder();
    s.addMappingListener(rec);
    s.setDirtyLogging(true);
    expect(rec.pages).toEqual([-1]);
    expect(s.translateWrite(0x3000)).toBe(-1);
    expect(s.translateRead(0x3000)).toBeGreaterThan(0);
    rec.clear();
    s.write8(0x3001, 2);
    expect(s.isDirty(3)).toBe(true);
    expect(rec.saw(3)).toBe(true); // the cached "slow" may go now
    expect(s.translateWrite(0x3000)).toBeGreaterThan(0);
    expect(s.translateWrite(0x4000)).toBe(-1);
  });

  it('returns and clears the bitmap, protecting the pages again', () => {
    const s = smallAddressSpace();
    s.setDirtyLogging(true);
    s.write32(0x1000, 1);
    s.write16(0x5fff, 0xffff); // two pages
    expect(s.write(0x9000, new Uint8Array(4))).toBe(DmaStatus.Ok);
    const rec = new MappingRecorder();
    s.addMappingListener(rec);
    const bits = s.getAndClearDirty();
    expect([1, 5, 6, 9].map((p) => bit(bits, p))).toEqual([1, 1, 1, 1]);
    expect([0, 2, 7, 8].map((p) => bit(bits, p))).toEqual([0, 0, 0, 0]);
    expect(rec.pages.sort((a, b) => a - b)).toEqual([1, 5, 6, 9]);
    // write protection only: listeners may keep code translated from these pages
    expect(rec.sameContent).toEqual([true, true, true, true]);
    expect(s.translateWrite(0x1000)).toBe(-1);
    const again = s.getAndClearDirty();
    expect(again.every((w) => w === 0)).toBe(true);
  });

  it('logs every page written through a PhysTlb between two scans', () => {
    const s = smallAddressSpace();
    const tlb = new PhysTlb(s);
    s.setDirtyLogging(true);
    for (let p = 0; p < 16; p++) tlb.write32(p * 4096 + 8, p);
    let bits = s.getAndClearDirty();
    for (let p = 0; p < 16; p++) expect(bit(bits, p)).toBe(1);
    // cached write translations must not hide the next round's writes
    tlb.write32(3 * 4096, 1);
    tlb.write32(7 * 4096, 1);
    bits = s.getAndClearDirty();
    expect(bit(bits, 3)).toBe(1);
    expect(bit(bits, 7)).toBe(1);
    expect(bit(bits, 4)).toBe(0);
    s.setDirtyLogging(false);
    expect(s.translateWrite(0x4000)).toBeGreaterThan(0);
  });
});

describe('write watching', () => {
  it('routes writes to watched pages through the watcher', () => {
    const s = smallAddressSpace();
    const w = new WriteRecorder();
    s.setWriteWatcher(w);
    const tlb = new PhysTlb(s);
    tlb.write32(0x2000, 1); // cached before watching
    const rec = new MappingRecorder();
    s.addMappingListener(rec);
    s.watchWrites(2, true);
    expect(rec.saw(2)).toBe(true);
    expect(s.translateWrite(0x2000)).toBe(-1);
    expect(s.translateRead(0x2000)).toBeGreaterThan(0);
    tlb.write32(0x2010, 0xabcd);
    s.write8(0x2020, 1);
    s.write(0x2ffe, new Uint8Array(4));
    expect(w.writes).toEqual([
      [0x2010, 4],
      [0x2020, 1],
      [0x2ffe, 2],
    ]);
    expect(s.read32(0x2010)).toBe(0xabcd);
    s.watchWrites(2, false);
    expect(s.translateWrite(0x2000)).toBeGreaterThan(0);
    s.write8(0x2020, 2);
    expect(w.writes.length).toBe(3);
    s.watchWrites(-1, true); // ignored, no throw
    s.watchWrites(0x100000, true);
  });
});
