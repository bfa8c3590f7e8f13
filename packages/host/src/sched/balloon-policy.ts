/**
 * How far the host may inflate a VM's balloon without endangering the
 * guest, and how fast.
 *
 * ESX's guests could page to their own swap, so a balloon could take memory
 * they were using. A guest without swap (and Linux with its files in tmpfs)
 * can only give what it has free: Linux's vmw_balloon allocates its pages
 * with no retry and no OOM killer of its own, but once it has the last free
 * pages the guest's next allocations find nothing to reclaim and the kernel
 * panics ("System is deadlocked on memory": seen with balloons of 63 MiB in
 * 128 MiB guests holding 32 MiB of tmpfs). The host does not see what the
 * guest has free, but every page the guest uses is one it has written:
 * backed (private or shared), swapped, or found zero and released by the
 * page-sharing scanner. So a balloon of B pages leaves the guest at least
 * `memsize - touched - B` free, and keeping that above a headroom keeps the
 * guest alive. Balloon pages are released, so taking a page the guest freed
 * lowers `touched` as much as it raises B: the guest gives up everything it
 * freed and the headroom stays.
 *
 * A balloon only gives the host memory if the guest's pages were backed; a
 * guest that hands over pages it never touched gives nothing (and has less
 * to grow into). So the balloon grows in steps, and stops growing for a
 * while when a step lowered the guest's backed memory by less than three
 * quarters of its size, or when the
 * driver stops filling it (the guest refuses pages); swapping takes the
 * rest.
 *
 * @module
 */

/** A guest keeps at least this fraction of its memory free of balloon and use. */
export const BALLOON_HEADROOM_FRACTION = 1 / 8;
/** The most a balloon grows per memory period, as a fraction of the VM's memory. */
export const BALLOON_STEP_FRACTION = 1 / 32;
/** How long a balloon that gave nothing (or was refused) first stays where it is, ms; each such hold in a row doubles it. */
export const BALLOON_HOLD_MS = 15_000;
/** The longest hold, ms. */
const MAX_HOLD_MS = 240_000;

/** What the memory scheduler knows of one VM, in pages. */
export interface BalloonInput {
  /** Guest memory size. */
  readonly sizePages: number;
  /** Pages backed by machine memory (private or shared). */
  readonly residentPages: number;
  /** Pages in the swap file. */
  readonly swappedPages: number;
  /** Pages the page-sharing scanner found zero and released (the guest may still use them). */
  readonly zeroPages: number;
  /** Pages in the balloon now. */
  readonly balloonPages: number;
  /** Whether the guest's balloon driver is running. */
  readonly driver: boolean;
}

/** What the policy remembers of a VM between periods. */
export class BalloonMemo {
  /** The balloon and the touched pages at the previous period (-1: none yet). */
  lastBalloon = -1;
  lastTouched = 0;
  /** The target given at the previous period. */
  lastTarget = 0;
  /** Periods the balloon stayed below its target without growing. */
  stalled = 0;
  /** Until when the balloon does not grow (host ms), and the next hold's length. */
  holdUntil = -Infinity;
  holdMs = BALLOON_HOLD_MS;

  /** Stop growing for a while, longer each time in a row. */
  hold(nowMs: number): void {
    this.holdUntil = nowMs + this.holdMs;
    this.holdMs = Math.min(MAX_HOLD_MS, this.holdMs * 2);
  }
}

/** Pages the guest may be using: backed, swapped, or released as zero. */
export function touchedPages(v: BalloonInput): number {
  return v.residentPages + v.swappedPages + v.zeroPages;
}

/**
 * The largest balloon (in all) that leaves the guest its headroom free:
 * `memsize - headroom - touched` (balloon pages are released, so `touched`
 * does not count them; see the module notes).
 */
export function safeBalloonMax(v: BalloonInput): number {
  const headroom = Math.ceil(v.sizePages * BALLOON_HEADROOM_FRACTION);
  return Math.max(0, v.sizePages - headroom - touchedPages(v));
}

/**
 * The balloon target for a VM whose scheduler wants `wanted` pages
 * ballooned: never above {@link safeBalloonMax}, growing at most a step a
 * period, and held at its size for {@link BALLOON_HOLD_MS} (doubling while
 * it recurs) after a step that freed no backed memory or periods the driver
 * did not fill it. Shrinking
 * is never held back. A `limit` (pages above `sched.mem.max`) is asked for
 * at once, within the headroom.
 */
export function balloonTarget(v: BalloonInput, wanted: number, memo: BalloonMemo, nowMs: number, limit = 0): number {
  const touched = touchedPages(v);
  const size = v.balloonPages;
  if (memo.lastBalloon >= 0 && v.driver) {
    const grew = size - memo.lastBalloon;
    const step = Math.max(1, Math.floor(v.sizePages * BALLOON_STEP_FRACTION));
    if (grew >= step / 2) {
      // The guest handed over pages it never used, so the host got nothing for them; or it did, and may go on.
      if (memo.lastTouched - touched < (grew * 3) / 4) memo.hold(nowMs);
      else memo.holdMs = BALLOON_HOLD_MS;
    }
    // The driver did not fill the target it was given: the guest has nothing more to give.
    memo.stalled = memo.lastTarget > size && grew <= 0 ? memo.stalled + 1 : 0;
    if (memo.stalled >= 3) {
      memo.hold(nowMs);
      memo.stalled = 0;
    }
  }
  memo.lastBalloon = size;
  memo.lastTouched = touched;
  const safe = safeBalloonMax(v);
  let target = Math.min(Math.max(0, wanted), safe);
  if (target > size) {
    const step = Math.max(1, Math.floor(v.sizePages * BALLOON_STEP_FRACTION));
    target = nowMs < memo.holdUntil ? size : Math.min(target, size + step);
  }
  // A limit (sched.mem.max) is asked for at once, within what the guest can spare; swapping enforces the rest.
  target = Math.max(target, Math.min(limit, safe));
  memo.lastTarget = target;
  return target;
}
