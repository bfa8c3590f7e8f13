import type { Clock, Timer, TimerCallback, TimerQueue } from '../time.js';

class ManualTimer implements Timer {
  deadline = -1;
  constructor(
    readonly name: string,
    readonly callback: TimerCallback,
    private readonly owner: ManualClock,
  ) {}
  arm(deadlineNs: number): void {
    if (!Number.isFinite(deadlineNs)) throw new RangeError(`timer ${this.name}: deadline ${deadlineNs} is not finite`);
    this.deadline = Math.max(Math.floor(deadlineNs), 0);
    this.owner.armed.add(this);
  }
  disarm(): void {
    this.deadline = -1;
    this.owner.armed.delete(this);
  }
}

/**
 * A {@link Clock} and {@link TimerQueue} that move only when the test says so.
 * `advance` fires due timers in deadline order, setting `now()` to each
 * timer's deadline while its callback runs.
 */
export class ManualClock implements Clock, TimerQueue {
  private t: number;
  /** @internal armed timers */
  readonly armed = new Set<ManualTimer>();

  /** @param startNs initial virtual time */
  constructor(startNs = 0) {
    this.t = startNs;
  }
  /** @inheritDoc */
  now(): number {
    return this.t;
  }
  /** @inheritDoc */
  createTimer(name: string, callback: TimerCallback): Timer {
    return new ManualTimer(name, callback, this);
  }
  /** @inheritDoc */
  nextDeadline(): number {
    let min = Infinity;
    for (const t of this.armed) if (t.deadline < min) min = t.deadline;
    return min;
  }
  /** Move time forward by `ns`, firing every timer that falls due on the way. */
  advance(ns: number): void {
    this.advanceTo(this.t + ns);
  }
  /** Move time forward to `targetNs`, firing due timers in deadline order. */
  advanceTo(targetNs: number): void {
    if (targetNs < this.t) throw new RangeError(`ManualClock cannot go back from ${this.t} to ${targetNs}`);
    for (;;) {
      let next: ManualTimer | null = null;
      for (const t of this.armed) if (t.deadline <= targetNs && (next === null || t.deadline < next.deadline)) next = t;
      if (next === null) break;
      this.t = Math.max(this.t, next.deadline);
      this.armed.delete(next);
      next.deadline = -1;
      next.callback(this.t);
    }
    this.t = targetNs;
  }
}
