import type { CharBackend, CharReceiver } from '@vm/bus';
import type { Machine } from '@vm/machine';

/**
 * The test harness's end of a guest serial port: records everything the
 * guest prints and types input into it (held back while the UART's FIFO is
 * full), and runs the machine until the output shows a pattern.
 */
export class GuestConsole implements CharBackend {
  /** Everything the guest printed. */
  text = '';
  private rx: CharReceiver | null = null;
  private readonly pending: number[] = [];

  /** @inheritDoc */
  writeByte(byte: number): void {
    this.text += String.fromCharCode(byte);
    // Answer a cursor position query (ESC [ 6 n) as a terminal would: busybox's
    // line editor asks at every prompt and waits for the reply.
    if (byte === 0x6e && this.text.endsWith('\x1b[6n')) this.type('\x1b[1;1R');
  }
  /** @inheritDoc */
  attach(receiver: CharReceiver | null): void {
    this.rx = receiver;
  }
  /** @inheritDoc */
  receiverReady(): void {
    while (this.pending.length > 0 && this.rx?.receiveByte(this.pending[0]!)) this.pending.shift();
  }
  /** Type `s` into the guest. */
  type(s: string): void {
    for (const c of s) this.pending.push(c.charCodeAt(0) & 0xff);
    this.receiverReady();
  }

  /**
   * Run `machine` until the output after `from` matches `pattern`, or fail
   * after `maxInstructions` (a guest that hangs ends the test, not the run).
   * Yields to the event loop between short runs, so asynchronous host work
   * the devices wait for (disk I/O) completes, as in the host's run loop.
   */
  async runUntil(machine: Machine, pattern: RegExp, from: number, maxInstructions: number): Promise<RegExpExecArray> {
    let m: RegExpExecArray | null = null;
    let left = maxInstructions;
    const check = (): boolean => {
      this.receiverReady();
      m = pattern.exec(this.text.slice(from));
      return m !== null || machine.poweredOff;
    };
    let idle = 0;
    while (left > 0 && !check()) {
      const r = machine.runUntil({ instructions: Math.min(left, 2_000_000), until: check, maxSlices: 64 });
      left -= r.retired;
      // a halted guest with no timer waits for host I/O; give up if nothing ever wakes it
      idle = r.retired === 0 ? idle + 1 : 0;
      if (idle > 100_000) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (m === null) throw new Error(`guest output never matched ${pattern} (tail: ${JSON.stringify(this.text.slice(-600))})`);
    return m;
  }
}
