import type { CharBackend, CharReceiver } from '@vm/bus';

/** busybox's prompt in the vm guests, followed by its cursor-position query (ESC [ 6 n). */
export const GUEST_PROMPT = new RegExp(`vmguest# ${String.fromCharCode(0x1b)}\\[6n`, 'g');

/** One command typed into a guest shell, finished once its exit status is printed. */
export class ShellCommand {
  /** True once the guest printed the exit status. */
  done = false;
  /** The command's exit status (-1 until done). */
  status = -1;
  /** What the command printed (between the begin and end markers). */
  output = '';
  /** Offset into the shell's text where this command was typed (-1 while queued). */
  typedAt = -1;

  /** @internal use {@link SerialShell.run} */
  constructor(
    /** The command line. */
    readonly command: string,
    /** Sequence number, unique per shell. */
    readonly seq: number,
  ) {}
}

/**
 * The host end of a guest's serial console, driving its busybox shell: it
 * records what the guest prints, answers the cursor-position query busybox
 * sends at every prompt (as a terminal would), and types queued commands one
 * at a time, each only at a fresh prompt (input typed before the query would
 * be eaten as its answer). Each command is wrapped in markers so its output
 * and exit status can be read back.
 *
 * Used as a `CharBackend` for a UART, or, with `output`, for a guest whose
 * console is a byte stream (QEMU's stdio).
 */
export class SerialShell implements CharBackend {
  /** Everything the guest printed. */
  text = '';
  private rx: CharReceiver | null = null;
  private readonly pending: number[] = [];
  private readonly queue: ShellCommand[] = [];
  private current: ShellCommand | null = null;
  /** Where to look for the next prompt. */
  private promptFrom = 0;
  /** Set for a guest restored from a snapshot taken at an idle prompt. */
  private atPrompt = false;
  private seq = 0;

  /**
   * @param name the guest's name, for messages
   * @param output where typed bytes go for a stream console; omitted for a UART backend
   */
  constructor(
    readonly name: string,
    private readonly output: ((bytes: Uint8Array) => void) | null = null,
  ) {}

  /** @inheritDoc */
  writeByte(byte: number): void {
    this.text += String.fromCharCode(byte);
    // Answer ESC [ 6 n with a cursor position, as a terminal would.
    if (byte === 0x6e && this.text.endsWith('\x1b[6n')) this.type('\x1b[1;1R');
  }

  /** Feed bytes from a stream console. */
  feed(bytes: Uint8Array): void {
    for (const b of bytes) this.writeByte(b);
    this.pump();
  }

  /** @inheritDoc */
  attach(receiver: CharReceiver | null): void {
    this.rx = receiver;
  }

  /** @inheritDoc */
  receiverReady(): void {
    while (this.pending.length > 0 && this.rx?.receiveByte(this.pending[0]!)) this.pending.shift();
  }

  /** Type `s` into the guest now (Latin-1). */
  type(s: string): void {
    if (this.output !== null) {
      this.output(Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff));
      return;
    }
    for (const c of s) this.pending.push(c.charCodeAt(0) & 0xff);
    this.receiverReady();
  }

  /** True when nothing typed is still waiting for the UART. */
  get inputDrained(): boolean {
    return this.pending.length === 0;
  }

  /** The guest is sitting at a prompt already (restored from a snapshot taken there). */
  assumePrompt(): void {
    this.atPrompt = true;
    this.promptFrom = this.text.length;
  }

  /** Queue a command; it is typed at the next fresh prompt. */
  run(command: string): ShellCommand {
    const c = new ShellCommand(command, ++this.seq);
    this.queue.push(c);
    this.pump();
    return c;
  }

  /** True when the guest printed a prompt since the last command ended and has taken all typed input. */
  get atFreshPrompt(): boolean {
    if (!this.idle || this.pending.length > 0) return false;
    GUEST_PROMPT.lastIndex = this.promptFrom;
    return GUEST_PROMPT.exec(this.text) !== null;
  }

  /** True when no command is running or queued. */
  get idle(): boolean {
    return this.current === null && this.queue.length === 0;
  }

  /** Move input along: finish the running command if its status arrived, type the next at a prompt. */
  pump(): void {
    this.receiverReady();
    const cur = this.current;
    if (cur !== null) {
      const end = new RegExp(`\\nVM-RC-${cur.seq}=(\\d+)`).exec(this.text.slice(cur.typedAt));
      if (end === null) return;
      const body = this.text.slice(cur.typedAt, cur.typedAt + end.index);
      const begin = new RegExp(`(^|\\n)VM-BEGIN-${cur.seq}\\r?(\\n|$)`).exec(body);
      cur.output = (begin === null ? body : body.slice(begin.index + begin[0].length)).replace(/\r/g, '');
      cur.status = Number(end[1]);
      cur.done = true;
      this.promptFrom = cur.typedAt + end.index + end[0].length;
      this.current = null;
    }
    const next = this.queue[0];
    if (next === undefined) return;
    if (!this.atPrompt) {
      GUEST_PROMPT.lastIndex = this.promptFrom;
      if (GUEST_PROMPT.exec(this.text) === null) return;
    }
    this.atPrompt = false;
    this.queue.shift();
    this.current = next;
    next.typedAt = this.text.length;
    this.type(`echo VM-BEGIN-${next.seq}; ${next.command}; echo VM-RC-${next.seq}=$?\n`);
  }

  /** The last `n` characters printed, for error messages. */
  tail(n = 600): string {
    return JSON.stringify(this.text.slice(-n));
  }
}
