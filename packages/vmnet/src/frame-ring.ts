/**
 * A single-producer / single-consumer ring of Ethernet frames in a
 * SharedArrayBuffer, for carrying frames between threads without a
 * serializer: the producer copies a frame's bytes into a fixed-size slot and
 * publishes it by advancing `tail` with Atomics; the consumer copies it out
 * and advances `head`. A full ring drops the frame and counts the drop.
 *
 * Layout (all little-endian Int32, byte offsets):
 * - 0 `head` (frames consumed, wraps at 2^32), 4 `tail` (frames produced),
 * - 8 `waiting` (1 while the consumer sleeps in Atomics.wait/waitAsync),
 * - 12 `closed` (1 once either side closed the ring),
 * - 16 `dropsFull`, 20 `dropsOversize`, 24 slot count, 28 slot bytes,
 * - 32 magic, 36..63 reserved,
 * - from 64: `slots` slots of (4-byte length + slot bytes, rounded up to 4),
 * - then one more slot: the consumer's scratch copy of the frame it delivers.
 *
 * @module
 */
import type { NetReceiver } from '@vm/bus';

const HEAD = 0;
const TAIL = 1;
const WAITING = 2;
const CLOSED = 3;
const DROPS_FULL = 4;
const DROPS_OVERSIZE = 5;
const SLOT_COUNT = 6;
const SLOT_BYTES = 7;
const MAGIC = 8;
const HEADER_BYTES = 64;
const RING_MAGIC = 0x52494e47; // "RING"

type WaitAsyncResult = { async: false; value: string } | { async: true; value: Promise<string> };
type WaitAsync = (i32: Int32Array, index: number, value: number, timeout?: number) => WaitAsyncResult;

/** `Atomics.waitAsync` where the engine has it (Node 16+, Chrome 87+), else null. */
const waitAsync: WaitAsync | null =
  typeof (Atomics as unknown as { waitAsync?: unknown }).waitAsync === 'function'
    ? ((Atomics as unknown as { waitAsync: WaitAsync }).waitAsync.bind(Atomics) as WaitAsync)
    : null;

/** Size and slot count of a new ring. */
export interface FrameRingOptions {
  /** Number of slots (frames in flight): a power of two, 1..65536 (default 256). */
  readonly slots?: number;
  /** Largest frame a slot holds (default 1518); larger frames are dropped as oversize. */
  readonly slotBytes?: number;
}

/**
 * One direction of a cross-thread frame channel. Create it on one thread
 * with {@link FrameRing.create}, post {@link buffer} to the other thread and
 * wrap it there with `new FrameRing(buffer)`. Exactly one thread pushes and
 * exactly one thread pops.
 */
export class FrameRing {
  /** The shared memory; post it to the other thread. */
  readonly buffer: SharedArrayBuffer;
  /** Number of slots. */
  readonly slots: number;
  /** Largest frame a slot holds. */
  readonly slotBytes: number;
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly stride: number;
  /** Byte offset of the consumer's scratch slot, and views of it per frame length (made once each). */
  private readonly scratch: number;
  private readonly scratchViews: (Uint8Array | null)[];

  /**
   * Create a ring in new shared memory.
   * @throws RangeError for sizes out of range
   */
  static create(options: FrameRingOptions = {}): FrameRing {
    const slots = options.slots ?? 256;
    const slotBytes = options.slotBytes ?? 1518;
    // A power of two keeps slot = counter & (slots - 1) continuous when the counters wrap at 2^32.
    if (!Number.isInteger(slots) || slots < 1 || slots > 65536 || (slots & (slots - 1)) !== 0) {
      throw new RangeError(`ring slots ${slots} must be a power of two in 1..65536`);
    }
    if (!Number.isInteger(slotBytes) || slotBytes < 14 || slotBytes > 65535) {
      throw new RangeError(`ring slotBytes ${slotBytes} out of range 14..65535`);
    }
    const stride = 4 + ((slotBytes + 3) & ~3);
    const buffer = new SharedArrayBuffer(HEADER_BYTES + (slots + 1) * stride);
    const words = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    words[SLOT_COUNT] = slots;
    words[SLOT_BYTES] = slotBytes;
    Atomics.store(words, MAGIC, RING_MAGIC);
    return new FrameRing(buffer);
  }

  /**
   * Wrap a ring made by {@link FrameRing.create} (possibly on another thread).
   * @throws TypeError when `buffer` does not hold a ring
   */
  constructor(buffer: SharedArrayBuffer) {
    if (buffer.byteLength < HEADER_BYTES || buffer.byteLength % 4 !== 0) throw new TypeError('not a frame ring: bad size');
    const words = new Int32Array(buffer);
    const slots = words[SLOT_COUNT]!;
    const slotBytes = words[SLOT_BYTES]!;
    const stride = 4 + ((slotBytes + 3) & ~3);
    if (
      Atomics.load(words, MAGIC) !== RING_MAGIC ||
      slots < 1 ||
      (slots & (slots - 1)) !== 0 ||
      slotBytes < 14 ||
      slotBytes > 65535 ||
      buffer.byteLength < HEADER_BYTES + (slots + 1) * stride
    ) {
      throw new TypeError('not a frame ring: bad header');
    }
    this.buffer = buffer;
    this.slots = slots;
    this.slotBytes = slotBytes;
    this.words = words;
    this.bytes = new Uint8Array(buffer);
    this.stride = stride;
    this.scratch = HEADER_BYTES + slots * stride + 4;
    this.scratchViews = new Array<Uint8Array | null>(slotBytes + 1).fill(null);
  }

