import type { NetBackend, NetReceiver } from '@vm/bus';

/**
 * A NIC stand-in for tests: attaches to a backend, sends frames on request
 * and keeps copies of what it receives. Set {@link accept} to false to make
 * it refuse frames like a NIC with a full receive ring.
 */
export class ScriptedNic implements NetReceiver {
  /** Copies of every frame accepted, in arrival order. */
  readonly received: Uint8Array[] = [];
  /** Frames refused while {@link accept} was false. */
  refused = 0;
  /** Whether receiveFrame accepts frames. */
  accept = true;
  /** Called for every accepted frame (after it is recorded); may send replies. */
  onFrame: ((frame: Uint8Array, nic: ScriptedNic) => void) | null = null;

  /** @param backend the cable; the NIC attaches to it at once */
  constructor(readonly backend: NetBackend) {
    backend.attach(this);
  }

  /** @inheritDoc */
  receiveFrame(frame: Uint8Array): boolean {
    if (!this.accept) {
      this.refused++;
      return false;
    }
    this.received.push(new Uint8Array(frame)); // a plain copy, also of a Node Buffer
    this.onFrame?.(frame, this);
    return true;
  }

  /** Transmit `frame` through the backend. */
  send(frame: Uint8Array): void {
    this.backend.sendFrame(frame);
  }

  /** Forget received frames. */
  clear(): void {
    this.received.length = 0;
    this.refused = 0;
  }

  /** Detach from the backend. */
  unplug(): void {
    this.backend.attach(null);
  }
}
