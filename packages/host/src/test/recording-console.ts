import { SerialConsole } from '../console/serial-console.js';

/**
 * A {@link SerialConsole} for tests: keeps what the guest printed and lets
 * the test type input, with the same backpressure as the real consoles.
 */
export class RecordingConsole extends SerialConsole {
  /** Everything flushed from the guest so far, as Latin-1 text. */
  text = '';
  /** Type `s` into the guest. */
  type(s: string): void {
    this.input(Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff)));
  }
  /** @inheritDoc */
  protected emit(chunk: Uint8Array): void {
    this.text += String.fromCharCode(...chunk);
  }
  /** @inheritDoc */
  close(): void {
    this.flush();
  }
}
