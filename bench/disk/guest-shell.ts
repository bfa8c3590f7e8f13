import type { CharBackend, CharReceiver } from '@vm/bus';
import type { Machine } from '@vm/machine';

/** busybox's prompt in the bench guest, followed by its cursor-position query (ESC [ 6 n). */
const PROMPT = new RegExp(`vmguest# ${String.fromCharCode(0x1b)}\\[6n`);

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The bench's end of the guest's first serial port: records the output,
 * answers busybox's cursor-position query and types commands, while the
 * machine runs in the host loop ({@link Machine.run}) on a real-time clock,
 * as `vm run` runs it: the guest's clock is the host's, and a guest waiting
 * for disk I/O waits as long as the host takes.
 */
export class GuestShell implements CharBackend {
  /** Everything the guest printed. */
  text = '';
  private rx: CharReceiver | null = null;
  private readonly pending: number[] = [];
  private seq = 0;
  private promptFrom = 0;
  private readonly stop = new AbortController();
  private running: Promise<unknown> | null = null;
  private machine: Machine | null = null;

  /** @inheritDoc */
  writeByte(byte: number): void {
    this.text += String.fromCharCode(byte);
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
  private type(s: string): void {
    for (const c of s) this.pending.push(c.charCodeAt(0) & 0xff);
    this.receiverReady();
  }

  /** Start running `machine` in the background. */
  start(machine: Machine): void {
    this.machine = machine;
    this.running = machine.run({ signal: this.stop.signal });
  }

  /** Stop the machine's host loop. */
  async halt(): Promise<void> {
    this.stop.abort();
    await this.running;
  }

  /** Wait until the output after `from` matches `pattern` (or fail after `timeoutS` seconds). */
  async waitFor(pattern: RegExp, from = 0, timeoutS = 1800): Promise<RegExpExecArray> {
    const t0 = performance.now();
    for (;;) {
      this.receiverReady();
      const m = pattern.exec(this.text.slice(from));
      if (m !== null) return m;
      if (this.machine?.poweredOff) throw new Error('the guest powered off');
      if (performance.now() - t0 > timeoutS * 1000)
        throw new Error(`guest output never matched ${pattern} (tail: ${JSON.stringify(this.text.slice(-400))})`);
      await sleepMs(2);
    }
  }

  /** Run a shell command that must succeed; returns its output without the echoed command line. */
  async ok(cmd: string): Promise<string> {
    await this.waitFor(PROMPT, this.promptFrom);
    const tag = `VM-RC-${++this.seq}`;
    const from = this.text.length;
    this.type(`${cmd}; echo ${tag}=$?\n`);
    const m = await this.waitFor(new RegExp(`\\r?\\n${tag}=(\\d+)`), from);
    this.promptFrom = from + m.index + m[0].length;
    const out = this.text.slice(from, from + m.index).split(/\r?\n/).slice(1).join('\n');
    if (m[1] !== '0') throw new Error(`guest command failed (${m[1]}): ${cmd}\n${out}`);
    return out;
  }
}
