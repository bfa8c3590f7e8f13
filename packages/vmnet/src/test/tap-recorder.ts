import type { FrameTap } from '../frame-tap.js';

/** One observed frame. */
export interface TappedFrame {
  /** A copy of the frame. */
  readonly frame: Uint8Array;
  /** Virtual time it was seen (ns). */
  readonly timeNs: number;
}

/** A {@link FrameTap} that keeps copies of what it sees, for assertions. */
export class TapRecorder implements FrameTap {
  /** Frames seen, in order. */
  readonly frames: TappedFrame[] = [];

  /** @inheritDoc */
  captureFrame(frame: Uint8Array, timeNs: number): void {
    this.frames.push({ frame: new Uint8Array(frame), timeNs });
  }
}
