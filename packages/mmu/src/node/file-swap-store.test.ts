import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PmapState } from '../pmap.js';
import { createAddressSpace } from '../create.js';
import { FileSwapStore } from './file-swap-store.js';

describe('FileSwapStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function store(slots: number): FileSwapStore {
    const dir = mkdtempSync(join(tmpdir(), 'vm-mmu-swap-'));
    dirs.push(dir);
    return new FileSwapStore(join(dir, 'vm.vswp'), slots);
  }

  it('stores pages in slots of a sized file', () => {
    const s = store(4);
    expect(statSync(s.path).size).toBe(4 * 4096);
    const page = new Uint8Array(8192).map((_, i) => i & 0xff);
    const slot = s.allocateSlot();
    s.writePage(slot, page, 4096);
    const back = new Uint8Array(4096);
    s.readPage(slot, back, 0);
    expect(back).toEqual(page.subarray(4096));
    s.freeSlot(slot);
    expect(() => s.readPage(slot, back, 0)).toThrow(RangeError);
    s.close();
    expect(() => s.writePage(s.allocateSlot(), page, 0)).toThrow(/closed/);
  });

  it('backs a pmap: guest pages swap out to the file and back into shared memory', () => {
    const swap = store(16);
    const space = createAddressSpace({ ramBytes: 0x10000, swap });
    for (let i = 0; i < 4096; i += 4) space.write32(0x3000 + i, (i ^ 0x5a5a5a5a) >>> 0);
    expect(space.pmap.swapOut(3)).toBe(true);
    expect(swap.freeSlots).toBe(15);
    expect(space.pmap.stateOf(3)).toBe(PmapState.Swapped);
    for (let i = 0; i < 4096; i += 4) expect(space.read32(0x3000 + i)).toBe((i ^ 0x5a5a5a5a) >>> 0);
    expect(swap.freeSlots).toBe(16);
    swap.close();
  });
});
