import { SerialConsole } from './serial-console.js';

/** The escape prefix, as in QEMU and screen: Ctrl-A. */
const CTRL_A = 0x01;

/**
 * The first serial port on the user's terminal. With a TTY, stdin goes raw so
 * every key reaches the guest; `Ctrl-A x` quits, `Ctrl-A a` sends a literal
 * Ctrl-A. Output is buffered and written in batches.
 */
export class TerminalConsole extends SerialConsole {
  private readonly term: NodeJS.WriteStream;
  private readonly inp: NodeJS.ReadStream;
  private pendingEscape = false;
  private readonly wasRaw: boolean;
  private readonly onData: (chunk: Buffer) => void;

  /**
   * @param onQuit called when the user types Ctrl-A x
   * @param streams the terminal (stdin/stdout by default)
   */
  constructor(
    private readonly onQuit: () => void,
    streams: { input?: NodeJS.ReadStream; output?: NodeJS.WriteStream } = {},
  ) {
    super();
    this.inp = streams.input ?? process.stdin;
    this.term = streams.output ?? process.stdout;
    this.wasRaw = this.inp.isTTY ? this.inp.isRaw : false;
    if (this.inp.isTTY) this.inp.setRawMode(true);
    this.onData = (chunk) => this.keys(chunk);
    this.inp.on('data', this.onData);
    this.inp.resume();
  }

  /** Interpret the escape sequence, pass everything else to the guest. */
  keys(chunk: Uint8Array): void {
    const pass: number[] = [];
    for (const b of chunk) {
      if (this.pendingEscape) {
        this.pendingEscape = false;
        if (b === 0x78 /* x */ || b === 0x58) {
          this.onQuit();
          return;
        }
        if (b === 0x61 /* a */ || b === CTRL_A) pass.push(CTRL_A);
        continue;
      }
      if (b === CTRL_A) this.pendingEscape = true;
      else pass.push(b);
    }
    if (pass.length > 0) this.input(Uint8Array.from(pass));
  }

  /** @inheritDoc */
  protected emit(chunk: Uint8Array): void {
    this.term.write(Buffer.from(chunk));
  }

  /** @inheritDoc */
  close(): void {
    this.flush();
    this.inp.off('data', this.onData);
    if (this.inp.isTTY) this.inp.setRawMode(this.wasRaw);
    this.inp.pause();
  }
}
