import type { NetBackend, NetReceiver } from '../net.js';

/**
 * A {@link NetBackend} that records transmitted frames and lets a test inject
 * received ones.
 */
export class FrameRecorder implements NetBackend {
  /** Copies of every frame the NIC sent. */
  readonly sent: Uint8Array[] = [];
  /** @inheritDoc */
  linkUp = true;
  private receiver: NetReceiver | null = null;

  /** @inheritDoc */
  sendFrame(frame: Uint8Array): void {
    this.sent.push(frame.slice());
  }
  /** @inheritDoc */
  attach(receiver: NetReceiver | null): void {
    this.receiver = receiver;
  }
  /** Deliver a frame to the attached NIC; false if dropped or nothing attached. */
  inject(frame: Uint8Array): boolean {
    return this.receiver !== null && this.receiver.receiveFrame(frame);
  }
}
