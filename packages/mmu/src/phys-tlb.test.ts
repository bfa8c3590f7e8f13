import { describe, expect, it } from 'vitest';
import { PhysTlb } from './phys-tlb.js';
import { sharePages } from './page-sharing.js';
import { MachinePagePool } from './page-pool.js';
import { RecordingMmio, smallAddressSpace } from './test/index.js';

describe('PhysTlb', () => {
  it('caches translations and agrees with the slow path at every width and alignment', () => {
    const s = smallAddressSpace();
    const tlb = new PhysTlb(s);
    for (let a = 0x1000; a < 0x3000; a += 7) tlb.write32(a, (a * 0x10001) >>> 0);
    for (let a = 0x1000; a < 0x3000; a += 3) {
      expect(tlb.read8(a)).toBe(s.read8(a));
      expect(tlb.read16(a)).toBe(s.read16(a));
      expect(tlb.read32(a)).toBe(s.read32(a));
    }
    const misses = tlb.misses;
    tlb.read32(0x1004);
    tlb.write16(0x2002, 1);
    expect(tlb.misses).toBe(misses);
    expect(tlb.readOffset[1]).toBe(s.translateRead(0x1000));
  });

  it('handles page-crossing accesses through the slow path', () => {
    const s = smallAddressSpace();
    const tlb = new PhysTlb(s);
    tlb.write32(0x4ffd, 0x11223344);
    expect(s.read8(0x4ffd)).toBe(0x44);
    expect(s.read8(0x5000)).toBe(0x11);
    expect(tlb.read32(0x4ffd)).toBe(0x11223344);
    tlb.write16(0x5fff, 0xa55a);
    expect(tlb.read16(0x5fff)).toBe(0xa55a);
  });

  it('never caches MMIO or ROM writes', () => {
    const s = smallAddressSpace();
    const dev = new RecordingMmio(0x1000, [32]);
    s.mapMmio(0xfe000000, 0x1000, dev, { name: 'dev' });
    s.addRom(0xf0000, new Uint8Array(0x10000).fill(0x77), 'rom');
    const tlb = new PhysTlb(s);
    tlb.write32(0xfe000004, 5);
    tlb.write32(0xfe000004, 6);
    expect(dev.log.length).toBe(2);
    expect(tlb.read32(0xfe000004)).toBe(6);
    tlb.write8(0xf0000, 1);
    expect(tlb.read8(0xf0000)).toBe(0x77);
    expect(tlb.writeOffset[0xf0]).toBe(-1);
    expect(tlb.readOffset[0xf0]).toBeGreaterThanOrEqual(0);
  });

  it('drops stale entries on mapping changes (zero page -> private, COW break, swap)', () => {
    const pool = new MachinePagePool({ bytes: 0x300000 });
    const a = smallAddressSpace({ pool });
    const b = smallAddressSpace({ pool });
    const ta = new PhysTlb(a);
    const tb = new PhysTlb(b);
    expect(ta.read32(0x7000)).toBe(0); // cached: the zero page
    a.write32(0x7000, 9); // allocates a page: the cached zero-page offset must go
    expect(ta.read32(0x7000)).toBe(9);
    b.write32(0x7000, 9);
    expect(sharePages(a.pmap, 7, b.pmap, 7)).toBe(true);
    expect(ta.read32(0x7000)).toBe(9);
    expect(tb.read32(0x7000)).toBe(9);
    ta.write32(0x7000, 10);
    expect(ta.read32(0x7000)).toBe(10);
    expect(tb.read32(0x7000)).toBe(9);
    b.pmap.swapOut(7);
    expect(tb.readOffset[7]).toBe(-1);
    expect(tb.read32(0x7000)).toBe(9);
    // a region appearing over cached RAM
    const dev = new RecordingMmio(0x1000);
    dev.bytes[0] = 0x5a;
    a.mapMmio(0x7000, 0x1000, dev, { name: 'over' });
    expect(ta.read8(0x7000)).toBe(0x5a);
  });

  it('flushes, including after the valid list overflows', () => {
    const s = smallAddressSpace({ ramBytes: 0x1400000, poolBytes: 0x100000 });
    const tlb = new PhysTlb(s);
    for (let p = 0; p < 5000; p++) tlb.read8(p * 4096);
    tlb.flush();
    expect(tlb.readOffset.every((v) => v === -1)).toBe(true);
    tlb.read8(0);
    tlb.flush();
    expect(tlb.readOffset[0]).toBe(-1);
    tlb.dispose();
  });
});
