import type { Timer, TimerCallback, TimerQueue as BusTimerQueue } from '@vm/bus';

/**
 * What the queue needs from a clock while it fires timers: a way to make the
 * clock read each timer's service time during its callback. A
 * {@link VirtualClock} is one.
 */
export interface TimerServiceClock {
  /** Enter a callback for a timer due at `deadlineNs`; returns the service time. */
  beginService(deadlineNs: number): number;
  /** Leave the callback. */
  endService(): void;
}

/** One saved timer: its name and deadline (-1 idle). */
export interface TimerState {
  /** The name given to {@link TimerQueue.createTimer}. */
  readonly name: string;
  /** Armed deadline in ns, or -1. */
  readonly deadline: number;
}

/**
 * A timer owned by a {@link TimerQueue}. Created once, armed and disarmed
 * without allocation. All fields are set in the constructor (one shape).
 */
export class QueueTimer implements Timer {
  /** Diagnostic and snapshot name. */
  readonly name: string;
  /** Creation order: breaks ties between equal deadlines. */
  readonly seq: number;
  /** @inheritDoc */
  deadline: number;
  /** @internal position in the heap, -1 while idle */
  heapIndex: number;
  /** @internal */
  readonly callback: TimerCallback;
  private readonly queue: TimerQueue;

  /** @internal use {@link TimerQueue.createTimer} */
  constructor(queue: TimerQueue, name: string, seq: number, callback: TimerCallback) {
    this.queue = queue;
    this.name = name;
    this.seq = seq;
    this.callback = callback;
    this.deadline = -1;
    this.heapIndex = -1;
  }

  /**
   * @inheritDoc
   * @throws RangeError for a deadline that is not a finite number (a device bug)
   */
  arm(deadlineNs: number): void {
    if (!Number.isFinite(deadlineNs)) throw new RangeError(`timer ${this.name}: deadline ${deadlineNs} is not finite`);
    this.queue.schedule(this, deadlineNs > 0 ? Math.floor(deadlineNs) : 0);
  }

  /** @inheritDoc */
  disarm(): void {
    this.queue.cancel(this);
  }

  /** True while armed. */
  get armed(): boolean {
    return this.heapIndex >= 0;
  }
}

/**
 * The machine's timers: a binary min-heap ordered by (deadline, creation
 * order), so timers due at the same instant always fire in the order they
 * were created. Arming, re-arming and disarming move one preallocated
 * {@link QueueTimer} within the heap and allocate nothing.
 *
 * Given a clock, the queue makes it read each timer's service time during
 * its callback, and installs itself as the clock's horizon so the clock
 * never runs past a deadline that has not fired.
 */
export class TimerQueue implements BusTimerQueue {
  private heap: QueueTimer[];
  private size: number;
  private readonly timers: QueueTimer[];
  private readonly clock: TimerServiceClock | null;
  /**
   * Called when arming makes a deadline earlier than every other armed one
   * (the machine ends the CPU's current slice so the new deadline is met).
   */
  onEarlierDeadline: (() => void) | null;

  /**
   * @param clock the clock to hold at each service time during callbacks;
   *   if it has `setHorizon` (a {@link VirtualClock}) the queue becomes its horizon
   */
  constructor(clock: (TimerServiceClock & { setHorizon?(h: TimerQueue | null): void }) | null = null) {
    this.heap = [];
    this.size = 0;
    this.timers = [];
    this.clock = clock;
    this.onEarlierDeadline = null;
    if (clock !== null && typeof clock.setHorizon === 'function') clock.setHorizon(this);
  }

  /** @inheritDoc */
  createTimer(name: string, callback: TimerCallback): QueueTimer {
    const t = new QueueTimer(this, name, this.timers.length, callback);
    this.timers.push(t);
    // Every timer can be in the heap at most once: size the heap for all of them now.
    if (this.heap.length < this.timers.length) this.heap.push(t);
    return t;
  }

  /** @inheritDoc */
  nextDeadline(): number {
    return this.size > 0 ? this.heap[0]!.deadline : Infinity;
  }

  /** Number of armed timers. */
  get armedCount(): number {
    return this.size;
  }

  /** Every timer ever created, in creation order. */
  get allTimers(): readonly QueueTimer[] {
    return this.timers;
  }

