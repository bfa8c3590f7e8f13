/** A fixed-capacity byte FIFO over a ring buffer (the UART's 16-byte FIFOs, PS/2 queues). */
export class ByteFifo {
  private readonly buf: Uint8Array;
  private head = 0;
  /** Bytes held. */
  count = 0;

  /** @param capacity maximum bytes held */
  constructor(readonly capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  /** Append `b`; false (and nothing stored) when full. */
  push(b: number): boolean {
    if (this.count >= this.capacity) return false;
    this.buf[(this.head + this.count) % this.capacity] = b;
    this.count++;
    return true;
  }

  /** Remove and return the oldest byte (0 when empty). */
  shift(): number {
    if (this.count === 0) return 0;
    const b = this.buf[this.head]!;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return b;
  }

  /** The oldest byte without removing it (0 when empty). */
  peek(): number {
    return this.count === 0 ? 0 : this.buf[this.head]!;
  }

  /** Drop everything. */
  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  /** The contents, oldest first (a copy, for snapshots). */
  toArray(): Uint8Array {
    const out = new Uint8Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.buf[(this.head + i) % this.capacity]!;
    return out;
  }

  /** Replace the contents (at most `capacity` bytes are kept). */
  load(bytes: Uint8Array): void {
    this.clear();
    for (let i = 0; i < bytes.length && i < this.capacity; i++) this.push(bytes[i]!);
  }
}
