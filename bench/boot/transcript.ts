import type { StampedLine } from './child-watch.js';
import type { PartName, Timing } from './stats.js';

// The lines of the @vm/guests initramfs (guests/src/scripts.ts): /init prints
// `VM-GUEST-READY uptime=<s>`, runs /vmtest/<name>.sh for `vmtest=<name>`, then
// prints `VM-TEST-DONE name=<n> status=<code> uptime=<s>` and powers off. The
// `workload` script prints the sha256 digest, `VM-LOOP-DONE i=<n>`, the gzip size,
// and `VM-WORKLOAD loop_i=<n> sha256_cs=<n> loop_cs=<n> gzip_cs=<n> total_cs=<n>`.
const READY = /^VM-GUEST-READY uptime=(\d+(?:\.\d+)?)/;
const DONE = /^VM-TEST-DONE name=(\S*) status=(\d+) uptime=(\d+(?:\.\d+)?)/;
const MISSING = /^VM-TEST-MISSING\b/;
const WORKLOAD = /^VM-WORKLOAD (.*)$/;
const LOOP_DONE = /^VM-LOOP-DONE\b/;
const DIGEST = /^[0-9a-f]{64}\s+-$/;
const COUNT = /^\d+$/;
// A panicked kernel never powers off: end the run at once instead of waiting for the timeout.
const PANIC = /Kernel panic - not syncing: (.*?)(?: \]---)?$/;

/** Both views of one boot, and what the workload printed. */
export interface BootMeasurement {
  /** Measured on the host: from the spawn, and between the arrivals of the workload's lines. */
  readonly host: Timing;
  /** The emulator process's CPU time (user + system, all threads) at the same points; null where unknown. */
  readonly cpu: Timing | null;
  /** Reported by the guest from /proc/uptime. */
  readonly guest: Timing;
  /** What each part printed: the digest, the loop's final counter (`loop_i=<n>`), the gzip size. */
  readonly outputs: Record<PartName, string>;
}

/**
 * Follows one boot's serial console, line by line: the host's arrival time of
 * each line that delimits the workload, and the guest's own figures. Complete at
 * the test's end marker (or at a line that shows the run cannot succeed).
 *
 * The host sees the ends of sha256 (the digest line), of the loop (`VM-LOOP-DONE`)
 * and of gzip (the size line); a guest without the loop's line gives the host only
 * loop + gzip together.
 */
export class WorkloadTranscript {
  private ready: { at: At; uptime: number } | null = null;
  private digest: { at: At; text: string } | null = null;
  private loopEnd: At | null = null;
  private count: { at: At; text: string } | null = null;
  private summary: { at: At; values: Map<string, number> } | null = null;
  private done = false;
  private problem: string | null = null;

  /** Feed one line; returns true when the transcript is complete (or broken beyond use). */
  feed(line: StampedLine): boolean {
    const text = line.text.trim();
    if (this.done) return true;
    const at: At = { host: line.seconds, cpu: line.cpuSeconds };
    let m: RegExpExecArray | null;
    if ((m = PANIC.exec(text))) {
      this.done = true;
      this.problem = `the guest kernel panicked: ${m[1]}`;
      return true;
    }
    if (this.ready === null) {
      if ((m = READY.exec(text))) this.ready = { at, uptime: Number(m[1]) };
      return false;
    }
    if ((m = DONE.exec(text))) {
      this.done = true;
      if (m[2] !== '0') this.problem = `the workload script exited with status ${m[2]}`;
      return true;
    }
    if (MISSING.test(text)) {
      this.done = true;
      this.problem = `the guest has no workload script: ${text}`;
      return true;
    }
    if ((m = WORKLOAD.exec(text))) {
      const values = new Map<string, number>();
      for (const kv of m[1]!.trim().split(/\s+/)) {
        const eq = kv.indexOf('=');
        if (eq > 0) values.set(kv.slice(0, eq), Number(kv.slice(eq + 1)));
      }
      this.summary = { at, values };
      return false;
    }
    if (this.digest === null) {
      if (DIGEST.test(text)) this.digest = { at, text };
      return false;
    }
    if (this.count === null) {
      if (COUNT.test(text)) this.count = { at, text };
      else if (LOOP_DONE.test(text) && this.loopEnd === null) this.loopEnd = at;
    }
    return false;
  }

  /** The measurement, or a message saying what is missing. */
  result(): BootMeasurement | string {
    if (this.problem !== null) return this.problem;
    if (this.ready === null) return 'no VM-GUEST-READY marker seen';
    if (this.digest === null) return 'the workload printed no sha256 digest';
    if (this.count === null) return 'the workload printed no gzip size';
    if (this.summary === null) return 'no VM-WORKLOAD line seen';
    if (!this.done) return 'no VM-TEST-DONE marker seen';
    const v = this.summary.values;
    const cs = (k: string): number | string => {
      const n = v.get(k);
      return n === undefined || !Number.isFinite(n) ? `VM-WORKLOAD has no number ${k}` : n / 100;
    };
    const [sha, loop, gzip, total] = [cs('sha256_cs'), cs('loop_cs'), cs('gzip_cs'), cs('total_cs')];
    for (const x of [sha, loop, gzip, total]) if (typeof x === 'string') return x;
    const ready = this.ready.at;
    const digest = this.digest.at;
    const count = this.count.at;
    const summary = this.summary.at;
    const loopEnd = this.loopEnd;
    const side = (k: keyof At): Timing | null => {
      const r = ready[k];
      const d = digest[k];
      const c = count[k];
      const w = summary[k];
      const l = loopEnd === null ? null : loopEnd[k];
      if (r === null || d === null || c === null || w === null) return null;
      return {
        toShellSeconds: r,
        workloadSeconds: w - r,
        perPart: { sha256: d - r, loop: l === null ? null : l - d, gzip: l === null ? null : c - l },
        loopGzipSeconds: c - d,
      };
    };
    return {
      host: side('host')!,
      cpu: side('cpu'),
      guest: {
        toShellSeconds: this.ready.uptime,
        workloadSeconds: total as number,
        perPart: { sha256: sha as number, loop: loop as number, gzip: gzip as number },
        loopGzipSeconds: (loop as number) + (gzip as number),
      },
      outputs: { sha256: this.digest.text, loop: `loop_i=${v.get('loop_i') ?? '?'}`, gzip: this.count.text },
    };
  }
}

/** Where in a run a line arrived: host seconds since the spawn, and the emulator's CPU seconds by then. */
interface At {
  host: number;
  cpu: number | null;
}
