import { DmaStatus } from '@vm/bus';
import { describe, expect, it } from 'vitest';
import { PmapState } from './pmap.js';
import { MappingRecorder, smallAddressSpace } from './test/index.js';

describe('swap through the address space', () => {
  function swapped() {
    const s = smallAddressSpace();
    for (let i = 0; i < 4096; i += 4) s.write32(0x6000 + i, (i * 0x01010101) >>> 0);
    const rec = new MappingRecorder();
    s.addMappingListener(rec);
    const free = s.pool.freePages;
    expect(s.pmap.swapOut(6)).toBe(true);
    expect(s.pool.freePages).toBe(free + 1);
    expect(rec.saw(6)).toBe(true);
    return s;
  }
  const check = (s: ReturnType<typeof smallAddressSpace>) => {
    expect(s.pmap.stateOf(6)).toBe(PmapState.Private);
    for (let i = 0; i < 4096; i += 4) expect(s.read32(0x6000 + i)).toBe((i * 0x01010101) >>> 0);
  };

  it('swaps back in on translateRead', () => {
    const s = swapped();
    expect(s.translateRead(0x6000)).toBeGreaterThan(0);
    check(s);
  });
  it('swaps back in on translateWrite', () => {
    const s = swapped();
    expect(s.translateWrite(0x6000)).toBeGreaterThan(0);
    check(s);
  });
  it('swaps back in on a slow read', () => {
    const s = swapped();
    expect(s.read8(0x6004)).toBe(4);
    check(s);
  });
  it('swaps back in on a slow write, keeping the other bytes', () => {
    const s = swapped();
    s.write8(0x6000, 0);
    check(s);
  });
  it('swaps back in on DMA', () => {
    const s = swapped();
    const buf = new Uint8Array(8);
    expect(s.read(0x6ffc, buf)).toBe(DmaStatus.Ok);
    check(s);
  });
});

describe('balloon release', () => {
  it('frees the backing and reads zero afterwards, even for a swapped page', () => {
    const s = smallAddressSpace();
    s.write32(0x8000, 0xdeadbeef);
    s.write32(0x9000, 0xdeadbeef);
    s.pmap.swapOut(9);
    const rec = new MappingRecorder();
    s.addMappingListener(rec);
    const free = s.pool.freePages;
    expect(s.pmap.releasePage(8)).toBe(true);
    expect(s.pmap.releasePage(9)).toBe(true);
    expect(s.pool.freePages).toBe(free + 1);
    expect(rec.saw(8) && rec.saw(9)).toBe(true);
    expect(s.read32(0x8000)).toBe(0);
    expect(s.read32(0x9000)).toBe(0);
    expect(s.pool.freePages).toBe(free + 1);
    s.write8(0x8001, 1);
    expect(s.read32(0x8000)).toBe(0x100);
  });
});
