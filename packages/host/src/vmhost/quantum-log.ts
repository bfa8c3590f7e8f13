/**
 * An optional per-quantum trace of a VM's worker, for diagnosing CPU
 * scheduling with real guests: with `VM_HOST_QUANTUM_LOG=<dir>` in the
 * host's environment each worker appends one JSON line per quantum to
 * `<dir>/<vm>.jsonl`: the time (ms since the epoch), ms granted and used, the gap since its
 * previous quantum, ms the thread waited for a core during it (charged
 * to nobody) and ran (to a tick) and ran between quanta (memory work),
 * guest ms that passed, instructions retired (and those
 * of the first ~5 ms), and the translator's compiles and interpreted
 * instructions in the quantum. Off (and free) otherwise.
 *
 * @module
 */

import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** Translator counters the log reads (a subset of the CPU's `jitStats`). */
interface JitCounters {
  readonly compiledTotal: number;
  readonly interpretedInstructions: number;
}

/** One worker's quantum trace (see the module comment). */
export class QuantumLog {
  private lastEnd = 0;
  private lastGuestNs = 0;
  private lastCompiled = 0;
  private lastInterp = 0;
  private lastRunEnd = -1;
  private runAtStart = -1;
  /** Instructions retired in the first part of the current quantum, and its length (ms). */
  early = 0;
  earlyMs = 0;

  private constructor(private readonly file: string) {}

  /** The log named by the environment for VM `id`, or null. */
  static fromEnv(id: string): QuantumLog | null {
    const dir = process.env['VM_HOST_QUANTUM_LOG'];
    return dir ? new QuantumLog(join(dir, `${id.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`)) : null;
  }

  /** The thread's time on a CPU as the quantum starts (the time since the last quantum's end is its work outside quanta). */
  start(runMs: number): void {
    this.runAtStart = runMs;
  }

  /** Note progress within the quantum: slices that started in its first 5 ms count as its early part. */
  slice(sinceStartMs: number, retiredSoFar: number, nowSinceStartMs: number): void {
    if (sinceStartMs < 5) {
      this.early = retiredSoFar;
      this.earlyMs = nowSinceStartMs;
    }
  }

  /** Append the quantum that just ended. */
  record(grantedMs: number, usedMs: number, waitMs: number, runMs: number, retired: number, guestNs: number, jit: JitCounters | null): void {
    const now = performance.now();
    const compiled = jit?.compiledTotal ?? 0;
    const interp = jit?.interpretedInstructions ?? 0;
    const rec = {
      t: Math.round(performance.timeOrigin + now),
      grantedMs,
      usedMs: Math.round(usedMs * 100) / 100,
      waitMs: Math.round(waitMs * 100) / 100,
      runMs: runMs >= 0 && this.runAtStart >= 0 ? Math.round((runMs - this.runAtStart) * 100) / 100 : -1,
      outsideMs: this.lastRunEnd >= 0 && this.runAtStart >= 0 ? Math.round((this.runAtStart - this.lastRunEnd) * 100) / 100 : -1,
      gapMs: this.lastEnd === 0 ? 0 : Math.round(now - usedMs - this.lastEnd),
      guestMs: Math.round((guestNs - this.lastGuestNs) / 1e4) / 100,
      retired,
      early: this.early,
      earlyMs: Math.round(this.earlyMs * 100) / 100,
      compiled: compiled - this.lastCompiled,
      interpreted: interp - this.lastInterp,
    };
    this.lastEnd = now;
    this.lastRunEnd = runMs;
    this.lastGuestNs = guestNs;
    this.lastCompiled = compiled;
    this.lastInterp = interp;
    this.early = 0;
    this.earlyMs = 0;
    appendFileSync(this.file, JSON.stringify(rec) + '\n');
  }
}
