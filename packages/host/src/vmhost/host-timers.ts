/**
 * The host thread's own clock and timers (real time), for what runs there
 * rather than inside a VM: the VMnet switches' MAC address aging.
 *
 * @module
 */

import type { Clock, Timer, TimerCallback, TimerQueue } from '@vm/bus';

class HostTimer implements Timer {
  deadline = Infinity;
  private handle: NodeJS.Timeout | null = null;
  constructor(
    private readonly owner: HostTimers,
    private readonly callback: TimerCallback,
  ) {}
  arm(deadlineNs: number): void {
    this.disarm();
    this.deadline = deadlineNs;
    const ms = Math.max(0, (deadlineNs - this.owner.now()) / 1e6);
    this.handle = setTimeout(() => {
      this.handle = null;
      this.deadline = Infinity;
      this.callback(this.owner.now());
    }, ms);
    this.handle.unref();
  }
  disarm(): void {
    if (this.handle !== null) clearTimeout(this.handle);
    this.handle = null;
    this.deadline = Infinity;
  }
}

/** A real-time {@link Clock} and {@link TimerQueue} on Node timers (ns since construction). */
export class HostTimers implements Clock, TimerQueue {
  private readonly start = performance.now();
  private readonly timers: HostTimer[] = [];
  /** @inheritDoc */
  now(): number {
    return Math.floor((performance.now() - this.start) * 1e6);
  }
  /** @inheritDoc */
  createTimer(_name: string, callback: TimerCallback): Timer {
    const t = new HostTimer(this, callback);
    this.timers.push(t);
    return t;
  }
  /** @inheritDoc */
  nextDeadline(): number {
    let d = Infinity;
    for (const t of this.timers) if (t.deadline < d) d = t.deadline;
    return d;
  }
  /** Disarm every timer. */
  close(): void {
    for (const t of this.timers) t.disarm();
  }
}