  /**
   * Fire every timer whose deadline is at or before `nowNs`, earliest first
   * (ties in creation order). Each timer is idle when its callback runs, so
   * the callback may re-arm it; a re-armed timer that is already due fires
   * again in this call. Stops after `maxFires` callbacks (a guard against a
   * device that keeps re-arming in the past); the rest stay due.
   * @returns the number of callbacks run
   */
  runDue(nowNs: number, maxFires = 1_000_000): number {
    let fired = 0;
    while (this.size > 0 && fired < maxFires) {
      const t = this.heap[0]!;
      if (t.deadline > nowNs) break;
      const deadline = t.deadline;
      this.removeAt(0);
      fired++;
      if (this.clock === null) {
        t.callback(deadline);
        continue;
      }
      const at = this.clock.beginService(deadline);
      try {
        t.callback(at);
      } finally {
        this.clock.endService();
      }
    }
    return fired;
  }

  /** Disarm every timer. */
  disarmAll(): void {
    while (this.size > 0) this.removeAt(this.size - 1);
  }

  /** The deadline of every timer, in creation order. */
  snapshot(): TimerState[] {
    return this.timers.map((t) => ({ name: t.name, deadline: t.deadline }));
  }

  /**
   * Re-arm timers from {@link snapshot}. The machine must have created the
   * same timers in the same order (same configuration).
   * @throws RangeError when the saved timers do not match this queue's
   */
  restore(states: readonly TimerState[]): void {
    if (states.length !== this.timers.length)
      throw new RangeError(`timer state has ${states.length} timers, this machine has ${this.timers.length}`);
    for (let i = 0; i < states.length; i++) {
      const s = states[i]!;
      const t = this.timers[i]!;
      if (s.name !== t.name) throw new RangeError(`timer ${i} is "${t.name}" here but "${s.name}" in the state`);
      if (typeof s.deadline !== 'number' || !(s.deadline === -1 || (Number.isSafeInteger(s.deadline) && s.deadline >= 0)))
        throw new RangeError(`timer ${t.name}: bad deadline ${String(s.deadline)}`);
    }
    this.disarmAll();
    for (let i = 0; i < states.length; i++) {
      const d = states[i]!.deadline;
      if (d >= 0) this.place(this.timers[i]!, d);
    }
  }

  /** @internal place `t` at `deadline`, inserting or moving it */
  schedule(t: QueueTimer, deadline: number): void {
    const head = this.size > 0 ? this.heap[0]!.deadline : Infinity;
    this.place(t, deadline);
    if (deadline < head && this.onEarlierDeadline !== null) this.onEarlierDeadline();
  }

  private place(t: QueueTimer, deadline: number): void {
    if (t.heapIndex < 0) {
      const i = this.size++;
      this.heap[i] = t;
      t.heapIndex = i;
      t.deadline = deadline;
      this.siftUp(i);
      return;
    }
    const old = t.deadline;
    t.deadline = deadline;
    if (deadline < old) this.siftUp(t.heapIndex);
    else if (deadline > old) this.siftDown(t.heapIndex);
  }

  /** @internal */
  cancel(t: QueueTimer): void {
    if (t.heapIndex >= 0) this.removeAt(t.heapIndex);
  }

  private removeAt(i: number): void {
    const heap = this.heap;
    const t = heap[i]!;
    const last = --this.size;
    t.heapIndex = -1;
    t.deadline = -1;
    if (i === last) return;
    const moved = heap[last]!;
    heap[i] = moved;
    heap[last] = t; // keep the slot filled with some timer: no holes, one element kind
    moved.heapIndex = i;
    this.siftDown(i);
    if (moved.heapIndex === i) this.siftUp(i);
  }

  private static before(a: QueueTimer, b: QueueTimer): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const t = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!TimerQueue.before(t, parent)) break;
      heap[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    heap[i] = t;
    t.heapIndex = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = this.size;
    const t = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && TimerQueue.before(heap[r]!, heap[l]!)) c = r;
      const child = heap[c]!;
      if (!TimerQueue.before(child, t)) break;
      heap[i] = child;
      child.heapIndex = i;
      i = c;
    }
    heap[i] = t;
    t.heapIndex = i;
  }
}
