import type { CharBackend, CharReceiver } from '../char.js';

/**
 * A {@link CharBackend} for UART tests: collects what the guest sends and
 * queues input, holding bytes back while the device's FIFO is full.
 */
export class CharRecorder implements CharBackend {
  /** Every byte the guest transmitted. */
  readonly output: number[] = [];
  private readonly pending: number[] = [];
  private receiver: CharReceiver | null = null;

  /** What the guest transmitted, as Latin-1 text. */
  get text(): string {
    return String.fromCharCode(...this.output);
  }
  /** @inheritDoc */
  writeByte(byte: number): void {
    this.output.push(byte & 0xff);
  }
  /** @inheritDoc */
  attach(receiver: CharReceiver | null): void {
    this.receiver = receiver;
  }
  /** @inheritDoc */
  receiverReady(): void {
    while (this.pending.length > 0 && this.receiver?.receiveByte(this.pending[0]!)) this.pending.shift();
  }
  /** Queue input for the device (a string's char codes or bytes) and offer it. */
  type(input: string | readonly number[]): void {
    for (const b of typeof input === 'string' ? [...input].map((c) => c.charCodeAt(0)) : input) this.pending.push(b & 0xff);
    this.receiverReady();
  }
  /** Bytes still held back because the device was full. */
  get backlog(): number {
    return this.pending.length;
  }
}
