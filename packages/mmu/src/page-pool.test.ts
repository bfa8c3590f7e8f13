import { describe, expect, it } from 'vitest';
import { MachinePagePool, PoolExhaustedError, ZERO_PAGE } from './page-pool.js';

describe('MachinePagePool', () => {
  it('lives in a SharedArrayBuffer and reserves the zero page', () => {
    const pool = new MachinePagePool({ bytes: 8 * 4096 });
    expect(pool.ram.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(pool.pageCount).toBe(8);
    expect(pool.freePages).toBe(7);
    expect(pool.refCount(ZERO_PAGE)).toBe(1);
  });

  it('allocates zero-filled pages with refcount 1 and recycles them', () => {
    const pool = new MachinePagePool({ bytes: 4 * 4096 });
    const m = pool.allocate();
    expect(m).not.toBe(ZERO_PAGE);
    expect(pool.refCount(m)).toBe(1);
    pool.ram.fill(0xab, m * 4096, m * 4096 + 4096);
    pool.ref(m);
    pool.unref(m);
    expect(pool.refCount(m)).toBe(1);
    pool.unref(m);
    expect(pool.refCount(m)).toBe(0);
    expect(pool.freePages).toBe(3);
    const again = pool.allocate();
    expect(again).toBe(m);
    expect(pool.ram.subarray(m * 4096, m * 4096 + 4096).every((b) => b === 0)).toBe(true);
  });

  it('reports exhaustion after the reclaim hook fails, and uses what the hook frees', () => {
    let calls = 0;
    let victim = -1;
    const pool = new MachinePagePool({
      bytes: 3 * 4096,
      reclaim: (p) => {
        calls++;
        if (victim < 0) return false;
        p.unref(victim);
        victim = -1;
        return true;
      },
    });
    const a = pool.allocate();
    pool.allocate();
    expect(pool.tryAllocate()).toBe(-1);
    expect(() => pool.allocate()).toThrow(PoolExhaustedError);
    victim = a;
    expect(pool.allocate()).toBe(a);
    expect(calls).toBe(3);
  });

  it('rejects bad sizes and bad page numbers', () => {
    expect(() => new MachinePagePool({ bytes: 4096 })).toThrow(RangeError);
    expect(() => new MachinePagePool({ bytes: 2 ** 31 })).toThrow(RangeError);
    const pool = new MachinePagePool({ bytes: 4 * 4096 });
    expect(() => pool.unref(2)).toThrow(RangeError);
    expect(() => pool.ref(99)).toThrow(RangeError);
  });
});
