import type { Clock } from '@vm/bus';

/**
 * Something that counts executed work, such as a vCPU's retired instructions.
 * A `VCpu` from `@vm/bus` satisfies it.
 */
export interface WorkCounter {
  /** Monotonic count of work done (instructions retired). */
  readonly retired: number;
}

/**
 * Limits how far the clock may run ahead: the clock never reads later than
 * `nextDeadline()`, so no device sees time pass an armed timer that has not
 * fired yet. A {@link TimerQueue} is one.
 */
export interface ClockHorizon {
  /** Earliest unserviced deadline in ns, or `Infinity`. */
  nextDeadline(): number;
}

/** How a {@link VirtualClock} decides what time it is. */
export type ClockMode = 'deterministic' | 'realtime';

/** Options for a deterministic {@link VirtualClock}. */
export interface DeterministicClockOptions {
  /** Discriminant. */
  readonly mode: 'deterministic';
  /**
   * Virtual nanoseconds one unit of work (one instruction) takes; positive and
   * finite, fractions allowed (0.5 models 2,000 MIPS). Default 1.
   */
  readonly nsPerInstruction?: number;
  /** Virtual time at construction, in ns. Default 0. */
  readonly startNs?: number;
}

/** Options for a real-time {@link VirtualClock}. */
export interface RealtimeClockOptions {
  /** Discriminant. */
  readonly mode: 'realtime';
  /**
   * The host's monotonic time source in milliseconds (fractions allowed),
   * such as `performance.now`. Injected so that only the host, never a
   * device, reads host time.
   */
  readonly hostNowMs: () => number;
  /** Virtual time at construction, in ns. Default 0. */
  readonly startNs?: number;
  /** Start paused (time stands still until {@link VirtualClock.resume}). Default false. */
  readonly paused?: boolean;
  /**
   * The most virtual time that may pass between two readings, in ns. When
   * the host stalls for longer (a GC pause, an overloaded host) the excess
   * is dropped, as if the machine had been paused, so the guest does not
   * see a burst of timer interrupts. Default `Infinity` (no limit).
   */
  readonly maxStepNs?: number;
}

/** Options for {@link VirtualClock}. */
export type VirtualClockOptions = DeterministicClockOptions | RealtimeClockOptions;

/** Snapshot of a {@link VirtualClock}: the current virtual time. */
export interface VirtualClockState {
  /** Virtual time in ns. */
  readonly nowNs: number;
}

const NOT_FIRING = -1;

/**
 * A machine's virtual time in integer nanoseconds, in one of two modes:
 *
 * - **deterministic**: time is `base + (work done since base) * nsPerInstruction`,
 *   where the work comes from an attached {@link WorkCounter} (the CPU's
 *   `retired` count), plus explicit {@link advanceTo} skips while the CPU is
 *   halted. The same guest input gives the same run, bit for bit.
 * - **realtime**: time follows an injected host clock, never goes backwards,
 *   and stands still while {@link pause}d (a descheduled VM does not see
 *   time race when it is resumed).
 *
 * Two further rules keep devices consistent: with a {@link ClockHorizon}
 * installed the clock never reads past an unserviced timer deadline, and
 * while a timer callback runs (see {@link beginService}) the clock reads that
 * timer's service time.
 */
export class VirtualClock implements Clock {
  /** The clock's mode. */
  readonly mode: ClockMode;
  /** Virtual ns per unit of work (deterministic mode; 0 in real-time mode). */
  readonly nsPerInstruction: number;
  private readonly hostNowMs: (() => number) | null;
  private baseNs: number;
  private baseWork: number;
  private lastWork: number;
  private baseHostMs: number;
  private counter: WorkCounter | null;
  private horizon: ClockHorizon | null;
  private lastNs: number;
  private lastRawNs: number;
  private readonly maxStepNs: number;
  private firingNs: number;
  private pausedFlag: boolean;

