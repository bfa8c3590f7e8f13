/**
 * The switch's MAC address table: an open-addressing hash table held in
 * typed arrays (linear probing, backward-shift deletion), so learning and
 * lookup never allocate.
 *
 * @module
 */

const EMPTY = -1;

/** Learned MAC -> port entries with a last-seen time for aging. */
export class MacTable {
  /** Most entries the table holds; learning beyond this fails (the switch floods). */
  readonly capacity: number;
  private readonly mask: number;
  /** High 16 bits of the key, or EMPTY. */
  private readonly keyHigh: Int32Array;
  private readonly keyLow: Uint32Array;
  private readonly portOf: Int32Array;
  private readonly seenAt: Float64Array;
  private count: number;

  /** @param capacity most entries (at least 1) */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 20) {
      throw new RangeError(`MAC table capacity ${capacity} is not in 1..${1 << 20}`);
    }
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.capacity = capacity;
    this.mask = slots - 1;
    this.keyHigh = new Int32Array(slots).fill(EMPTY);
    this.keyLow = new Uint32Array(slots);
    this.portOf = new Int32Array(slots);
    this.seenAt = new Float64Array(slots);
    this.count = 0;
  }

  /** Number of learned entries. */
  get size(): number {
    return this.count;
  }

  private home(high: number, low: number): number {
    let h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    return h & this.mask;
  }

  /** Slot index holding the key, or -1. */
  private find(high: number, low: number): number {
    let i = this.home(high, low);
    for (;;) {
      const h = this.keyHigh[i]!;
      if (h === EMPTY) return -1;
      if (h === high && this.keyLow[i] === low) return i;
      i = (i + 1) & this.mask;
    }
  }

  /**
   * Record that `high:low` was seen on `port` at `nowNs`.
   * @returns 1 for a new entry, 0 for a refreshed (or moved) one, -1 when the table is full
   */
  learn(high: number, low: number, port: number, nowNs: number): number {
    let i = this.home(high, low);
    for (;;) {
      const h = this.keyHigh[i]!;
      if (h === EMPTY) break;
      if (h === high && this.keyLow[i] === low) {
        this.portOf[i] = port;
        this.seenAt[i] = nowNs;
        return 0;
      }
      i = (i + 1) & this.mask;
    }
    if (this.count >= this.capacity) return -1;
    this.keyHigh[i] = high;
    this.keyLow[i] = low;
    this.portOf[i] = port;
    this.seenAt[i] = nowNs;
    this.count++;
    return 1;
  }

  /**
   * The port `high:low` was learned on, or -1 when unknown or older than
   * `maxAgeNs` at `nowNs` (an expired entry is removed on the way).
   */
  lookup(high: number, low: number, nowNs: number, maxAgeNs: number): number {
    const i = this.find(high, low);
    if (i < 0) return -1;
    if (nowNs - this.seenAt[i]! >= maxAgeNs) {
      this.removeSlot(i);
      return -1;
    }
    return this.portOf[i]!;
  }

  /**
   * Remove entries last seen at or before `nowNs - maxAgeNs`.
   * @returns the oldest remaining last-seen time, or -1 when the table is empty
   */
  expire(nowNs: number, maxAgeNs: number): number {
    let oldest = -1;
    for (let i = 0; i <= this.mask; i++) {
      // A backward shift may move a not-yet-visited entry into slot i: re-test it.
      while (this.keyHigh[i] !== EMPTY && nowNs - this.seenAt[i]! >= maxAgeNs) this.removeSlot(i);
    }
    for (let i = 0; i <= this.mask; i++) {
      if (this.keyHigh[i] !== EMPTY && (oldest < 0 || this.seenAt[i]! < oldest)) oldest = this.seenAt[i]!;
    }
    return oldest;
  }

  /** Forget every entry that points at `port`. */
  forgetPort(port: number): void {
    for (let i = 0; i <= this.mask; i++) {
      while (this.keyHigh[i] !== EMPTY && this.portOf[i] === port) this.removeSlot(i);
    }
  }

  /** Forget everything. */
  clear(): void {
    this.keyHigh.fill(EMPTY);
    this.count = 0;
  }

  /** Visit every entry (for management and tests; not a hot path). */
  forEach(visit: (high: number, low: number, port: number, seenAtNs: number) => void): void {
    for (let i = 0; i <= this.mask; i++) {
      if (this.keyHigh[i] !== EMPTY) visit(this.keyHigh[i]!, this.keyLow[i]!, this.portOf[i]!, this.seenAt[i]!);
    }
  }

  /** Backward-shift deletion: keeps every probe chain unbroken without tombstones. */
  private removeSlot(slot: number): void {
    const mask = this.mask;
    let hole = slot;
    let j = slot;
    this.count--;
    for (;;) {
      this.keyHigh[hole] = EMPTY;
      for (;;) {
        j = (j + 1) & mask;
        if (this.keyHigh[j] === EMPTY) return;
        const k = this.home(this.keyHigh[j]!, this.keyLow[j]!);
        // Entry j may fill the hole only if its home is not cyclically in (hole, j].
        const inRange = hole <= j ? hole < k && k <= j : hole < k || k <= j;
        if (!inRange) break;
      }
      this.keyHigh[hole] = this.keyHigh[j]!;
      this.keyLow[hole] = this.keyLow[j]!;
      this.portOf[hole] = this.portOf[j]!;
      this.seenAt[hole] = this.seenAt[j]!;
      hole = j;
    }
  }
}
