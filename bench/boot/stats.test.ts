import { describe, expect, it } from 'vitest';
import { median, medianOrNull, medianTiming, ratio, ROW_NAMES, timingRows } from './stats.js';

describe('median', () => {
  it('takes the middle of an odd count and the mean of the middle two of an even one', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([10, 1, 4, 2])).toBe(3);
    expect(median([7])).toBe(7);
  });
  it('does not reorder its input and refuses an empty list', () => {
    const v = [3, 1, 2];
    median(v);
    expect(v).toEqual([3, 1, 2]);
    expect(() => median([])).toThrow(RangeError);
  });
  it('skips missing values, and is null when all are missing', () => {
    expect(medianOrNull([null, 5, 1, null, 3])).toBe(3);
    expect(medianOrNull([null, null])).toBeNull();
  });
});

describe('medianTiming', () => {
  it('takes each field on its own', () => {
    const t = (s: number, w: number, a: number, b: number | null, c: number | null, lg: number) => ({
      toShellSeconds: s,
      workloadSeconds: w,
      perPart: { sha256: a, loop: b, gzip: c },
      loopGzipSeconds: lg,
    });
    expect(medianTiming([t(1, 9, 5, 0, null, 1), t(2, 8, 4, 1, null, 3), t(3, 7, 6, 2, null, 2)])).toEqual(t(2, 8, 5, 1, null, 2));
  });
});

describe('ratio', () => {
  it('is ours over the peer and null when it cannot be formed', () => {
    expect(ratio(6, 3)).toBe(2);
    expect(ratio(null, 3)).toBeNull();
    expect(ratio(1, null)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
  });
});

describe('timingRows', () => {
  it('lists shell, workload, the three parts and loop + gzip, in the order of the row names', () => {
    const rows = timingRows({ toShellSeconds: 1, workloadSeconds: 2, perPart: { sha256: 3, loop: 4, gzip: null }, loopGzipSeconds: 6 });
    expect(rows).toEqual([1, 2, 3, 4, null, 6]);
    expect(rows).toHaveLength(ROW_NAMES.length);
    expect(timingRows(null).every((r) => r === null)).toBe(true);
  });
});
