/**
 * A bounded FIFO of 32-bit values over a ring (the MPT request/reply FIFOs).
 *
 * @module
 */

/** Fixed-capacity ring of unsigned 32-bit values. */
export class U32Fifo {
  /** Ring storage. */
  readonly ring: Uint32Array;
  /** Index of the oldest entry. */
  head = 0;
  /** Entries held. */
  count = 0;

  /** @param capacity most entries held */
  constructor(readonly capacity: number) {
    this.ring = new Uint32Array(capacity);
  }
  /** Append; false when full. */
  push(v: number): boolean {
    if (this.count >= this.capacity) return false;
    this.ring[(this.head + this.count) % this.capacity] = v >>> 0;
    this.count++;
    return true;
  }
  /** Remove the oldest entry, or return -1 when empty. */
  pop(): number {
    if (this.count === 0) return -1;
    const v = this.ring[this.head]!;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return v;
  }
  /** Drop everything. */
  clear(): void {
    this.head = 0;
    this.count = 0;
  }
  /** Entries oldest first, as a copy (for snapshots). */
  toArray(): Uint32Array {
    const a = new Uint32Array(this.count);
    for (let i = 0; i < this.count; i++) a[i] = this.ring[(this.head + i) % this.capacity]!;
    return a;
  }
  /** Replace the contents (for restore); extra entries are dropped. */
  load(a: Uint32Array): void {
    this.clear();
    for (let i = 0; i < a.length && i < this.capacity; i++) this.push(a[i]!);
  }
}
