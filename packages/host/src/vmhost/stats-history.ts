/**
 * A fixed-size history of statistics samples (the newest last).
 *
 * @module
 */

/** Keeps the last `capacity` samples. */
export class StatsHistory<T> {
  private readonly items: T[] = [];
  /** @param capacity most samples kept */
  constructor(readonly capacity: number) {}
  /** Add a sample, dropping the oldest when full. */
  push(sample: T): void {
    this.items.push(sample);
    if (this.items.length > this.capacity) this.items.shift();
  }
  /** Samples, oldest first; with `sinceMs`, only those taken after it (`t` field in ms). */
  list(sinceMs = -Infinity): T[] {
    return this.items.filter((s) => (s as { t?: number }).t === undefined || (s as { t: number }).t > sinceMs);
  }
  /** The newest sample, or undefined. */
  get last(): T | undefined {
    return this.items[this.items.length - 1];
  }
}
