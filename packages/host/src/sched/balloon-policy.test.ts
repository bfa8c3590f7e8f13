import { describe, expect, it } from 'vitest';
import { BALLOON_HOLD_MS, BalloonMemo, balloonTarget, safeBalloonMax } from './balloon-policy.js';
import type { BalloonInput } from './balloon-policy.js';

const MiB = 256;

/**
 * A guest without swap as the host sees it: `used` pages in use (its tmpfs
 * data, kernel, programs), `freed` pages it used and freed (backed, free in
 * the guest), the rest never touched. Its balloon driver takes pages the way
 * Linux's allocator hands them out: recently freed ones first, then
 * untouched ones, and it can never take pages in use.
 */
class GuestModel {
  balloon = 0;
  /** Balloon pages that were backed (the host got memory back for them). */
  balloonFreed = 0;
  constructor(
    readonly size: number,
    public used: number,
    public freed: number,
  ) {}
  get free(): number {
    return this.size - this.used - this.balloon;
  }
  /** The driver's poll: inflate or deflate towards `target`; returns whether it got every page it asked for. */
  poll(target: number): boolean {
    while (this.balloon > target) {
      this.balloon--;
      if (this.balloonFreed > 0) this.balloonFreed--;
    }
    while (this.balloon < target) {
      // Linux's allocator keeps a few pages back (its watermarks): the driver's allocation fails there.
      if (this.free <= 64) return false;
      this.balloon++;
      if (this.freed > 0) {
        this.freed--;
        this.balloonFreed++;
      }
    }
    return true;
  }
  /** The guest writes `pages` more data, reusing its freed pages first. */
  write(pages: number): void {
    const reuse = Math.min(pages, this.freed);
    this.freed -= reuse;
    this.used += pages;
  }
  view(): BalloonInput {
    // Backed: in use plus freed-but-backed (not ballooned).
    return { sizePages: this.size, residentPages: this.used + this.freed, swappedPages: 0, zeroPages: 0, balloonPages: this.balloon, driver: true };
  }
}

describe('balloon policy', () => {
  it('leaves a guest its headroom: memsize - headroom - touched', () => {
    const v: BalloonInput = { sizePages: 128 * MiB, residentPages: 80 * MiB, swappedPages: 4 * MiB, zeroPages: 3 * MiB, balloonPages: 0, driver: true };
    expect(safeBalloonMax(v)).toBe((128 - 16 - 87) * MiB);
    expect(safeBalloonMax({ ...v, residentPages: 120 * MiB })).toBe(0);
  });

  it('takes what the guest freed, never drives it below its headroom, and stops when it only gets untouched pages', () => {
    // 128 MiB guest: 70 MiB in use (tmpfs data), 30 MiB used and freed, 28 MiB never touched; the host wants 80 MiB back.
    const g = new GuestModel(128 * MiB, 70 * MiB, 30 * MiB);
    const memo = new BalloonMemo();
    let minFree = Infinity;
    let now = 0;
    const run = (periods: number): void => {
      for (let period = 0; period < periods; period++, now += 1000) {
        g.poll(balloonTarget(g.view(), 80 * MiB, memo, now));
        minFree = Math.min(minFree, g.free);
      }
    };
    run(20);
    // Everything it freed went to the balloon and back to the host (4 MiB a second: in 8 s).
    expect(g.balloonFreed).toBe(30 * MiB);
    // Once it handed over untouched pages the balloon stopped growing: at most one step (4 MiB) of them.
    expect(g.balloon - g.balloonFreed).toBeLessThanOrEqual(4 * MiB);
    // Later tries back off (15, 30, 60 s ...): in the next 100 s, two more steps at most.
    run(100);
    expect(g.balloon - g.balloonFreed).toBeLessThanOrEqual(12 * MiB);
    // It kept at least its headroom (16 MiB of 128) free at every moment.
    expect(minFree).toBeGreaterThanOrEqual(16 * MiB);
  });

  it('lets the balloon go as the guest needs more, before the guest runs out', () => {
    const g = new GuestModel(128 * MiB, 40 * MiB, 40 * MiB);
    const memo = new BalloonMemo();
    let now = 0;
    for (let period = 0; period < 30; period++, now += 1000) g.poll(balloonTarget(g.view(), 100 * MiB, memo, now));
    expect(g.balloon).toBeGreaterThanOrEqual(40 * MiB);
    // The guest now writes 2 MiB a second (dd into tmpfs): the balloon shrinks as fast, the guest never runs short.
    let minFree = Infinity;
    for (let period = 0; period < 30; period++, now += 1000) {
      g.write(2 * MiB);
      minFree = Math.min(minFree, g.free);
      g.poll(balloonTarget(g.view(), 100 * MiB, memo, now));
    }
    expect(minFree).toBeGreaterThanOrEqual(14 * MiB);
    expect(g.free).toBeGreaterThanOrEqual(16 * MiB);
  });

  it('holds a balloon the driver stops filling, and grows again after the hold', () => {
    const memo = new BalloonMemo();
    const v: BalloonInput = { sizePages: 128 * MiB, residentPages: 20 * MiB, swappedPages: 0, zeroPages: 0, balloonPages: 10 * MiB, driver: true };
    let now = 0;
    let t = 0;
    // The guest refuses: the balloon stays at 10 MiB whatever the target.
    for (let i = 0; i < 5; i++, now += 1000) t = balloonTarget(v, 60 * MiB, memo, now);
    expect(t).toBe(10 * MiB);
    now += BALLOON_HOLD_MS;
    expect(balloonTarget(v, 60 * MiB, memo, now)).toBe(14 * MiB);
  });

  it('never holds back a shrinking balloon', () => {
    const memo = new BalloonMemo();
    memo.holdUntil = Infinity;
    const v: BalloonInput = { sizePages: 128 * MiB, residentPages: 100 * MiB, swappedPages: 0, zeroPages: 0, balloonPages: 20 * MiB, driver: true };
    expect(balloonTarget(v, 60 * MiB, memo, 0)).toBe(12 * MiB);
    expect(balloonTarget({ ...v, residentPages: 30 * MiB }, 5 * MiB, memo, 0)).toBe(5 * MiB);
  });
});
