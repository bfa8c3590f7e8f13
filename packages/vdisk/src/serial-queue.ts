/**
 * Runs asynchronous operations one after another, in call order: a disk's
 * writes and flushes go through one so that a flush covers every write
 * acknowledged before it and two writes never allocate the same grain twice.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Queue `op`; resolves or rejects with its result. */
  run<T>(op: () => Promise<T>): Promise<T> {
    const p = this.tail.then(op);
    this.tail = p.then(noop, noop);
    return p;
  }
}

function noop(): void {}
