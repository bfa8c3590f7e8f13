/** Where progress goes: stderr, or a fake in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  /** A terminal: the line is redrawn in place. */
  readonly isTTY?: boolean;
}

/**
 * Progress of a long disk operation on stderr. On a terminal, one
 * percentage line redrawn in place as the percentage changes; otherwise
 * (a log file, a pipe) a plain line every `intervalMs`, so logs stay short.
 */
export class ProgressReporter {
  private lastPercent = -1;
  private lastLineAt: number;
  private shown = false;

  /**
   * @param stream where to write (stderr)
   * @param label what is happening (`converting disk.vmdk`)
   * @param now a millisecond clock (tests pass a fake)
   * @param intervalMs time between lines when `stream` is not a terminal
   */
  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = 2000,
  ) {
    this.lastLineAt = now();
  }

  /** Report `done` of `total` units. */
  update(done: number, total: number): void {
    const percent = total > 0 ? Math.min(100, Math.floor((done * 100) / total)) : 100;
    if (this.stream.isTTY) {
      if (percent === this.lastPercent) return;
      this.lastPercent = percent;
      this.shown = true;
      this.stream.write(`\r${this.label}: ${percent}%`);
      return;
    }
    const t = this.now();
    if (t - this.lastLineAt < this.intervalMs) return;
    this.lastLineAt = t;
    this.lastPercent = percent;
    this.shown = true;
    this.stream.write(`${this.label}: ${percent}%\n`);
  }

  /** End the progress display: a terminal line gets its newline; a log that showed progress gets a final 100%. */
  finish(): void {
    if (!this.shown) return;
    if (this.stream.isTTY) this.stream.write(`\r${this.label}: 100%\n`);
    else if (this.lastPercent !== 100) this.stream.write(`${this.label}: 100%\n`);
    this.shown = false;
  }
}
