/**
 * A serial port's host end inside a VM's worker: output is batched and
 * posted to the host thread, which owns the real console (a file, a
 * socket, `vm console`); input arrives as messages.
 *
 * @module
 */

import { SerialConsole } from '../console/serial-console.js';

/** Relays a UART's bytes between a worker and the host thread. */
export class RelayConsole extends SerialConsole {
  /** @param post sends a chunk of output to the host (the chunk is a copy the callee may keep) */
  constructor(private readonly post: (bytes: Uint8Array) => void) {
    super();
  }

  /** Bytes typed at the host's console. */
  deliver(bytes: Uint8Array): void {
    this.input(bytes);
  }

  protected emit(chunk: Uint8Array): void {
    this.post(chunk.slice());
  }

  /** Flush what is left. */
  close(): void {
    this.flush();
  }
}