  /** @param options the mode and its parameters */
  constructor(options: VirtualClockOptions) {
    const start = options.startNs ?? 0;
    if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`VirtualClock: startNs ${start} is not a non-negative integer`);
    this.mode = options.mode;
    this.baseNs = start;
    this.baseWork = 0;
    this.lastWork = 0;
    this.baseHostMs = 0;
    this.counter = null;
    this.horizon = null;
    this.lastNs = start;
    this.lastRawNs = start;
    this.maxStepNs = Infinity;
    this.firingNs = NOT_FIRING;
    this.pausedFlag = false;
    if (options.mode === 'deterministic') {
      const k = options.nsPerInstruction ?? 1;
      if (!(k > 0) || !Number.isFinite(k)) throw new RangeError(`VirtualClock: nsPerInstruction ${k} must be positive and finite`);
      this.nsPerInstruction = k;
      this.hostNowMs = null;
    } else {
      if (typeof options.hostNowMs !== 'function') throw new TypeError('VirtualClock: real-time mode needs a hostNowMs time source');
      this.nsPerInstruction = 0;
      this.hostNowMs = options.hostNowMs;
      this.baseHostMs = options.hostNowMs();
      this.pausedFlag = options.paused === true;
      const maxStep = options.maxStepNs ?? Infinity;
      if (!(maxStep > 0)) throw new RangeError(`VirtualClock: maxStepNs ${maxStep} must be positive`);
      this.maxStepNs = maxStep;
    }
  }

  /** True while a real-time clock is paused (always false in deterministic mode). */
  get paused(): boolean {
    return this.pausedFlag;
  }

  /**
   * The current virtual time in ns: the service time inside a timer callback,
   * else the mode's raw time capped at the horizon, never less than any value
   * returned before.
   */
  now(): number {
    if (this.firingNs !== NOT_FIRING) return this.firingNs;
    let t = this.rawNow();
    if (this.horizon !== null) {
      const h = this.horizon.nextDeadline();
      if (h < t) t = h;
    }
    if (t < this.lastNs) t = this.lastNs;
    this.lastNs = t;
    return t;
  }

  /**
   * The mode's time ignoring the horizon and timer service (what the machine
   * compares deadlines against). Never less than the last {@link now}.
   */
  rawNow(): number {
    let t: number;
    if (this.hostNowMs !== null) {
      if (this.pausedFlag) t = this.baseNs;
      else {
        const d = this.hostNowMs() - this.baseHostMs;
        // A host clock that steps back is ignored rather than followed.
        t = d > 0 ? this.baseNs + Math.floor(d * 1e6) : this.baseNs;
        const step = t - this.lastRawNs;
        if (step > this.maxStepNs) {
          // Forget the part of the stall beyond the limit.
          this.baseNs -= step - this.maxStepNs;
          t = this.lastRawNs + this.maxStepNs;
        }
        if (t > this.lastRawNs) this.lastRawNs = t;
      }
    } else if (this.counter !== null) {
      const w = this.counter.retired;
      if (w < this.lastWork) {
        // The counter went back: it restarted (CPU reset). Keep the time
        // reached so far and count from the counter's new value.
        this.baseNs += Math.floor((this.lastWork - this.baseWork) * this.nsPerInstruction);
        this.baseWork = w;
      }
      this.lastWork = w;
      const work = w - this.baseWork;
      t = work > 0 ? this.baseNs + Math.floor(work * this.nsPerInstruction) : this.baseNs;
    } else {
      t = this.baseNs;
    }
    return t < this.lastNs ? this.lastNs : t;
  }

  /**
   * Derive deterministic time from `counter` (the vCPU) from now on; `null`
   * detaches it. Time so far is kept; only work done after this call counts.
   */
  attachWorkCounter(counter: WorkCounter | null): void {
    this.rebase();
    this.counter = counter;
    this.baseWork = counter === null ? 0 : counter.retired;
    this.lastWork = this.baseWork;
  }

  /**
   * Fold the time so far into the base and restart counting work from the
   * counter's current value. Call it after the counter restarts (CPU reset).
   */
  rebase(): void {
    const t = this.rawNow();
    this.baseNs = t;
    if (this.counter !== null) this.baseWork = this.lastWork = this.counter.retired;
    if (this.hostNowMs !== null) this.baseHostMs = this.hostNowMs();
  }

  /** Install (or with `null` remove) the horizon the clock may not pass. */
  setHorizon(horizon: ClockHorizon | null): void {
    this.horizon = horizon;
  }

  /**
   * Move time forward to `ns` without work (a halted CPU skipping to the next
   * deadline, or a test). A target in the past is ignored: time never goes
   * back. In real-time mode this adds a permanent offset to the host time.
   */
  advanceTo(ns: number): void {
    if (!Number.isFinite(ns)) throw new RangeError(`VirtualClock.advanceTo(${ns}): not finite`);
    const target = Math.floor(ns);
    const cur = this.rawNow();
    if (target <= cur) return;
    this.rebase();
    this.baseNs = target;
    this.lastRawNs = target; // a deliberate jump, not a stall
  }

  /** Move time forward by `ns` (see {@link advanceTo}). */
  advance(ns: number): void {
    if (!(ns >= 0)) throw new RangeError(`VirtualClock.advance(${ns}): must be >= 0`);
    this.advanceTo(this.rawNow() + ns);
  }

  /**
   * Stop time (real-time mode): the VM is descheduled and must not see the
   * interval when it resumes. Idempotent; a no-op in deterministic mode,
   * where time only moves with work anyway.
   */
  pause(): void {
    if (this.hostNowMs === null || this.pausedFlag) return;
    this.rebase();
    this.pausedFlag = true;
  }

  /**
   * The host waited on purpose (it slept while the guest was halted, until
   * its next timer or outside input): the time since the last reading is
   * real guest time, so it is taken in full rather than capped by
   * `maxStepNs` (which is for host stalls the guest should not see). The
   * horizon still keeps readings from passing an unserviced deadline.
   */
  acceptWait(): void {
    if (this.hostNowMs === null || this.pausedFlag) return;
    const d = this.hostNowMs() - this.baseHostMs;
    const t = d > 0 ? this.baseNs + Math.floor(d * 1e6) : this.baseNs;
    if (t > this.lastRawNs) this.lastRawNs = t;
  }

  /** Let real time flow again from the paused reading. Idempotent. */
  resume(): void {
    if (this.hostNowMs === null || !this.pausedFlag) return;
    this.pausedFlag = false;
    this.baseHostMs = this.hostNowMs();
  }

  /**
   * Enter a timer callback: until {@link endService}, {@link now} returns
   * the service time. Returns that time: `deadlineNs`, or the latest time
   * already shown if the deadline lies before it (a timer armed in the past),
   * so time never goes back.
   */
  beginService(deadlineNs: number): number {
    const t = deadlineNs > this.lastNs ? deadlineNs : this.lastNs;
    this.lastNs = t;
    this.firingNs = t;
    return t;
  }

  /** Leave the timer callback entered with {@link beginService}. */
  endService(): void {
    this.firingNs = NOT_FIRING;
  }

  /** Capture the current time. */
  snapshot(): VirtualClockState {
    return { nowNs: this.rawNow() };
  }

  /**
   * Set the time from a snapshot. Unlike {@link advanceTo} this may move time
   * backwards: the whole machine is going back to that moment.
   */
  restore(state: VirtualClockState): void {
    const t = state.nowNs;
    if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`VirtualClock.restore: nowNs ${t} is not a non-negative integer`);
    this.baseNs = t;
    this.lastNs = t;
    this.lastRawNs = t;
    this.firingNs = NOT_FIRING;
    if (this.counter !== null) this.baseWork = this.lastWork = this.counter.retired;
    if (this.hostNowMs !== null) this.baseHostMs = this.hostNowMs();
  }
}
