/**
 * Virtual time. All times are integer nanoseconds since machine power-on,
 * held in ordinary numbers (exact up to 2^53 ns, about 104 days).
 * Devices never read wall-clock time; they read a {@link Clock}.
 *
 * @module
 */

/** The machine's virtual time. */
export interface Clock {
  /** Current virtual time in integer nanoseconds. Never goes backwards. */
  now(): number;
}

/** Called when a timer expires, with the virtual time of its deadline's service. */
export type TimerCallback = (nowNs: number) => void;

/**
 * A reusable timer. Created once (at device construction), armed and disarmed
 * many times without allocation.
 */
export interface Timer {
  /** Deadline in ns while armed, or -1 when idle. */
  readonly deadline: number;
  /** Arm (or re-arm) the timer for absolute virtual time `deadlineNs`. */
  arm(deadlineNs: number): void;
  /** Cancel the timer if armed. */
  disarm(): void;
}

/**
 * Timers ordered by deadline. The machine runs the CPU in slices up to the
 * next deadline and then fires expired timers in deadline order.
 */
export interface TimerQueue {
  /** Create an idle timer. `name` is for diagnostics and snapshots. */
  createTimer(name: string, callback: TimerCallback): Timer;
  /** Earliest armed deadline in ns, or `Infinity` when none is armed. */
  nextDeadline(): number;
}
