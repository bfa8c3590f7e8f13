import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootLinux, createPc } from '@vm/machine';
import type { Pc } from '@vm/machine';
import { GuestConsole } from './guest-console.js';
import { loadGuests } from './guests.js';

const guests = loadGuests();
if (typeof guests === 'string') console.warn(`linux system test skipped: ${guests}`);

/** The RTC's time at power-on (a fixed date, so runs are reproducible). */
const START_TIME = 1_764_000_000;
/** Most guest instructions one step may take before the test calls the guest hung. */
const BOOT_BUDGET = 12_000_000_000;
const STEP_BUDGET = 3_000_000_000;

describe.skipIf(typeof guests === 'string')('Debian Linux on the pc machine', () => {
  let pc: Pc;
  const con = new GuestConsole();
  let seq = 0;

  /** Run a shell command in the guest; returns its output and exit status. */
  function sh(cmd: string, budget = STEP_BUDGET): { out: string; status: number } {
    const tag = `VM-RC-${++seq}`;
    const from = con.text.length;
    con.type(`${cmd}; echo ${tag}=$?\n`);
    const m = con.runUntil(pc.machine, new RegExp(`\\r?\\n${tag}=(\\d+)`), from, budget);
    const all = con.text.slice(from);
    // drop the echoed command line
    const body = all.slice(0, m.index).split(/\r?\n/).slice(1).join('\n');
    return { out: body, status: Number(m[1]) };
  }

  beforeAll(() => {
    if (typeof guests === 'string') return;
    pc = createPc({ memoryMB: 128, serial: [con], startTime: START_TIME });
    bootLinux(pc, guests.kernel, guests.initrd, 'console=ttyS0 quiet');
    con.runUntil(pc.machine, /VM-GUEST-READY uptime=[\d.]+/, 0, BOOT_BUDGET);
    con.runUntil(pc.machine, /vmguest# /, 0, STEP_BUDGET);
  });

  afterAll(() => pc?.machine.destroy());

  it('boots to the busybox shell prompt', () => {
    expect(con.text).toContain('vm guest: interactive shell');
  });

  it('uname -r names the Debian kernel', () => {
    if (typeof guests === 'string') return;
    const r = sh('uname -r');
    expect(r.status).toBe(0);
    expect(r.out.trim()).toBe(guests.release);
  });

  it("/proc/cpuinfo shows our CPU's features", () => {
    const r = sh('grep -m1 ^flags /proc/cpuinfo; grep -m1 ^vendor_id /proc/cpuinfo');
    const flags = r.out.split(/\s+/);
    for (const f of ['fpu', 'tsc', 'cx8', 'sep', 'cmov', 'mmx', 'fxsr', 'sse', 'sse2']) expect(flags).toContain(f);
    expect(r.out).toContain('GenuineIntel');
  });

  it('sha256sum of a guest-generated file equals the host hash of the same bytes', () => {
    const r = sh('seq 1 20000 > /tmp/f && sha256sum /tmp/f');
    const hostBytes = Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join('');
    const want = createHash('sha256').update(hostBytes).digest('hex');
    expect(r.out).toContain(`${want}  /tmp/f`);
  });

  it('date advances with virtual time', () => {
    const r = sh('date +%s; sleep 1; date +%s');
    const [a, b] = r.out.trim().split(/\s+/).map(Number);
    expect(a).toBeGreaterThanOrEqual(START_TIME);
    expect(b! - a!).toBeGreaterThanOrEqual(1);
    expect(b! - a!).toBeLessThanOrEqual(2);
  });

  it('sleep 2 takes two seconds of virtual time', () => {
    const t0 = pc.machine.clock.now();
    sh('sleep 2');
    const dt = (pc.machine.clock.now() - t0) / 1e9;
    expect(dt).toBeGreaterThanOrEqual(2);
    expect(dt).toBeLessThan(2.5);
  });

  it('poweroff -f powers the machine off with exit code 0', () => {
    con.type('poweroff -f\n');
    pc.machine.runUntil({ instructions: STEP_BUDGET, until: (m) => m.poweredOff });
    expect(pc.machine.poweredOff).toBe(true);
    expect(pc.machine.powerOffInfo?.code).toBe(0);
  });
});