  /**
   * Producer: copy `frame` into the next free slot.
   * @returns false when the frame was dropped (ring full, frame too large, or closed)
   */
  push(frame: Uint8Array): boolean {
    const w = this.words;
    const len = frame.length;
    if (len > this.slotBytes) {
      Atomics.add(w, DROPS_OVERSIZE, 1);
      return false;
    }
    if (Atomics.load(w, CLOSED) !== 0) return false;
    const tail = Atomics.load(w, TAIL);
    const head = Atomics.load(w, HEAD);
    if (((tail - head) >>> 0) >= this.slots) {
      Atomics.add(w, DROPS_FULL, 1);
      return false;
    }
    const at = HEADER_BYTES + (tail & (this.slots - 1)) * this.stride;
    w[at >> 2] = len;
    this.bytes.set(frame, at + 4);
    // The store publishes the slot: a consumer that loads the new tail sees the bytes.
    Atomics.store(w, TAIL, (tail + 1) | 0);
    if (Atomics.load(w, WAITING) !== 0) Atomics.notify(w, TAIL);
    return true;
  }

  /**
   * Consumer: deliver up to `max` (and at most {@link slots}) queued frames
   * to `receiver`, oldest first.
   * Each frame is a view of a reused buffer, valid only during the call.
   * @returns the number of frames taken off the ring
   */
  drain(receiver: NetReceiver, max = 0x7fffffff): number {
    const w = this.words;
    let head = Atomics.load(w, HEAD);
    const tail = Atomics.load(w, TAIL);
    let n = 0;
    // At most `slots` frames can be queued: a bound that also survives a corrupted header.
    const limit = max < this.slots ? max : this.slots;
    while (head !== tail && n < limit) {
      const at = HEADER_BYTES + (head & (this.slots - 1)) * this.stride;
      let len = w[at >> 2]!;
      if (len < 0 || len > this.slotBytes) len = 0; // never trust shared memory blindly
      // A move within one buffer needs no temporary view: copyWithin is a memmove.
      this.bytes.copyWithin(this.scratch, at + 4, at + 4 + len);
      let view = this.scratchViews[len]!;
      if (view === null) {
        view = this.bytes.subarray(this.scratch, this.scratch + len);
        this.scratchViews[len] = view;
      }
      head = (head + 1) | 0;
      // Free the slot before delivery: the frame lives in the scratch slot now.
      Atomics.store(w, HEAD, head);
      n++;
      receiver.receiveFrame(view);
    }
    return n;
  }

  /** Frames queued and not yet drained. */
  get size(): number {
    return (Atomics.load(this.words, TAIL) - Atomics.load(this.words, HEAD)) >>> 0;
  }

  /** Frames dropped because the ring was full. */
  get dropsFull(): number {
    return Atomics.load(this.words, DROPS_FULL) >>> 0;
  }

  /** Frames dropped because they were larger than a slot. */
  get dropsOversize(): number {
    return Atomics.load(this.words, DROPS_OVERSIZE) >>> 0;
  }

  /** True once either side closed the ring. */
  get closed(): boolean {
    return Atomics.load(this.words, CLOSED) !== 0;
  }

  /** Close the ring (both sides see it) and wake a sleeping consumer. */
  close(): void {
    Atomics.store(this.words, CLOSED, 1);
    Atomics.notify(this.words, TAIL);
  }

  /** Wake a consumer sleeping in {@link waitForFrames} without adding a frame. */
  wake(): void {
    Atomics.notify(this.words, TAIL);
  }

  /** True when this engine has `Atomics.waitAsync`. */
  static get canWaitAsync(): boolean {
    return waitAsync !== null;
  }

  /**
   * Consumer: resolve once the ring holds a frame or is closed (at once if it
   * already does), or after `timeoutMs`.
   * @throws Error when the engine has no `Atomics.waitAsync` (poll {@link drain} instead)
   */
  async waitForFrames(timeoutMs = Infinity): Promise<void> {
    if (waitAsync === null) throw new Error('Atomics.waitAsync is not available: poll drain() instead');
    const w = this.words;
    Atomics.store(w, WAITING, 1);
    try {
      const tail = Atomics.load(w, TAIL);
      if (tail !== Atomics.load(w, HEAD) || Atomics.load(w, CLOSED) !== 0) return;
      // Sleeps only while tail still equals the value just read.
      const r = waitAsync(w, TAIL, tail, timeoutMs);
      if (r.async) await r.value;
    } finally {
      Atomics.store(w, WAITING, 0);
    }
  }

  /**
   * Consumer, blocking (worker threads only; the main thread of a browser may
   * not block): sleep until a frame arrives, the ring closes or `timeoutMs` passes.
   */
  waitForFramesSync(timeoutMs = Infinity): void {
    const w = this.words;
    Atomics.store(w, WAITING, 1);
    const tail = Atomics.load(w, TAIL);
    if (tail === Atomics.load(w, HEAD) && Atomics.load(w, CLOSED) === 0) Atomics.wait(w, TAIL, tail, timeoutMs);
    Atomics.store(w, WAITING, 0);
  }
}
