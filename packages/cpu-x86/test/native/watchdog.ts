/**
 * Turns an emulator hang into a clear failure. The emulator runs
 * synchronously, so a case that loops forever inside the CPU model would block
 * the test (and CI) until an outer timeout. A watchdog thread watches a shared
 * progress counter. If no case completes for `stallMs`, it writes the stuck
 * case to stderr (directly to fd 2, since the main thread is blocked) and kills
 * the process.
 */
import { Worker } from 'node:worker_threads';

const WATCHER = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const cells = new Int32Array(workerData.sab);
let last = -1;
let since = Date.now();
setInterval(() => {
  const beat = Atomics.load(cells, 1);
  if (Atomics.load(cells, 2) === 1) return;
  if (beat !== last) { last = beat; since = Date.now(); return; }
  if (Date.now() - since > workerData.stallMs) {
    const i = Atomics.load(cells, 0);
    fs.writeSync(2, '\\nnative-diff: EMULATOR HANG: case #' + i + ' ' + (workerData.names[i] || '') + ' made no progress for ' + workerData.stallMs + ' ms; killing the test process\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 500);
`;

/** Watches case progress from another thread. */
export class Watchdog {
  private readonly cells = new Int32Array(new SharedArrayBuffer(12));
  private readonly worker: Worker;

  /** @param names case descriptions, reported for the stuck case */
  constructor(names: readonly string[], stallMs = 20_000) {
    this.worker = new Worker(WATCHER, { eval: true, workerData: { sab: this.cells.buffer, names, stallMs } });
    this.worker.unref();
  }

  /** Case `index` is about to run. */
  beat(index: number): void {
    Atomics.store(this.cells, 0, index);
    Atomics.add(this.cells, 1, 1);
  }

  /** All cases done. */
  stop(): void {
    Atomics.store(this.cells, 2, 1);
    void this.worker.terminate();
  }
}
