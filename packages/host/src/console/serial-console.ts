import type { CharBackend, CharReceiver } from '@vm/bus';

/**
 * Common part of the host ends of a serial line: input queued for the UART
 * with backpressure (bytes the device cannot take yet are kept and offered
 * again on `receiverReady`), output handed to a subclass.
 */
export abstract class SerialConsole implements CharBackend {
  private receiver: CharReceiver | null = null;
  /** Called when input arrives, so a host waiting on a halted guest can wake it. */
  onInput: (() => void) | null = null;
  private readonly queue: number[] = [];
  private head = 0;

  private readonly out = new Uint8Array(8192);
  private fill = 0;

  /** Hand a chunk of guest output to the outside (the chunk is reused after the call). */
  protected abstract emit(chunk: Uint8Array): void;

  /** @inheritDoc */
  writeByte(byte: number): void {
    this.out[this.fill++] = byte;
    if (this.fill === this.out.length) this.flush();
  }

  /** Pass buffered guest output on; the machine calls this between slices. */
  flush(): void {
    if (this.fill === 0) return;
    this.emit(this.out.subarray(0, this.fill));
    this.fill = 0;
  }

  /** @inheritDoc */
  attach(receiver: CharReceiver | null): void {
    this.receiver = receiver;
    this.receiverReady();
  }

  /** @inheritDoc */
  receiverReady(): void {
    const rx = this.receiver;
    if (rx === null) return;
    while (this.head < this.queue.length && rx.receiveByte(this.queue[this.head]!)) this.head++;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
  }

  /** Queue bytes from the outside for the guest. */
  protected input(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.queue.push(bytes[i]!);
    this.receiverReady();
    this.onInput?.();
  }

  /** Bytes waiting for the guest to read them. */
  get pendingInput(): number {
    return this.queue.length - this.head;
  }

  /** Release host resources. */
  abstract close(): void;
}
