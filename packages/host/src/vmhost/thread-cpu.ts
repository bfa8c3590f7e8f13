/**
 * How long the calling OS thread waited for a core, so a VM is charged only
 * for the time its worker could run: a quantum measured by the wall clock
 * also counts time the OS gave the core to another process (on a loaded
 * machine a good part of it), and the VM that happened to be preempted
 * paid for it.
 *
 * Linux reports a thread's scheduling in `/proc/thread-self/schedstat`
 * (the kernel's Documentation/scheduler/sched-stats): time on a CPU, time
 * waiting on a run queue (both ns), and timeslices. The time on a CPU of
 * the running thread is only brought up to date at a tick or a switch
 * (measured: up to 4 ms behind), but its wait is complete whenever it
 * runs: the wait of an interval the thread ran at both ends of is exact.
 * Elsewhere there is no such file and callers charge the wall clock.
 *
 * @module
 */

import { closeSync, openSync, readSync } from 'node:fs';

/** Reads the calling thread's scheduling counters; one open file, reread on each call. */
export class ThreadSchedClock {
  /** Time on a CPU at the last {@link read}, ms (up to a tick behind for the running thread). */
  runMs = 0;
  /** Time waiting for a CPU on a run queue at the last {@link read}, ms. */
  waitMs = 0;
  private fd: number;
  private readonly buf = new Uint8Array(128);

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** A clock for the calling thread, or null where the OS has none. */
  static open(): ThreadSchedClock | null {
    let fd = -1;
    try {
      fd = openSync('/proc/thread-self/schedstat', 'r');
      const c = new ThreadSchedClock(fd);
      if (c.read()) return c;
      c.close();
      return null;
    } catch {
      if (fd >= 0) closeSync(fd);
      return null;
    }
  }

  /** Read the counters into {@link runMs} and {@link waitMs}; false if they cannot be read. */
  read(): boolean {
    if (this.fd < 0) return false;
    let n = 0;
    try {
      n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
    } catch {
      return false;
    }
    let field = 0;
    let value = 0;
    let digits = 0;
    for (let i = 0; i <= n && field < 2; i++) {
      const c = i < n ? this.buf[i]! : 32;
      if (c >= 48 && c <= 57) {
        value = value * 10 + (c - 48);
        digits++;
        continue;
      }
      if (digits === 0) return false;
      if (field === 0) this.runMs = value / 1e6;
      else this.waitMs = value / 1e6;
      field++;
      value = 0;
      digits = 0;
    }
    return field === 2;
  }

  /** Close the file. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
