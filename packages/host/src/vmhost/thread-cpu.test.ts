import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ThreadSchedClock } from './thread-cpu.js';

describe('ThreadSchedClock', () => {
  it.runIf(existsSync('/proc/thread-self/schedstat'))("reads this thread's time on a CPU and waiting for one", () => {
    const c = ThreadSchedClock.open()!;
    expect(c).not.toBeNull();
    expect(c.read()).toBe(true);
    const run0 = c.runMs;
    const wait0 = c.waitMs;
    const end = performance.now() + 30;
    let x = 0;
    while (performance.now() < end) x++;
    expect(x).toBeGreaterThan(0);
    expect(c.read()).toBe(true);
    // Busy for 30 ms of wall time: on a CPU or waiting for one for all of it (the CPU time lags by up to a tick).
    expect(c.runMs - run0 + (c.waitMs - wait0)).toBeGreaterThan(15);
    expect(c.waitMs).toBeGreaterThanOrEqual(wait0);
    c.close();
    expect(c.read()).toBe(false);
  });
});
